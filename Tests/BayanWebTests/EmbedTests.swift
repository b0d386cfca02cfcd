import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 17: a compact page partners' websites may frame, allowed by a per-statement list of
/// origins in `frame-ancestors`; every other page stays unframable.
@Suite struct Embeds {
    @Test func websiteAddressesAreOriginsOnly() {
        #expect(EmbedOrigin("https://Partner.Example.org/")?.value == "https://partner.example.org")
        #expect(EmbedOrigin("https://news.example:8443")?.value == "https://news.example:8443")
        #expect(EmbedOrigin("http://127.0.0.1:8000")?.value == "http://127.0.0.1:8000")
        for bad in [
            "http://partner.example.org", "javascript:alert(1)", "https://a.org; script-src *", "https://a.org/page", "https://", "*",
            "https://a.org:99999", "https://exa mple.org", "'self'",
        ] {
            #expect(EmbedOrigin(bad) == nil, "\(bad)")
        }
    }

    @Test func theEmbedIsFramableByTheListedWebsitesOnly() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            func headers(_ path: String) async throws -> HTTPFields {
                try await b.client.execute(uri: path, method: .get) { $0.headers }
            }
            let embed = try await b.request("/s/pub/embed?lang=en")
            #expect(embed.status == .ok)
            #expect(embed.body.contains("<h1 lang=\"ar\" dir=\"rtl\"><a href=\"/s/pub\" target=\"_blank\" rel=\"noopener\">بيان</a></h1>"))
            #expect(embed.body.contains("Organisations signed: <bdi>1</bdi>") && embed.body.contains("<li><bdi>نقابة المعلمين</bdi></li>"))
            #expect(embed.body.contains("href=\"/s/pub/join\" target=\"_blank\"") && !embed.body.contains("<script"))
            var h = try await headers("/s/pub/embed")
            #expect(h[.contentSecurityPolicy]?.contains("frame-ancestors 'self';") == true && h[HTTPField.Name("X-Frame-Options")!] == nil)
            #expect(h[.cacheControl]?.hasPrefix("public") == true)
            // Small enough for a partner's page: under 10 KB as sent compressed.
            let gzipped = try await b.client.execute(uri: "/s/pub/embed", method: .get, headers: [.acceptEncoding: "gzip"]) {
                $0.body.readableBytes
            }
            #expect(gzipped < 10_000, "\(gzipped) bytes")

            // The coordinator lists two websites; a bad line refuses the form and keeps it.
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c/s/pub/publish?lang=en")
            #expect(b.lastBody.contains("&lt;iframe src=&quot;") && b.lastBody.contains("/s/pub/embed"))
            let form = ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!]
            let bad = try await b.request(
                "/c/s/pub/embed?lang=en", method: .post,
                form: form.merging(["origins": "https://partner.example.org\nhttps://a.org; script-src *"]) { $1 })
            #expect(bad.status == .unprocessableContent && bad.body.contains("Not a website address") && bad.body.contains("script-src *</textarea>"))
            #expect(try await store.embedOrigins(of: id).isEmpty)
            let saved = try await b.request(
                "/c/s/pub/embed", method: .post,
                form: ["_csrf": form["_csrf"]!, "origins": "https://partner.example.org/\r\nhttps://news.example:8443"])
            #expect(saved.status == .seeOther)
            let before = h[.eTag]
            h = try await headers("/s/pub/embed")
            #expect(h[.contentSecurityPolicy]?.contains("frame-ancestors 'self' https://news.example:8443 https://partner.example.org;") == true)
            // Same page, new policy: a new tag, or a browser's 304 would keep the old policy.
            #expect(h[.eTag] != nil && h[.eTag] != before)
            #expect(try await store.events(of: id).last?.kind == "statement.embed")
            // Every other page still refuses to be framed.
            for path in ["/s/pub", "/s/pub/join", "/c/s/pub/publish"] {
                let other = try await headers(path)
                #expect(other[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true, "\(path)")
                #expect(other[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
            }
        }
    }
}
