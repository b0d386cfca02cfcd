import BayanCore
import BayanDocument
import BayanStore
import BayanTestSupport
import BayanWeb
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Builds the real app on a fresh SQLite store holding the 65-organisation sample.
func withApp(publish: Bool = true, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let dir = TemporaryDirectory()
    let store = try await SQLStore.openSQLite(directory: dir.path)
    _ = try await store.importStatement(
        ImportPlan(
            slug: try Slug("joint"), title: Samples.title, body: Samples.body + "\n\n<script>alert('x')</script>", author: "test",
            signatories: Samples.organizations.enumerated().map { (name: $0.element, number: $0.offset + 1) },
            publish: publish, at: Date()))
    let app = try buildApplication(AppConfiguration(port: 0), store: store, logger: Logger(label: "test"))
    do {
        try await app.test(.router, body)
    } catch {
        await store.close()
        dir.remove()
        throw error
    }
    await store.close()
    dir.remove()
}

/// Parses a page as XML: the page must be well-formed (every tag closed, entities valid).
func isWellFormed(_ html: String) -> (Bool, String) {
    let parser = XMLParser(data: Data(html.utf8))
    let ok = parser.parse()
    return (ok, parser.parserError.map { "\($0) line \(parser.lineNumber)" } ?? "")
}

@Suite struct PublicPage {
    @Test func statementPageShowsEveryNameWithItsNumberRightToLeft() async throws {
        try await withApp { client in
            try await client.execute(uri: "/s/joint", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="ar" dir="rtl">"#))
                #expect(html.contains("<h1 lang=\"ar\" dir=\"rtl\">\(Samples.title)</h1>"))
                for (i, name) in Samples.organizations.enumerated() {
                    let escaped = name.replacingOccurrences(of: "&", with: "&amp;")
                    #expect(html.contains(#"<li value="\#(i + 1)"><bdi>\#(escaped)</bdi></li>"#), "missing \(i + 1) \(name)")
                }
                #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
                #expect(!html.contains("<script"))
                // Issue 16: the way to join right after the text, not only after all the names.
                let join = html.range(of: "<p class=\"join\"><a href=\"/s/joint/join\">")
                let list = html.range(of: "<ol class=\"founding\"")
                #expect(join != nil && list != nil && join!.lowerBound < list!.lowerBound)
                #expect(html.contains("<strong>العمل المدني المستقل</strong>"))
                let (ok, error) = isWellFormed(html)
                #expect(ok, "\(error)")
            }
        }
    }

