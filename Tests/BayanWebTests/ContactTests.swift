import BayanCore
import BayanStore
import Foundation
import Testing

@testable import BayanWeb

/// Issue 16: an organisation may give a WhatsApp number as well as or instead of an email;
/// the labels say what is accepted.
@Suite struct OrganisationContacts {
    @Test func anInvitedOrganisationMayGiveAPhoneInsteadOfAnEmail() async throws {
        try await Fixture.make().run(configure: { $0.mailEnabled = true }) { (b: Browser, store: SQLStore) async throws in
            let (link, version) = try await Fixture.circulatingWithVersion(b, store)
            let page = try await b.request(link + "?lang=en")
            #expect(
                page.body.contains("How to reach you: an email, a WhatsApp number, or both.") && page.body.contains("type=\"tel\" name=\"phone\""))
            var form = RetriedSubmissions.signOnForm(version)
            form["contact"] = ""
            // Neither: one problem, linked to the email field.
            let neither = try await b.request(link + "?lang=en", method: .post, form: form)
            #expect(neither.status == .unprocessableContent && neither.body.contains("href=\"#f-contact\">Give an email or a WhatsApp number"))
            // A local number: refused with the reason, linked to the phone field, kept.
            form["phone"] = "0912 345 678"
            let local = try await b.request(link + "?lang=en", method: .post, form: form)
            #expect(
                local.status == .unprocessableContent && local.body.contains("href=\"#f-phone\">Not a valid number; write it with its country code"))
            #expect(local.body.contains("value=\"0912 345 678\""))
            // With the country code, in Arabic-Indic digits: signed, stored in international form.
            form["phone"] = "+٩٦٣ ٩١٢ ٣٤٥ ٦٧٨"
            let signed = try await b.request(link + "?lang=en", method: .post, form: form)
            #expect(signed.status == .ok && !signed.body.contains("We also sent this link to your email address."))
            let statement = try await store.statement(slug: "demo")
            #expect(try await store.endorsements(of: statement.id).map(\.contact) == ["+963912345678"])
            // No email: no receipt in the outbox.
            #expect(try await Receipts.outbox(store).isEmpty)
            // The coordinator sees the number on the card, never the public.
            #expect(try await b.request("/c/s/demo/signons").body.contains("+963912345678"))
        }
    }

    @Test func anOrganisationJoiningAfterPublicationMayAddItsWhatsAppNumber() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            try await b.request("/s/pub/join?kind=organization&lang=en")
            #expect(b.lastBody.contains("WhatsApp number with country code (optional, private)"))
            let form = [
                "t": b.field("t")!, "version": b.field("version")!, "kind": "organization", "name": "رابطة الكتاب", "signer": "سامر",
                "email": "league@example.org", "phone": "00963 912 345 678", "consent": "yes",
            ]
            #expect(try await b.request("/s/pub/join", method: .post, form: form).status == .ok)
            let joined = try await store.endorsements(of: id).first { $0.displayName == "رابطة الكتاب" }
            #expect(joined?.contact == "league@example.org · +963912345678")
            #expect(!(try await b.request("/s/pub").body.contains("963912345678")))
        }
    }
}
