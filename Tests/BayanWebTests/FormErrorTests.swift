import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 16: a refused form comes back with its errors where a phone shows them (the top of
/// the page, before the statement's text) and every value kept, the consent box included,
/// so the second try does not fail again for a box the page had cleared.
@Suite struct FormErrors {
    @Test func aRefusedSignOnShowsItsErrorsFirstAndKeepsTheConsentTicked() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let version = try await store.currentVersion(of: statement.id).contentHash.hex
            var form = RetriedSubmissions.signOnForm(version)
            form["contact"] = "not an address"
            let refused = try await b.request(link, method: .post, form: form)
            #expect(refused.status == .unprocessableContent)
            let error = try #require(refused.body.range(of: "class=\"error\""))
            let article = try #require(refused.body.range(of: "<article"))
            #expect(error.lowerBound < article.lowerBound)
            #expect(refused.body.contains("name=\"consent\" value=\"yes\" checked=\"checked\""))
            #expect(refused.body.contains("value=\"not an address\"") && refused.body.contains("value=\"سامر\""))
            // Not ticked: it comes back unticked, with its own message.
            form["consent"] = ""
            let unticked = try await b.request(link, method: .post, form: form)
            #expect(!unticked.body.contains("checked=\"checked\" /> "))
            #expect(try await store.endorsements(of: statement.id).isEmpty)
        }
    }

    @Test func aRefusedJoinKeepsEveryValueAndTheConsentTicked() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            var form = try await JoinRoute.form(b, email: "not-an-address")
            form["visibility"] = "counted-only"
            let refused = try await b.request("/s/pub/join", method: .post, form: form)
            #expect(refused.status == .unprocessableContent && refused.body.contains("class=\"error\""))
            #expect(refused.body.contains("name=\"consent\" value=\"yes\" checked=\"checked\""))
            #expect(refused.body.contains("value=\"counted-only\" checked=\"checked\""))
            #expect(refused.body.contains("value=\"سلمى\"") && refused.body.contains("value=\"not-an-address\""))
            #expect(try await JoinRoute.individuals(store, id) == 0)
        }
    }

    /// Issue 16 acceptance 2: a sign-on and a join with a missing field show the summary
    /// at the top of the page, each message linked to its field (`#f-NAME`, the input's
    /// id), the message beside the field, and every value kept.
    @Test func missingFieldsAreSummarisedAtTheTopWithLinksToTheFields() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let (link, version) = try await Fixture.circulatingWithVersion(b, store)
            var form = RetriedSubmissions.signOnForm(version)
            form["signer"] = ""
            let signOn = try await b.request(link + "?lang=en", method: .post, form: form)
            #expect(signOn.status == .unprocessableContent)
            try Self.expectSummary(signOn.body, linking: "signer", before: "<article")
            #expect(signOn.body.contains("name=\"consent\" value=\"yes\" checked=\"checked\""))
            #expect(signOn.body.contains("value=\"نقابة المعلمين\"") && signOn.body.contains("value=\"s@example.org\""))

            _ = try await JoinRoute.published(store)
            var join = try await JoinRoute.form(b, email: "salma@example.org")
            join["name"] = ""
            join["consent"] = ""
            join["place"] = "حلب"
            let refused = try await b.request("/s/pub/join", method: .post, form: join)
            #expect(refused.status == .unprocessableContent)
            try Self.expectSummary(refused.body, linking: "name", before: "<form")
            try Self.expectSummary(refused.body, linking: "consent", before: "<form")
            #expect(refused.body.contains("value=\"حلب\"") && refused.body.contains("value=\"salma@example.org\""))
            #expect(!refused.body.contains("name=\"consent\" value=\"yes\" checked"))
        }
    }

    /// The summary comes before `marker`, links to `#f-field`, and the field with that id
    /// carries its own message and `aria-invalid`.
    static func expectSummary(_ html: String, linking field: String, before marker: String) throws {
        let summary = try #require(html.range(of: "<div class=\"error\" role=\"alert\" id=\"problems\">"))
        let after = try #require(html.range(of: marker))
        #expect(summary.lowerBound < after.lowerBound)
        let anchor = try #require(html.range(of: "<a href=\"#f-\(field)\">"))
        #expect(anchor.lowerBound > summary.lowerBound && anchor.lowerBound < after.lowerBound)
        #expect(html.contains("<input id=\"f-\(field)\" aria-invalid=\"true\""))
        let message = String(html[anchor.upperBound...].prefix { $0 != "<" })
        #expect(!message.isEmpty && html.components(separatedBy: message).count >= 3, "message beside the field: \(message)")
    }

    /// Issue 16: the field that takes only an address says so, and on the signer's page
    /// withdrawing is the secondary action, not the biggest button.
    @Test func theSignOnAsksForAnEmailAndWithdrawingIsSecondary() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let (link, version) = try await Fixture.circulatingWithVersion(b, store)
            let page = try await b.request(link + "?lang=en")
            #expect(page.body.contains("Email (private) <input id=\"f-contact\" type=\"email\" name=\"contact\""))
            let signed = try await b.request(link, method: .post, form: RetriedSubmissions.signOnForm(version))
            let privateLink = try #require(RetriedSubmissions.privateLink(signed.body))
            let signer = try await b.request(privateLink).body
            let withdraw = try #require(signer.range(of: "/withdraw\""))
            let button = try #require(signer.range(of: "<button type=\"submit\"", range: withdraw.upperBound..<signer.endIndex))
            #expect(signer[button.upperBound...].hasPrefix(" class=\"secondary\""))
        }
    }
}