    /// Issue 16, acceptance 7: the seed-sized statement (65 organisations) with its
    /// stylesheet, both as sent to a browser that accepts gzip, stays within 20 KB.
    @Test func theSeedSizedPageAndItsStylesheetStayWithin20KBCompressed() async throws {
        try await withApp { client in
            var total = 0
            var stylesheet = ""
            try await client.execute(uri: "/s/joint", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                total += response.body.readableBytes
                var body = response.body
                let html = String(buffer: try body.decompress(with: .gzip()))
                stylesheet = String(try #require(html.firstMatch(of: /href="(\/static\/bayan\.[^"]+\.css)"/)).output.1)
            }
            try await client.execute(uri: stylesheet, method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                total += response.body.readableBytes
            }
            #expect(total > 1000 && total <= 20 * 1024, "\(total) bytes")
        }
    }

    @Test func pagesLoadNothingFromElsewhereAndSendStrictHeaders() async throws {
        try await withApp { client in
            try await client.execute(uri: "/s/joint", method: .get) { response in
                let html = String(buffer: response.body)
                // No address elsewhere in an attribute that loads or links (the printed
                // address line is text, and names this instance).
                for attribute in ["src=", "href=", "action=", "srcset=", "url("] {
                    #expect(!html.contains("\(attribute)\"http") && !html.contains("\(attribute)http") && !html.contains("\(attribute)'http"))
                }
                let printed = try #require(html.firstMatch(of: /<p class="print-only">[^<]*<span dir="ltr">([^<]*)<\/span><\/p>/))
                #expect(printed.output.1 == "http://localhost:0/s/joint" || printed.output.1.hasSuffix("/s/joint"))
                #expect(html.components(separatedBy: "http").count == 2, "one address on the page, the printed one")
                #expect(!html.contains("<script"))
                // Issue 16: feed readers find the feed; a keyboard skips the header.
                #expect(html.contains(#"<link rel="alternate" type="application/atom+xml" href="/feed.atom""#))
                #expect(html.contains(##"<a class="skip" href="#main">"##) && html.contains(#"<main id="main">"#))
                let csp = response.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            }
            try await client.execute(uri: "/static/bayan.css", method: .get) { response in
                #expect(response.status == .ok)
                let css = String(buffer: response.body)
                #expect(css.contains("Noto Naskh Arabic") && !css.contains("url("))
                // Issue 16: compressed for those who accept it, the same bytes once unpacked.
                try await client.execute(uri: "/static/bayan.css", method: .get, headers: [.acceptEncoding: "gzip, br"]) { gz in
                    #expect(gz.headers[.contentEncoding] == "gzip" && gz.headers[.vary] == "Accept-Encoding")
                    var body = gz.body
                    #expect(body.readableBytes < css.utf8.count / 2)
                    let unpacked = String(buffer: try body.decompress(with: .gzip()))
                    #expect(unpacked == css)
                }
            }
            // Issue 16: the icon every browser asks for is answered (it was a 404 each visit).
            for path in ["/favicon.ico", "/favicon.svg"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok && response.headers[.contentType] == "image/svg+xml")
                    #expect(String(buffer: response.body).hasPrefix("<svg"))
                }
            }
        }
    }

    @Test func homeListsPublishedStatements() async throws {
        try await withApp { client in
            try await client.execute(uri: "/", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<a href="/s/joint">"#))
                #expect(html.contains("<bdi>65</bdi>"))
                #expect(isWellFormed(html).0)
            }
            try await client.execute(uri: "/?lang=en", method: .get) { response in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="en" dir="ltr">"#))
                #expect(html.contains("Published statements"))
            }
        }
    }

    @Test func draftsAndUnknownAddressesGiveARealNotFoundPage() async throws {
        try await withApp(publish: false) { client in
            for uri in ["/s/joint", "/s/joint.json", "/s/nothing-here", "/no/such/page", "/s/joint.exe"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    let html = String(buffer: response.body)
                    #expect(html.contains("الصفحة غير موجودة"), "\(uri)")
                    #expect(isWellFormed(html).0)
                }
            }
            try await client.execute(uri: "/nothing", method: .get, headers: [.acceptLanguage: "en-GB,en;q=0.9"]) { response in
                #expect(String(buffer: response.body).contains("Page not found"))
            }
        }
    }

    @Test func exportsServeTheSameDataAsTheCLI() async throws {
        try await withApp { client in
            try await client.execute(uri: "/s/joint.md", method: .get) { response in
                #expect(response.headers[.contentType] == "text/markdown; charset=utf-8")
                let md = String(buffer: response.body)
                #expect(md.hasPrefix("# \(Samples.title)\n"))
                #expect(md.hasSuffix("- 65 - \(Samples.organizations[64])\n"))
            }
            try await client.execute(uri: "/s/joint.json", method: .get) { response in
                let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                #expect((object["signatories"] as! [Any]).count == 65)
            }
            try await client.execute(uri: "/s/joint.csv", method: .get) { response in
                let csv = String(buffer: response.body)
                #expect(csv.hasPrefix("\u{FEFF}number,name"))
                #expect(csv.components(separatedBy: "\r\n").count == 67)
            }
        }
    }

    /// Issue 16: an organisation approved after publication is number 66 after 65
    /// founders, on the page and in the CSV; organisations and individuals each have their
    /// own heading and count.
    @Test func aLaterOrganisationIsNumbered66OnThePageAndInTheCSV() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let record = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("joint"), title: Samples.title, body: Samples.body, author: "test",
                    signatories: Samples.organizations.enumerated().map { (name: $0.element, number: $0.offset + 1) },
                    publish: true, at: Date()))
            let hash = try await store.currentVersion(of: record.id).contentHash
            for (kind, name) in [(SignerKind.organization, "Later Union"), (.individual, "سلمى الأحمد")] {
                let e = try await store.addEndorsement(
                    statementID: record.id, NewEndorsement(signerKind: kind, displayName: name, versionHash: hash))
                _ = try await store.setEndorsementState(statementID: record.id, endorsementID: e.id, to: .approved, reason: nil)
            }
            let page = try await b.request("/s/joint?lang=en").body
            #expect(page.contains(#"<li value="66"><bdi>Later Union</bdi></li>"#))
            #expect(page.components(separatedBy: #"<li value="1">"#).count == 2, "two number 1s")
            #expect(page.contains("Signatory organisations (<bdi>65</bdi>)"))
            #expect(page.contains("Organisations that joined after publication (<bdi>1</bdi>)"))
            #expect(page.contains("Individual endorsers (<bdi>1</bdi>)"))
            let csv = try await b.request("/s/joint.csv").body.components(separatedBy: "\r\n")
            #expect(csv.contains { $0.hasPrefix(#""66","Later Union","","organization","later""#) })
            #expect(csv.filter { $0.hasPrefix(#""1","#) }.count == 1)
        }
    }
}

