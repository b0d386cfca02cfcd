import BayanApp
import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 16: the coordinator's work as four step pages, publishing through a preview of
/// the list it will number, and invitations that survive bad connections.
@Suite struct CoordinatorSteps {
    static let steps = ["": "text", "/invitations": "invitations", "/signons": "signons", "/publish": "publish"]

    /// Signs `link` as `name` and returns the sign-on's status.
    static func sign(_ b: Browser, _ link: String, version: String, as name: String) async throws -> HTTPResponse.Status {
        try await b.request(link)
        return try await b.request(link, method: .post, form: RetriedSubmissions.signOnForm(version, name: name)).status
    }

    @Test func eachStepIsItsOwnPageAndPublishingNumbersTheListItPreviewed() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let (first, version) = try await Fixture.circulatingWithVersion(b, store)
            // A second organisation, invited now (the first invitations' links were shown once).
            try await b.request("/c/s/demo/invitations")
            let links = try await b.request(
                "/c/s/demo/invitations", method: .post, form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "مجلس حلب"])
            let other = String(
                links.body[try #require(links.body.range(of: "/i/"), "\(links.body)").lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            #expect(try await Self.sign(b, first, version: version, as: "نقابة المعلمين") == .ok)
            #expect(try await Self.sign(b, other, version: version, as: "مجلس حلب") == .ok)

            for (suffix, step) in Self.steps {
                let page = try await b.request("/c/s/demo\(suffix)?lang=en")
                #expect(page.status == .ok, "\(step)")
                #expect(page.body.matches(of: /aria-current="page"/).count == 1, "\(step)")
                #expect(page.body.contains("<a href=\"/c/s/demo\(suffix)\" aria-current=\"page\">"), "\(step)")
            }
            let signons = try await b.request("/c/s/demo/signons?lang=en")
            #expect(signons.body.contains("Sign-ons (<bdi>2</bdi>)"))
            #expect(signons.body.matches(of: /\/approve"/).count == 2 && !signons.body.contains("name=\"title\""))
            // Destructive actions sit behind a second step, in red.
            #expect(signons.body.contains("<details class=\"confirm\"><summary>Reject</summary>") && signons.body.contains("class=\"danger\""))
            let csrf = try #require(b.field("_csrf"))
            for id in signons.body.matches(of: /endorsements\/([^\/"]+)\/approve/).map({ String($0.output.1) }) {
                #expect(try await b.request("/c/s/demo/endorsements/\(id)/approve", method: .post, form: ["_csrf": csrf]).status == .seeOther)
            }
            // Renaming is behind an edit action, with a label.
            let listed = try await b.request("/c/s/demo/signons?lang=en")
            #expect(listed.body.contains("<details class=\"edit\"><summary>Edit</summary>") && listed.body.contains("Name as published"))

            // The preview in each order, numbered as publishing will number it.
            let arabic = try await b.request("/c/s/demo/publish?order=arabic&lang=en")
            #expect(arabic.body.contains("<li value=\"1\"><bdi>مجلس حلب</bdi></li><li value=\"2\"><bdi>نقابة المعلمين</bdi></li>"))
            #expect(arabic.body.contains("these numbers are permanent"))
            let signing = try await b.request("/c/s/demo/publish?order=signing&lang=en")
            #expect(signing.body.contains("<li value=\"1\"><bdi>نقابة المعلمين</bdi></li><li value=\"2\"><bdi>مجلس حلب</bdi></li>"))
            #expect(signing.body.contains("name=\"order\" value=\"signing\""))

            // A refused form comes back on its own step.
            let unconfirmed = try await b.request(
                "/c/s/demo/state?lang=en", method: .post, form: ["_csrf": csrf, "to": "published", "order": "signing"])
            #expect(unconfirmed.status == .unprocessableContent)
            #expect(unconfirmed.body.contains("<a href=\"/c/s/demo/publish\" aria-current=\"page\">"))

            let published = try await b.request(
                "/c/s/demo/state", method: .post, form: ["_csrf": csrf, "to": "published", "order": "signing", "confirm": "yes"])
            #expect(published.status == .seeOther && published.location == "/c/s/demo/publish")
            let statement = try await store.statement(slug: "demo")
            let numbered = try await store.endorsements(of: statement.id).sorted { ($0.number ?? 0) < ($1.number ?? 0) }
            #expect(numbered.map(\.displayName) == ["نقابة المعلمين", "مجلس حلب"] && numbered.map(\.number) == [1, 2])
            // Published: no preview any more, the text is frozen.
            #expect(!(try await b.request("/c/s/demo/publish?lang=en").body.contains("id=\"preview\"")))
            #expect(try await b.request("/c/s/demo?lang=en").body.contains("The text can no longer be changed"))
        }
    }

    @Test func invitationsAreNotRepeatedGetNewLinksShareLinksAndFollowTheirSignOn() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            // Invited: نقابة المعلمين and رابطة الكتاب.
            let (teachers, version) = try await Fixture.circulatingWithVersion(b, store)
            let statement = try await store.statement(slug: "demo")
            try await b.request("/c/s/demo/invitations")

            // A spelling variant of an invited name is not invited again, and the page says so.
            let batch = try await b.request(
                "/c/s/demo/invitations?lang=en", method: .post,
                form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "نقابه المعلمين\nمجلس حلب"])
            #expect(batch.status == .ok)
            #expect(batch.body.contains("Already invited, not invited again") && batch.body.contains("نقابه المعلمين"))
            #expect(batch.body.matches(of: /<code dir="ltr" class="link">/).count == 1)
            #expect(try await store.invitations(of: statement.id).count == 3)
            // The message keeps an Arabic name in order inside English (isolates), and can be
            // sent in two taps: WhatsApp, Telegram and mail links with the message filled in.
            #expect(batch.body.contains("we invite \u{2068}مجلس حلب\u{2069} to sign"))
            let council = String(batch.body[try #require(batch.body.range(of: "/i/")).lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            #expect(batch.body.contains("href=\"https://wa.me/?text=Dear%20colleagues"))
            #expect(batch.body.contains("href=\"https://t.me/share/url?url=http"))
            #expect(batch.body.contains("href=\"mailto:?subject=") && batch.body.contains("%E2%81%A8"))
            try await b.request("/c/s/demo/invitations")
            let again = try await b.request(
                "/c/s/demo/invitations?lang=en", method: .post, form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "رابطة الكتاب"])
            #expect(again.status == .conflict && again.body.contains("Already invited"))
            #expect(try await store.invitations(of: statement.id).count == 3)

            // The teachers' link is used by someone else: the card says who was invited.
            #expect(try await Self.sign(b, teachers, version: version, as: "جمعية أخرى") == .ok)
            let card = try await b.request("/c/s/demo/signons?lang=en")
            #expect(card.body.contains("Invited as <bdi>نقابة المعلمين</bdi> — signed under another name"))
            let id = try #require(try await store.endorsements(of: statement.id).first?.id)
            #expect(
                try await b.request("/c/s/demo/endorsements/\(id)/reject", method: .post, form: ["_csrf": b.field("_csrf")!, "reason": "x"]).status
                    == .seeOther)
            let table = try await b.request("/c/s/demo/invitations?lang=en")
            #expect(table.body.contains("signed as: <bdi>جمعية أخرى</bdi>") && table.body.contains("<td>sign-on rejected</td>"))

            // A new link for the rejected one: the old link stops working, the new one signs.
            let invitation = try #require(try await store.invitations(of: statement.id).first { $0.endorsementID == id })
            let form = ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!]
            let renewed = try await b.request("/c/s/demo/invitations/\(invitation.id)/renew?lang=en", method: .post, form: form)
            let retried = try await b.request("/c/s/demo/invitations/\(invitation.id)/renew?lang=en", method: .post, form: form)
            #expect(renewed.status == .ok && renewed.body.contains("New link (the previous one is revoked)"), "\(renewed.status)")
            let link = String(
                renewed.body[try #require(renewed.body.range(of: "/i/"), "\(renewed.body)").lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            #expect(retried.body.contains(link), "a form sent twice shows the same new link")
            #expect(try await store.invitations(of: statement.id).count == 4)
            #expect(try await store.invitations(of: statement.id).first { $0.id == invitation.id }?.revoked == true)
            // The old link shows only what was signed with it, never the form again.
            #expect(!(try await b.request(teachers).body.contains("name=\"consent\"")))
            #expect(try await Self.sign(b, link, version: version, as: "نقابة المعلمين") == .ok)
            let signedNow = try #require(
                try await store.invitations(of: statement.id).first { $0.organizationName == "نقابة المعلمين" && !$0.revoked })
            // A link never opened, replaced: the old one is gone, the new one opens the form.
            let councilInvitation = try #require(try await store.invitations(of: statement.id).first { $0.organizationName == "مجلس حلب" })
            try await b.request("/c/s/demo/invitations")
            let council2 = try await b.request(
                "/c/s/demo/invitations/\(councilInvitation.id)/renew", method: .post, form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!])
            let councilLink = String(council2.body[try #require(council2.body.range(of: "/i/")).lowerBound...].prefix { $0 != "<" && $0 != "\"" })
            #expect(try await b.request(council).status == .gone)
            #expect(try await b.request(councilLink).body.contains("name=\"consent\""))
            // A link that led to a standing sign-on is not replaced.
            try await b.request("/c/s/demo/invitations")
            let refused = try await b.request(
                "/c/s/demo/invitations/\(signedNow.id)/renew?lang=en", method: .post, form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!])
            #expect(refused.status == .conflict && refused.body.contains("cannot be given a new link"))
        }
    }

    @Test func anArabicTitleGivesAReadableAddressAndATakenOneComesBackToEdit() async throws {
        try await Fixture.make().run { (b: Browser, _: SQLStore) async throws in
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c")
            let form = ["_csrf": b.field("_csrf")!, "title": "بيان مشترك حول حرية الصحافة", "slug": "", "body": "نص"]
            let created = try await b.request("/c/statements", method: .post, form: form)
            #expect(created.status == .seeOther && created.location == "/c/s/byan-mshtrk-hwl-hrya-alshafa")
            let again = try await b.request("/c/statements?lang=en", method: .post, form: form)
            #expect(again.status == .conflict)
            #expect(again.body.contains("<a href=\"#f-slug\">") && again.body.contains("value=\"byan-mshtrk-hwl-hrya-alshafa\""))
            let missing = try await b.request("/c/statements?lang=en", method: .post, form: ["_csrf": form["_csrf"]!, "title": " "])
            #expect(missing.status == .unprocessableContent && missing.body.contains("<a href=\"#f-title\">"))
            #expect(missing.body.contains("id=\"f-title\" aria-invalid=\"true\""))
        }
    }

    @Test func datesAreWrittenAsTheirReadersWriteThem() {
        let day = Date(timeIntervalSince1970: 1_796_227_800)  // 2026-12-02 16:10 UTC
        #expect(UILanguage.ar.date(day) == "2 كانون الأول 2026")
        #expect(UILanguage.en.date(day) == "2 December 2026")
        #expect(UILanguage.tr.date(day) == "2 Aralık 2026")
        #expect(UILanguage.ar.dateTime(day) == "2 كانون الأول 2026، الساعة 16:10 (UTC)")
        let january = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00 UTC
        #expect(UILanguage.ar.date(january) == "1 كانون الثاني 2026")
    }
}
