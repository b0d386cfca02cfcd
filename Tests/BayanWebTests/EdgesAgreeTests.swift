import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import BayanWeb
import Foundation
import Testing

/// Issue 11: the web and the CLI call one application layer, so the same action through
/// either edge stores the same thing, and a rule refuses the same input on both.
@Suite struct EdgesAgree {
    /// Invitations and events of a statement, with what differs by nature (ids, times,
    /// token hashes, and the order within one batch, whose ids share a millisecond) left out.
    static func stored(_ store: SQLStore, _ slug: String) async throws -> (invitations: [String], lifetimes: Set<Int>, events: [String]) {
        let s = try await store.statement(slug: slug)
        let invitations = try await store.invitations(of: s.id)
        let events = try await store.events(of: s.id).map { e in
            "\(e.kind) " + e.payload.keys.sorted().joined(separator: ",")
        }
        return (
            invitations.map(\.organizationName).sorted(),
            Set(invitations.map { Int(($0.expiresAt.timeIntervalSince($0.createdAt) / 3600).rounded()) }),
            events
        )
    }

    @Test func invitingAndChangingStateThroughTheWebAndTheCLIStoreTheSameAndRefuseTheSame() async throws {
        let fixture = try await Fixture.make()
        let data = fixture.dir.path
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            // Two identical statements, one driven through each edge.
            _ = try await Fixture.circulating(b, slug: "web")
            _ = try await Fixture.circulating(b, slug: "cli")
            let names = "مجلس حلب المحلي\nجمعية الهلال\nSyrian Women's League"
            try await b.request("/c/s/web")
            let page = try await b.request(
                "/c/s/web/invitations", method: .post,
                form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": names, "days": "7"])
            #expect(page.status == .ok)
            let cli = try BayanBinary.run(["invite", "cli", "--days", "7", "--data", data], stdin: names + "\n")
            #expect(cli.status == 0, "\(cli.stderr)")
            // The CLI's links open the same sign-on page as the web's.
            let cliLinks = cli.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[1]) }
            #expect(cliLinks.count == 3)
            for link in cliLinks { #expect(try await b.request(link).status == .ok) }

            // An invitation lifetime outside 1-365 days: refused by both, nothing stored.
            let before = try await counts(store)["invitations"]!
            try await b.request("/c/s/web")
            let tooLong = try await b.request(
                "/c/s/web/invitations?lang=en", method: .post,
                form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "منظمة", "days": "400"])
            #expect(tooLong.status == .unprocessableContent && tooLong.body.contains("Links last between 1 and 365 days"))
            let refused = try BayanBinary.run(["invite", "cli", "--days", "400", "--data", data], stdin: "منظمة\n")
            #expect(refused.status != 0 && refused.stderr.contains("1 to 365 days"), "\(refused.stderr)")
            #expect(try await counts(store)["invitations"] == before)

            // Back to draft through each edge.
            try await b.request("/c/s/web")
            let draft = try await b.request(
                "/c/s/web/state", method: .post,
                form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "to": "draft", "confirm": "yes"])
            #expect(draft.status == .seeOther)
            let state = try BayanBinary.run(["state", "cli", "--to", "draft", "--data", data])
            #expect(state.status == 0 && state.stdout.contains("cli: draft"), "\(state.stderr)")

            let web = try await Self.stored(store, "web")
            let viaCLI = try await Self.stored(store, "cli")
            #expect(web.invitations == viaCLI.invitations)
            #expect(web.lifetimes == viaCLI.lifetimes && web.lifetimes.contains(7 * 24))
            #expect(web.events == viaCLI.events)
            #expect(try await store.statement(slug: "web").state == .draft)
            #expect(try await store.statement(slug: "cli").state == .draft)
        }
    }
}