@Suite struct Markdown {
    @Test func rawHTMLIsEscapedAndOnlyWebLinksBecomeLinks() {
        let html = SafeMarkdown.html("<img src=x onerror=alert(1)> **قوي** [رابط](javascript:alert(1)) [موقع](https://example.org/a?b=\"c\")")
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("<strong>قوي</strong>"))
        #expect(!html.contains("href=\"javascript"))
        #expect(html.contains(#"<a href="https://example.org/a?b=&quot;c&quot;" rel="nofollow noopener noreferrer">موقع</a>"#))
    }

    /// Found by fuzzing (issue 12): emphasis markers inside an address made `<em>` tags
    /// inside the `href`, breaking the link; emphasis now stays outside addresses.
    @Test func emphasisNeverReachesInsideAnAddress() {
        let html = SafeMarkdown.html("انظر [*التقرير*](https://example.org/a*b*c) و*هنا*")
        #expect(
            html == #"<p>انظر <a href="https://example.org/a*b*c" rel="nofollow noopener noreferrer"><em>التقرير</em></a> و<em>هنا</em></p>"# + "\n")
    }

    @Test func blocksBecomeParagraphsListsHeadingsAndQuotes() {
        let html = SafeMarkdown.html("# عنوان\n\nسطر\nسطر ثان\n\n- أ\n- ب\n\n1. واحد\n2. اثنان\n\n> اقتباس")
        #expect(
            html
                == "<h2>عنوان</h2>\n<p>سطر<br />\nسطر ثان</p>\n<ul><li>أ</li><li>ب</li></ul>\n"
                + "<ol><li>واحد</li><li>اثنان</li></ol>\n<blockquote><p>اقتباس</p></blockquote>\n"
        )
    }
}

@Suite struct Languages {
    @Test func acceptLanguageAndQueryChooseTheInterfaceLanguage() {
        #expect(UILanguage.negotiate(query: nil, acceptLanguage: nil) == .ar)
        #expect(UILanguage.negotiate(query: nil, acceptLanguage: "en-US,en;q=0.8") == .en)
        #expect(UILanguage.negotiate(query: nil, acceptLanguage: "fr;q=0.9,en;q=0.5,ar;q=0.7") == .ar)
        #expect(UILanguage.negotiate(query: "en", acceptLanguage: "ar") == .en)
        #expect(UILanguage.negotiate(query: "xx", acceptLanguage: "de") == .ar)
    }

