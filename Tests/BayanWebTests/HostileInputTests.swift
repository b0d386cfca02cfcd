import BayanApp
import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import BayanWeb

/// Issue 12: a corpus of hostile inputs fed to every form field. Each is refused with a
/// 4xx and a message in the visitor's language, and nothing is stored.
@Suite struct HostileInputs {
    /// What no name may be: each one refused.
    static let names: [(String, String)] = [
        ("bidi override", "نقابة\u{202E}المعلمين"),
        ("NUL", "نقابة\u{0000}المعلمين"),
        ("over-long", String(repeating: "ن", count: 5_000)),
        ("mark flood", "ا" + String(repeating: "\u{0651}", count: 60)),
        ("invisible only", "\u{200B}\u{2060}\u{200C}"),
        ("markup", "<script>alert(1)</script>"),
    ]
    /// What no free text (a statement's body, a reason) may hold.
    static let texts: [(String, String)] = [
        ("NUL", "نص\u{0000}البيان"),
        ("bell", "نص\u{0007}"),
        ("over-long", String(repeating: "نص ", count: 210_000 / 3)),
    ]
    /// What no email may be: header injection above all.
    static let emails: [(String, String)] = [
        ("CR/LF header", "a@example.org\r\nBcc: victim@example.org"),
        ("markup", "<a@example.org>"),
        ("NUL", "a\u{0000}@example.org"),
        ("no domain", "a@"),
    ]

    struct Target {
        let path: String
        let form: [String: String]
        let names: [String]
        /// Optional name fields: only invisible characters there is an empty field, not a refusal.
        var optional: Set<String> = []
        var texts: [String] = []
        var emails: [String] = []
    }

    static func refuses(
        _ b: Browser, _ store: SQLStore, _ target: Target, field: String, value: String, label: String
    ) async throws {
        var form = target.form
        form[field] = value
        let before = try await counts(store)
        let r = try await b.request(target.path, method: .post, form: form)
        #expect((400..<500).contains(r.status.code), "\(target.path) \(field) \(label): \(r.status)")
        #expect(
            r.body.contains("class=\"error\"") || r.body.contains("<h1>Error") || r.body.contains("too large"),
            "\(target.path) \(field) \(label): no message")
        #expect(r.body.contains("lang=\"en\"") || r.status == .contentTooLarge, "\(target.path) \(field) \(label): not in English")
        var after = try await counts(store)
        after["sessions"] = before["sessions"]
        #expect(after == before, "\(target.path) \(field) \(label) stored something")
    }

    @Test func everyFormRefusesTheCorpusAndStoresNothing() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            _ = try await JoinRoute.published(store)
            b.cookies = [:]
            try await b.request(link)
            let version = try #require(b.field("version"))
            let signOn = Target(
                path: link + "?lang=en",
                form: [
                    "name": "نقابة المعلمين", "place": "حلب", "signer": "سامر", "role": "أمين السر", "contact": "s@example.org",
                    "consent": "yes", "version": version,
                ],
                names: ["name", "place", "signer", "role"], optional: ["place", "role"], emails: ["contact"])
            var joinForm = try await JoinRoute.form(b)
            joinForm["kind"] = "organization"
            joinForm["signer"] = "خالد"
            let join = Target(
                path: "/s/pub/join?lang=en", form: joinForm, names: ["name", "place", "signer", "role"], optional: ["place", "role"],
                emails: ["email"])
            for target in [signOn, join] {
                for field in target.names {
                    for (label, value) in Self.names where !(target.optional.contains(field) && label == "invisible only") {
                        try await Self.refuses(b, store, target, field: field, value: value, label: label)
                    }
                }
                for field in target.emails {
                    for (label, value) in Self.emails { try await Self.refuses(b, store, target, field: field, value: value, label: label) }
                }
            }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c")
            let csrf = try #require(b.field("_csrf"))
            let coordinator = [
                Target(
                    path: "/c/statements?lang=en", form: ["_csrf": csrf, "title": "بيان", "slug": "new-one", "body": "نص"],
                    names: ["title"], texts: ["body"]),
                Target(
                    path: "/c/s/demo/text?lang=en", form: ["_csrf": csrf, "title": "بيان تجريبي", "body": "نص"], names: ["title"], texts: ["body"]),
                Target(path: "/c/s/demo/invitations?lang=en", form: ["_csrf": csrf, "names": "اتحاد الطلبة", "days": "7"], names: ["names"]),
                Target(
                    path: "/c/directory?lang=en", form: ["_csrf": csrf, "name": "جمعية", "latin": "Association", "place": "حلب"],
                    names: ["name", "latin", "place"], optional: ["latin", "place"]),
            ]
            for target in coordinator {
                for field in target.names {
                    for (label, value) in Self.names where !(target.optional.contains(field) && label == "invisible only") {
                        try await Self.refuses(b, store, target, field: field, value: value, label: label)
                    }
                }
                for field in target.texts {
                    for (label, value) in Self.texts { try await Self.refuses(b, store, target, field: field, value: value, label: label) }
                }
            }
            // Bytes that are not UTF-8 at all: a 400 with a message, nothing stored.
            let before = try await counts(store)
            try await b.client.execute(
                uri: "/s/pub/join?lang=en", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "name=%FF%FE%00&email=a%40example.org")
            ) { response in #expect(response.status == .badRequest && String(buffer: response.body).contains("broken encoding")) }
            #expect(try await counts(store) == before)
            // A field sent twice or shaped as a nested key is not silently read as one
            // of its values: the form is refused whole (Hummingbird's form decoder).
            for body in ["name=a&name=b&email=a%40example.org", "name[x]=a&email=a%40example.org", "name=a&email=%E2%82"] {
                try await b.client.execute(
                    uri: "/s/pub/join?lang=en", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: body)
                ) { response in #expect(response.status == .badRequest && String(buffer: response.body).contains("broken encoding"), "\(body)") }
            }
            #expect(try await counts(store) == before)
            // Path tricks in slugs.
            for slug in ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "a%00b", "demo%0d%0aSet-Cookie:x=1"] {
                #expect((400..<500).contains(try await b.request("/s/\(slug)").status.code), "\(slug)")
            }
        }
    }
}

/// The body check before Hummingbird's form decoder (which repairs bad UTF-8 silently):
/// the same answers as Foundation's `removingPercentEncoding`, which it replaced.
@Suite struct FormBodyEncoding {
    @Test(arguments: [
        ("name=%D9%86%D9%82%D8%A7%D8%A8%D8%A9&email=a%40example.org", true),
        ("name=plain+ascii&x=", true),
        ("name=%FF%FE%00", false),
        ("name=%C0%AF", false),  // an overlong "/"
        ("name=%D9", false),  // a sequence cut short
        ("password=%E0%A4%A", false),
        ("name=%zz", false),
        ("name=100%", false),
    ])
    func percentDecodedBytesMustBeUTF8(body: String, valid: Bool) {
        #expect(FormBody.decodesAsUTF8(body) == valid)
        #expect((body.removingPercentEncoding != nil) == valid)
    }
}
