import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import SQLKit
import Testing

@testable import BayanWeb

/// Issue 16: signers keep their private link. With a relay, organisations get it by mail
/// (written with the sign-on, once); without one, the page that shows it says plainly to
/// keep it, and individuals, who used to get no link at all, see theirs.
@Suite struct Receipts {
    static func outbox(_ store: SQLStore) async throws -> [(subject: String, body: String)] {
        try await store.handle.read { db in
            try await db.raw("SELECT subject, body FROM outbox ORDER BY created_at").all().map {
                (try $0.decode(column: "subject", as: String.self), try $0.decode(column: "body", as: String.self))
            }
        }
    }

    @Test func withoutMailEachJoinerSeesTheirOwnPrivateLinkAndIsToldToKeepIt() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            _ = try await JoinRoute.published(store)
            var links: [String] = []
            for (i, email) in ["salma@example.org", "rami@example.org"].enumerated() {
                var form = try await JoinRoute.form(b, email: email)
                form["name"] = ["سلمى", "رامي"][i]
                let page = try await b.request("/s/pub/join?lang=en", method: .post, form: form)
                #expect(page.status == .ok)
                #expect(page.body.contains("No email was sent: this link will not be shown again"))
                links.append(try #require(RetriedSubmissions.privateLink(page.body)))
            }
            // The answer page is rendered once; the links in it are each joiner's own.
            #expect(links[0] != links[1])
            for (link, name) in zip(links, ["سلمى", "رامي"]) {
                let signer = try await b.request(link)
                #expect(signer.status == .ok && signer.body.contains("<bdi>\(name)</bdi>"))
            }
            #expect(try await Self.outbox(store).isEmpty)
        }
    }

    @Test func withMailASigningOrganisationIsMailedItsPrivateLinkOnce() async throws {
        try await Fixture.make().run(configure: { $0.mailEnabled = true }) { (b: Browser, store: SQLStore) async throws in
            let (link, version) = try await Fixture.circulatingWithVersion(b, store)
            let form = RetriedSubmissions.signOnForm(version, name: "Teachers' Union")
            let signed = try await b.request(link + "?lang=en", method: .post, form: form)
            let privateLink = try #require(RetriedSubmissions.privateLink(signed.body))
            #expect(signed.body.contains("We also sent this link to your email address."))
            // Sent again (its answer lost): the same page, no second mail.
            _ = try await b.request(link + "?lang=en", method: .post, form: form)
            let mails = try await Self.outbox(store)
            try #require(mails.count == 1)
            #expect(mails[0].body.contains(privateLink) && mails[0].body.hasPrefix("Hello,"))
            // Names and titles isolated, so mixed directions keep their order in a mail reader.
            #expect(mails[0].body.contains("“\u{2068}Teachers' Union\u{2069}”") && mails[0].subject.contains("\u{2068}بيان تجريبي\u{2069}"))
        }
    }

    @Test func withMailAnOrganisationJoiningFromThePublicPageIsMailedItsPrivateLink() async throws {
        try await Fixture.make().run(configure: {
            $0.mailEnabled = true
            $0.joining.minimumFillSeconds = 0
        }) { (b: Browser, store: SQLStore) async throws in
            _ = try await JoinRoute.published(store)
            var form = try await JoinRoute.form(b, email: "khaled@example.org")
            form.merge(["kind": "organization", "name": "مجلس حمص المدني", "signer": "خالد"]) { $1 }
            let page = try await b.request("/s/pub/join", method: .post, form: form)
            let privateLink = try #require(RetriedSubmissions.privateLink(page.body))
            let mails = try await Self.outbox(store)
            try #require(mails.count == 1)
            #expect(mails[0].body.contains(privateLink) && mails[0].body.contains("مجلس حمص المدني"))
        }
    }
}