    /// Issue 16: a language chosen with ?lang= is remembered for the next pages (a cookie,
    /// set only when the choice changes); the statement's cached public page still follows
    /// its address alone.
    @Test func theChosenLanguageIsRememberedOnTheNextClick() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await JoinRoute.published(store)
            try await b.client.execute(uri: "/s/pub/join?lang=en", method: .get) { response in
                #expect(response.headers[values: .setCookie].contains { $0.hasPrefix("bayan_lang=en;") })
            }
            try await b.request("/s/pub/join?lang=en")
            #expect(b.cookies["bayan_lang"] == "en")
            #expect(try await b.request("/s/pub/join").body.contains(#"<html lang="en" dir="ltr">"#))
            #expect(try await b.request("/login").body.contains(#"<html lang="en" dir="ltr">"#))
            #expect(try await b.request("/s/pub").body.contains(#"<html lang="ar" dir="rtl">"#))
            // Chosen already: no cookie again; another choice replaces it.
            try await b.client.execute(uri: "/login?lang=en", method: .get, headers: [.cookie: "bayan_lang=en"]) { response in
                #expect(response.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("bayan_lang") })
            }
            try await b.request("/login?lang=tr")
            let turkish = try await b.request("/login").body
            #expect(b.cookies["bayan_lang"] == "tr" && turkish.contains(#"<html lang="tr""#))
        }
    }

    @Test func turkishIsChosenByItsTagAndStatementsInItsLanguage() {
        #expect(UILanguage.negotiate(query: nil, acceptLanguage: "tr-TR,tr;q=0.9,en;q=0.5") == .tr)
        #expect(UILanguage(statementLanguage: "tr") == .tr && UILanguage(statementLanguage: "en-GB") == .en)
        #expect(UILanguage(statementLanguage: "ku") == .ar)
        #expect(UILanguage.tr.direction == "ltr" && UILanguage.ar.direction == "rtl")
    }
}

/// Issue 11: translations live in one JSON file a language, outside the code, and every
/// language is complete.
@Suite struct TranslationFiles {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/BayanWeb/Translations")

    @Test func everyLanguageDefinesTheSameKeys() throws {
        let tables = try Translations.load(from: Self.shipped)
        #expect(Set(tables.keys) == Set(UILanguage.allCases))
        #expect(tables.values.allSatisfy { $0.count == tables[.ar]!.count })
        #expect(tables[.tr]?["join.submit"] == "Katıl")
    }

    @Test func aKeyRemovedFromOneLanguageIsAnError() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let copy = URL(fileURLWithPath: dir.path).appendingPathComponent("Translations")
        try FileManager.default.copyItem(at: Self.shipped, to: copy)
        let file = copy.appendingPathComponent("tr.json")
        var turkish = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
        turkish.removeValue(forKey: "join.submit")
        try JSONEncoder().encode(turkish).write(to: file)
        #expect(throws: TranslationError.missingKeys(.tr, ["join.submit"])) { try Translations.load(from: copy) }
        try Data("{ not json".utf8).write(to: file)
        #expect(throws: TranslationError.self) { try Translations.load(from: copy) }
    }

    /// Every `{{t.key}}` of the templates and every `text("key")` of the code has a translation.
    @Test func everyKeyTheTemplatesAndTheCodeUseIsTranslated() throws {
        let keys = try Translations.load(from: Self.shipped)[.ar]!.keys
        let root = Self.shipped.deletingLastPathComponent()
        var used: Set<String> = []
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        for url in files where url.pathExtension == "mustache" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in text.matches(of: #/\{\{[#^/]?t\.(\w+)\}\}/#) { used.insert(String(m.output.1)) }
        }
        for url in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in text.matches(of: #/text\("([a-zA-Z]+(?:\.[a-zA-Z]+)+)"/#) { used.insert(String(m.output.1)) }
        }
        let underscored = Set(keys.map { $0.replacingOccurrences(of: ".", with: "_") })
        let missing = used.filter { !keys.contains($0) && !underscored.contains($0) }
        #expect(used.count > 100)
        #expect(missing.isEmpty, "untranslated: \(missing.sorted())")
    }
}
