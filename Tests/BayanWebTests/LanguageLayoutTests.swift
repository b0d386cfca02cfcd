import BayanStore
import Foundation
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
