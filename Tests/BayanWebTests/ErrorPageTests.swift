import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import BayanWeb

/// Issue 11: a failure that is not the visitor's is a localized page with a reference and
/// no internals; a template that is missing or broken stops the start.
@Suite struct ServerFailures {
    @Test func aDatabaseFailureIsAPageWithAReferenceAndNoInternals() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            await store.close()
            for lang in ["en", "tr", "ar"] {
                let page = try await b.request("/c?lang=\(lang)")
                #expect(page.status == .internalServerError)
                #expect(page.body.contains(UILanguage(rawValue: lang)!.text("error.body")))
                #expect(page.body.contains(UILanguage(rawValue: lang)!.text("error.reference")))
                for word in ["SQLite", "sqlite", "database", "StoreError", "Error("] { #expect(!page.body.contains(word)) }
            }
        }
    }

    /// Issue 12, finding 11: a failing request's log line names its path without the
    /// capability token of a private, invitation or confirmation link.
    @Test func loggedPathsCarryNoCapabilityTokens() {
        typealias M = ErrorPageMiddleware<BayanRequestContext>
        #expect(M.redacted("/e/0a1b2c3d4e5f.SECRETsecretSECRET") == "/e/[redacted]")
        #expect(M.redacted("/i/abc.SECRET/withdraw") == "/i/[redacted]/withdraw")
        #expect(M.redacted("/confirm/SECRET") == "/confirm/[redacted]")
        #expect(M.redacted("/s/joint/join") == "/s/joint/join")
    }

    @Test func aFormWithABrokenEncodingIsA400WithAMessage() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            let before = try await counts(store)
            for (lang, text) in [("en", "broken encoding"), ("tr", "bozuk bir kodlamayla"), ("ar", "بترميز تالف")] {
                try await b.client.execute(
                    uri: "/login?lang=\(lang)", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "email=admin%40example.org&password=%E0%A4%A")
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains(text))
                }
            }
            #expect(try await counts(store) == before)
        }
    }

    @Test func aMissingOrBrokenTemplateIsAnErrorNotAnEmptyPage() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BayanWeb/Templates")
        #expect(throws: Never.self) { try Templates.load(from: shipped) }
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let copy = URL(fileURLWithPath: dir.path).appendingPathComponent("Templates")
        try FileManager.default.copyItem(at: shipped, to: copy)
        try FileManager.default.removeItem(at: copy.appendingPathComponent("join.mustache"))
        #expect { try Templates.load(from: copy) } throws: { "\($0)".contains("join.mustache not found") }
        try Data("{{#open}} never closed".utf8).write(to: copy.appendingPathComponent("join.mustache"))
        #expect { try Templates.load(from: copy) } throws: { "\($0)".contains("join.mustache does not parse") }
    }
}

/// Issue 12: cookies and headers.
@Suite struct CookiesAndHeaders {
    @Test func secureCookiesCarryTheHostPrefixPrivatePagesAreNotKeptAndHTTPSGetsHSTS() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.secureCookies = true
            $0.publicURL = "https://bayan.example.org"
        }) { (b: Browser, store: SQLStore) async throws in
            try await b.client.execute(uri: "/login", method: .get) { response in
                let cookie = response.headers[.setCookie] ?? ""
                #expect(cookie.hasPrefix("__Host-bayan_login_csrf=") && cookie.contains("Secure") && cookie.contains("HttpOnly"))
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            #expect(b.cookies.keys.contains("__Host-bayan_session"))
            try await b.client.execute(
                uri: "/c", method: .get, headers: [.cookie: b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
            ) { response in
                #expect(response.status == .ok && response.headers[.cacheControl] == "no-store")
            }
            try await b.client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.cacheControl] != "no-store")
            }
            // The join form carries a one-use stamp: never kept by a cache (one rule, the middleware's).
            #expect(SecurityHeadersMiddleware<BayanRequestContext>.isPrivate("/s/joint/join"))
            #expect(SecurityHeadersMiddleware<BayanRequestContext>.isPrivate("/s/joint/join/resend"))
            #expect(!SecurityHeadersMiddleware<BayanRequestContext>.isPrivate("/s/joint"))
        }
    }

    @Test func plainHTTPDevelopmentHasNoHSTSAndPlainCookieNames() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            try await b.client.execute(uri: "/login", method: .get) { response in
                #expect(response.headers[.setCookie]?.hasPrefix("bayan_login_csrf=") == true)
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
            }
        }
    }
}

/// Issue 12: the public cache is bounded in bytes, oldest out first.
@Suite struct BoundedCache {
    @Test func aCrawlerAskingForEveryVariantCannotGrowTheCacheBeyondItsBound() async throws {
        let cache = PublicCache(maxBytes: 100_000)
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/s/a"), body: .init(buffer: ByteBuffer()))
        let page = String(repeating: "x", count: 900)  // under 1 KB: no gzip copy
        for i in 0..<1_000 {
            let response = try await cache.respond(to: request, key: "s|a|html||\(i)|", generation: 0, revision: nil) {
                PublicCache.Rendered(text: page + String(i), contentType: "text/html")
            }
            #expect(response?.status == .ok)
        }
        #expect(cache.bytes <= 100_000 && cache.count < 120)
        // The newest entries are the ones kept.
        var rendered = false
        _ = try await cache.respond(to: request, key: "s|a|html||999|", generation: 0, revision: nil) {
            rendered = true
            return PublicCache.Rendered(text: page, contentType: "text/html")
        }
        #expect(!rendered)
    }
}
