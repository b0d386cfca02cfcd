import BayanStore
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 16, item 9: interface strings carry the interface's language and direction, the
/// statement its own; fonts follow each element's language.
@Suite struct LanguageLayout {
    @Test func anArabicStatementReadInEnglishKeepsItsDirectionAndTheLabelsTheirs() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await JoinRoute.published(store)
            let page = try await b.request("/s/pub?lang=en")
            #expect(page.body.contains("<html lang=\"en\" dir=\"ltr\">"))
            // The wrapper is the interface's; the title, text and names are the statement's.
            #expect(page.body.contains("<article class=\"statement\">"))
            #expect(page.body.contains("<h1 lang=\"ar\" dir=\"rtl\">بيان</h1>"))
            #expect(page.body.contains("<div class=\"body\" lang=\"ar\" dir=\"rtl\">"))
            #expect(page.body.contains("<ol class=\"founding\" lang=\"ar\" dir=\"rtl\">"))
            // Nothing else on the page is right-to-left: the English labels are not inside it.
            #expect(page.body.matches(of: /dir="rtl"/).count == 3)
            // Published: written as the English reader writes a date, not as ISO 8601.
            #expect(page.body.contains(UILanguage.en.date(Date())))

            let css = try await b.request(Stylesheet.path)
            #expect(css.body.contains(":lang(ar), :lang(fa), :lang(ckb), :lang(ur) {"))
            #expect(!css.body.contains("html[lang=\"en\"] body"))
        }
    }
}

/// Issue 16, acceptance 3: names as people paste them from WhatsApp or Word.
@Suite struct PastedNames {
    @Test func marksAreRemovedZWNJIsKeptAndAnOverrideIsRefusedSayingWhichAndWhere() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            func join(_ name: String) async throws -> (status: HTTPResponse.Status, body: String, location: String?) {
                try await b.request("/s/pub/join?kind=organization&lang=en")
                let form = [
                    "t": b.field("t")!, "version": b.field("version")!, "kind": "organization", "name": name, "signer": "سامر",
                    "email": "o\(name.unicodeScalars.count)@example.org", "consent": "yes",
                ]
                return try await b.request("/s/pub/join?lang=en", method: .post, form: form)
            }
            // Direction marks a phone or a word processor adds: accepted, removed.
            #expect(try await join("\u{200F}نقابة المهندسين\u{200E}\u{061C}").status == .ok)
            // Kurdish spelling needs its ZWNJ: kept, and shown with it.
            let kurdish = "کۆمەڵەی ژنان\u{200C}ی کوردستان"
            #expect(try await join(kurdish).status == .ok)
            let names = try await store.endorsements(of: id).map(\.displayName)
            #expect(names.contains("نقابة المهندسين") && names.contains(kurdish))
            // An override, which reorders what a list displays: refused, saying which and where.
            let refused = try await join("نقابة\u{202E}المعلمين")
            #expect(refused.status == .unprocessableContent)
            #expect(
                refused.body.contains("href=\"#f-name\"") && refused.body.contains("U+202E") && refused.body.contains("at column 6"),
                "\(refused.body)")
            #expect(try await store.endorsements(of: id).count == 3)
        }
    }
}
