import BayanCore
import BayanStore
import BayanTestSupport
import BayanWeb
import Foundation
import Testing

/// Issue 19: on a poor connection a request reaches Bayan and its answer is lost, so people
/// send it again. Every state-changing request sent twice with the same key and content has
/// one effect, one event, at most one mail, and both answers are the same success page.
@Suite struct RetriedSubmissions {
    /// The private link shown on a page.
    static func privateLink(_ body: String) -> String? {
        guard let r = body.range(of: "/e/") else { return nil }
        return String(body[r.lowerBound...].prefix { $0 != "<" && $0 != "\"" && $0 != "?" })
    }

    /// Fresh invitation links for `names`, from the statement page's invitation form.
    static func invite(_ b: Browser, _ names: String) async throws -> [String] {
        try await b.request("/c/s/demo")
        let page = try await b.request("/c/s/demo/invitations", method: .post,
                                       form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": names])
        let all = page.body.components(separatedBy: "/i/").dropFirst().map { "/i/" + $0.prefix { $0 != "<" && $0 != "\"" && !$0.isWhitespace } }
        return all.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    static func signOnForm(_ version: String, name: String = "نقابة المعلمين") -> [String: String] {
        ["name": name, "place": "حلب", "signer": "سامر", "role": "أمين السر", "contact": "s@example.org", "consent": "yes", "version": version]
    }

    @Test func signOnSentTwiceGivesTheSamePageAndPrivateLinkAndOneSignature() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let version = try await store.currentVersion(of: statement.id).contentHash.hex
            let before = try await counts(store)
            let first = try await b.request(link, method: .post, form: Self.signOnForm(version))
            let second = try await b.request(link, method: .post, form: Self.signOnForm(version))
            #expect(first.status == .ok && second.status == .ok)
            #expect(first.body == second.body)
            let privateLink = try #require(Self.privateLink(first.body))
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 1)
            #expect(try await counts(store)["events"] == before["events"]! + 1)
            // The answer was lost and the invitation link is opened again: what was signed,
            // and the same private link.
            let reopened = try await b.request(link)
            #expect(reopened.status == .ok && Self.privateLink(reopened.body) == privateLink)
            #expect(reopened.body.contains("استُخدمت هذه الدعوة للتوقيع من قبل"))
            #expect(reopened.body.contains(String(version.prefix(8))) || reopened.body.contains("النص الموقَّع"))
            #expect(try await b.request(privateLink).status == .ok)
            // The same link with other content is refused, in the page's language, and changes nothing.
            let other = try await b.request(link + "?lang=en", method: .post, form: Self.signOnForm(version, name: "رابطة أخرى"))
            #expect(other.status == .conflict && other.body.contains("already signed with different details"))
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 1)
            #expect(try await store.endorsements(of: statement.id).map(\.displayName) == ["نقابة المعلمين"])
        }
    }

    @Test func signOnSentTwiceAtOnceStoresOneSignature() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let version = try await store.currentVersion(of: statement.id).contentHash.hex
            let links = try await Self.invite(b, "مجلس حلب\nجمعية الهلال\nمنظمة بسمة")
            #expect(links.count == 3)
            let before = try await counts(store)
            for link in links {
                async let x = b.request(link, method: .post, form: Self.signOnForm(version, name: "جهة \(link.suffix(4))"))
                async let y = b.request(link, method: .post, form: Self.signOnForm(version, name: "جهة \(link.suffix(4))"))
                let (r1, r2) = try await (x, y)
                #expect(r1.status == .ok && r2.status == .ok && r1.body == r2.body)
            }
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 3)
            #expect(try await counts(store)["events"] == before["events"]! + 3)
        }
    }

    @Test func invitationFormSentTwiceMakesOneBatchWithTheSameLinks() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await Fixture.circulating(b)
            let before = try await counts(store)
            try await b.request("/c/s/demo")
            let form = ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "مجلس حلب\nجمعية الهلال"]
            async let x = b.request("/c/s/demo/invitations", method: .post, form: form)
            async let y = b.request("/c/s/demo/invitations", method: .post, form: form)
            let (first, second) = try await (x, y)
            let third = try await b.request("/c/s/demo/invitations", method: .post, form: form)
            #expect(first.status == .ok && second.status == .ok && third.status == .ok)
            #expect(first.body == second.body && second.body == third.body)
            #expect(try await counts(store)["invitations"] == before["invitations"]! + 2)
            #expect(try await counts(store)["events"] == before["events"]! + 2)
            var changed = form
            changed["names"] = "منظمة أخرى"
            let refused = try await b.request("/c/s/demo/invitations?lang=en", method: .post, form: changed)
            #expect(refused.status == .conflict && refused.body.contains("already sent with different content"))
            #expect(try await counts(store)["invitations"] == before["invitations"]! + 2)
        }
    }

    @Test func withdrawalReconfirmationApprovalAndPublicationPressedTwiceHaveOneEffect() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let v1 = try await store.currentVersion(of: statement.id).contentHash.hex
            let privateLink = try #require(Self.privateLink(try await b.request(link, method: .post, form: Self.signOnForm(v1)).body))
            let e = try await store.endorsements(of: statement.id)[0]
            try await b.request("/c/s/demo")
            let csrf = b.field("_csrf")!
            var events = try await counts(store)["events"]!
            for _ in 0..<2 {
                #expect(try await b.request("/c/s/demo/endorsements/\(e.id)/approve", method: .post, form: ["_csrf": csrf]).status == .seeOther)
            }
            #expect(try await counts(store)["events"] == events + 1)
            // A new text: re-confirming twice binds once.
            let text = ["_csrf": csrf, "title": "بيان تجريبي", "body": "النص الثاني"]
            #expect(try await b.request("/c/s/demo/text", method: .post, form: text).status == .seeOther)
            let v2 = try await store.currentVersion(of: statement.id).contentHash.hex
            events = try await counts(store)["events"]!
            let r1 = try await b.request(privateLink + "/reconfirm", method: .post, form: ["version": v2])
            let r2 = try await b.request(privateLink + "/reconfirm", method: .post, form: ["version": v2])
            #expect(r1.status == .ok && r2.status == .ok && r1.body == r2.body)
            #expect(try await counts(store)["events"] == events + 1)
            // Publication pressed twice: one publication.
            events = try await counts(store)["events"]!
            for _ in 0..<2 {
                let publish = ["_csrf": csrf, "to": "published", "confirm": "yes", "order": "arabic"]
                let r = try await b.request("/c/s/demo/state", method: .post, form: publish)
                #expect(r.status == .seeOther)
            }
            #expect(try await counts(store)["events"] == events + 1)
            // Withdrawal pressed twice: the same page, one event.
            events = try await counts(store)["events"]!
            let w1 = try await b.request(privateLink + "/withdraw", method: .post, form: ["confirm": "yes"])
            let w2 = try await b.request(privateLink + "/withdraw", method: .post, form: ["confirm": "yes"])
            #expect(w1.status == .ok && w2.status == .ok && w1.body == w2.body)
            #expect(try await counts(store)["events"] == events + 1)
            #expect(try await store.endorsements(of: statement.id)[0].state == .withdrawn)
        }
    }

    @Test func joinSentTwiceWithTheSameStampIsOneEndorsementOneMailAndTheSamePage() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: { $0.joining.minimumFillSeconds = 0; $0.mailEnabled = true }) { (b: Browser, store: SQLStore) async throws in
            _ = try await store.importStatement(ImportPlan(
                slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "test",
                signatories: [(name: "نقابة المعلمين", number: 1)], publish: true, at: Date()))
            let statement = try await store.statement(slug: "pub")
            try await b.request("/s/pub/join")
            let form = ["t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": "سلمى",
                        "email": "salma@example.org", "consent": "yes", "visibility": "public"]
            let before = try await outbox(store)
            async let x = b.request("/s/pub/join", method: .post, form: form)
            async let y = b.request("/s/pub/join", method: .post, form: form)
            let (first, second) = try await (x, y)
            let third = try await b.request("/s/pub/join", method: .post, form: form)
            #expect(first.status == .ok && second.status == .ok && third.status == .ok)
            #expect(first.body == second.body && second.body == third.body)
            #expect(try await store.endorsements(of: statement.id).filter { $0.signerKind == .individual }.count == 1)
            #expect(try await outbox(store) == before + 1)
            // The same form (stamp and address) with other details is refused and stores nothing.
            var other = form
            other["name"] = "سلمى المعدّلة"
            let refused = try await b.request("/s/pub/join?lang=en", method: .post, form: other)
            #expect(refused.status == .conflict && refused.body.contains("already sent with different details"))
            #expect(try await store.endorsements(of: statement.id).filter { $0.signerKind == .individual }.count == 1)
            // Confirmation pressed twice: the same page, one event.
            let token = try await confirmationToken(store, statementID: statement.id)
            let events = try await counts(store)["events"]!
            let c1 = try await b.request("/confirm/\(token)", method: .post, form: [:])
            let c2 = try await b.request("/confirm/\(token)", method: .post, form: [:])
            #expect(c1.status == .ok && c2.status == .ok && c1.body == c2.body)
            #expect(try await counts(store)["events"] == events + 1)
        }
    }

    func outbox(_ store: SQLStore) async throws -> Int {
        try await store.handle.read { db in try await db.raw("SELECT COUNT(*) AS n FROM outbox").first()!.decode(column: "n", as: Int.self) }
    }

    /// The confirmation link of the one mail in the outbox.
    func confirmationToken(_ store: SQLStore, statementID: String) async throws -> String {
        let body = try await store.handle.read { db in try await db.raw("SELECT body FROM outbox").first()!.decode(column: "body", as: String.self) }
        let r = try #require(body.range(of: "/confirm/"))
        return String(body[r.upperBound...].prefix { !$0.isWhitespace })
    }
}
