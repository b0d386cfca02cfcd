import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Synchronization
import Testing

@testable import BayanWeb

/// Issue 11: every page, whole, in every interface language, compared with a golden file
/// in `Snapshots/` (`<page>.<language>.html`). The store's clock and ids are fixed; what
/// stays random (tokens, form keys, the wall clock of an expiry) is masked. After an
/// intended change, `BAYAN_UPDATE_SNAPSHOTS=1 swift test --filter PageSnapshots` rewrites
/// the files, and the diff is reviewed like code.
@Suite struct PageSnapshots {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    static let updating = ProcessInfo.processInfo.environment["BAYAN_UPDATE_SNAPSHOTS"] == "1"

    /// A clock that starts on 2026-01-01 and advances one second per reading, and sequential
    /// ids; the app's sessions and invitations use the same clock.
    static func fixedEnvironment() -> StoreEnvironment {
        let tick = Atomic<Int>(0)
        return StoreEnvironment(
            now: { Date(timeIntervalSince1970: 1_767_225_600 + Double(tick.add(1, ordering: .relaxed).newValue)) },
            newID: { String(format: "id-%06d", tick.add(1, ordering: .relaxed).newValue) },
            salt: { Array(repeating: UInt8(tick.add(1, ordering: .relaxed).newValue & 0xFF), count: 16) })
    }

    /// What changes from run to run, replaced by a fixed word.
    static func masked(_ html: String) -> String {
        var out = html
        out.replace(/[0-9a-f]{12}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/, with: "TOKEN")
        out.replace(/([^A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/) { $0.output.1 + "TOKEN" }
        // A link inside a share link's percent-encoded message (…%2Fi%2FTOKEN).
        out.replace(/%2F[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/, with: "%2FTOKEN")
        out.replace(/name="t" value="[^"]*"/, with: "name=\"t\" value=\"STAMP\"")
        out.replace(/20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?/) { $0.output.hasPrefix("2026-01-0") ? String($0.output) : "WALL-CLOCK" }
        return out
    }

    final class Recorder: @unchecked Sendable {
        var mismatches: [String] = []
        var pages: Set<String> = []

        func check(_ name: String, _ lang: String, _ response: (status: HTTPResponse.Status, body: String, location: String?)) {
            let file = PageSnapshots.directory.appendingPathComponent("\(name).\(lang).html")
            let html = PageSnapshots.masked(response.body)
            pages.insert(name)
            #expect(response.status.code < 500, "\(name).\(lang): \(response.status)")
            #expect(html.contains("<html lang=\"\(lang)\""), "\(name).\(lang) is not in its language")
            if PageSnapshots.updating {
                try? FileManager.default.createDirectory(at: PageSnapshots.directory, withIntermediateDirectories: true)
                try? html.write(to: file, atomically: true, encoding: .utf8)
            } else if (try? String(contentsOf: file, encoding: .utf8)) != html {
                mismatches.append(file.lastPathComponent)
                // The page as rendered, beside the golden file's name, to diff after a failure.
                let actual = URL(fileURLWithPath: "artifacts/snapshots", isDirectory: true)
                try? FileManager.default.createDirectory(at: actual, withIntermediateDirectories: true)
                try? html.write(to: actual.appendingPathComponent(file.lastPathComponent), atomically: true, encoding: .utf8)
            }
        }
    }

    static let languages = ["ar", "en", "tr"]

    @Test func everyPageInEveryLanguageMatchesItsGoldenFile() async throws {
        let recorder = Recorder()
        let environment = Self.fixedEnvironment()
        let fixture = try await Fixture.make(environment: environment)
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.mailEnabled = true
            $0.clock = environment.now
            $0.publicURL = "https://bayan.example.org"
            // The delivery would try the hook below in the background, reading the fixed clock.
            $0.webhookDelivery = false
        }) {
            (b: Browser, store: SQLStore) async throws in
            for lang in Self.languages { recorder.check("login", lang, try await b.request("/login?lang=\(lang)")) }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c")
            let csrf = b.field("_csrf")!
            let draft = ["_csrf": csrf, "title": "بيان تجريبي", "slug": "demo", "body": "النص الأول.\n\nفقرة ثانية."]
            #expect(try await b.request("/c/statements", method: .post, form: draft).status == .seeOther)
            let revised = ["_csrf": csrf, "title": "بيان تجريبي", "body": "النص المعدّل.\n\nفقرة ثانية، وثالثة."]
            #expect(try await b.request("/c/s/demo/text", method: .post, form: revised).status == .seeOther)
            #expect(
                try await b.request("/c/s/demo/state", method: .post, form: ["_csrf": csrf, "to": "circulating", "confirm": "yes"])
                    .status == .seeOther)

            // Invitation links, one batch per language.
            var links: [String] = []
            for (lang, name) in zip(Self.languages, ["نقابة المعلمين", "Syrian Writers League", "رابطة الكتاب (ARK)"]) {
                try await b.request("/c/s/demo")
                let page = try await b.request(
                    "/c/s/demo/invitations?lang=\(lang)", method: .post, form: ["_csrf": csrf, "_k": b.field("_k")!, "names": name, "days": "7"])
                recorder.check("links", lang, page)
                links.append(String(page.body.firstMatch(of: /\/i\/[0-9a-f]{12}\.[A-Za-z0-9_-]{43}|\/i\/[A-Za-z0-9_-]{43}/)!.output))
            }
            for lang in Self.languages { recorder.check("signon", lang, try await b.request("\(links[0])?lang=\(lang)")) }
            let version = b.field("version")!
            let signed = try await b.request(
                links[0], method: .post,
                form: [
                    "name": "نقابة المعلمين", "place": "حلب", "signer": "سامر", "role": "أمين السر", "contact": "s@example.org",
                    "consent": "yes", "version": version,
                ])
            let privateLink = String(signed.body.firstMatch(of: /\/e\/[0-9a-f]{12}\.[A-Za-z0-9_-]{43}|\/e\/[A-Za-z0-9_-]{43}/)!.output)
            for lang in Self.languages { recorder.check("signer", lang, try await b.request("\(privateLink)?lang=\(lang)")) }

            // The coordinator's pages with a sign-on awaiting review, then approved.
            for lang in Self.languages {
                for step in StatementStep.allCases {
                    recorder.check("\(step.rawValue)Step", lang, try await b.request("/c/s/demo\(step.suffix)?lang=\(lang)"))
                }
            }
            let id = String(try await b.request("/c/s/demo/signons").body.firstMatch(of: /endorsements\/([^\/"]+)\/approve/)!.output.1)
            #expect(try await b.request("/c/s/demo/endorsements/\(id)/approve", method: .post, form: ["_csrf": csrf]).status == .seeOther)
            let hook = try await b.request(
                "/c/s/demo/webhooks", method: .post, form: ["_csrf": csrf, "url": "https://hooks.example.org/bayan", "contacts": "yes"])
            #expect(hook.status == .ok)
            for lang in Self.languages {
                recorder.check("dashboard", lang, try await b.request("/c?lang=\(lang)"))
                recorder.check("diff", lang, try await b.request("/c/s/demo/diff?from=1&to=2&lang=\(lang)"))
                recorder.check("directory", lang, try await b.request("/c/directory?lang=\(lang)"))
                recorder.check("password", lang, try await b.request("/c/password?lang=\(lang)"))
                recorder.check("tokens", lang, try await b.request("/c/tokens?lang=\(lang)"))
                recorder.check("webhooks", lang, try await b.request("/c/s/demo/webhooks?lang=\(lang)"))
            }
            #expect(
                try await b.request("/c/s/demo/state", method: .post, form: ["_csrf": csrf, "to": "published", "confirm": "yes", "order": "arabic"])
                    .status == .seeOther)

            // The public side: home, statement, versions, joining and confirming.
            for (lang, email) in zip(Self.languages, ["salma@example.org", "john@example.org", "ayse@example.org"]) {
                recorder.check("home", lang, try await b.request("/?lang=\(lang)"))
                recorder.check("statement", lang, try await b.request("/s/demo?lang=\(lang)"))
                recorder.check("versions", lang, try await b.request("/s/demo/versions?lang=\(lang)"))
                recorder.check("embed", lang, try await b.request("/s/demo/embed?lang=\(lang)"))
                recorder.check("join", lang, try await b.request("/s/demo/join?lang=\(lang)"))
                let form = [
                    "t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": "سلمى",
                    "email": email, "consent": "yes", "visibility": "public",
                ]
                recorder.check("joined", lang, try await b.request("/s/demo/join?lang=\(lang)", method: .post, form: form))
            }
            let bodies = try await store.handle.read { db in
                try await db.raw("SELECT body FROM outbox WHERE body LIKE '%/confirm/%' ORDER BY created_at, id").all().map {
                    try $0.decode(column: "body", as: String.self)
                }
            }
            for (lang, body) in zip(Self.languages, bodies) {
                let token = String(body[body.range(of: "/confirm/")!.upperBound...].prefix { !$0.isWhitespace })
                recorder.check("confirm", lang, try await b.request("/confirm/\(token)?lang=\(lang)"))
            }
            for lang in Self.languages {
                recorder.check("log", lang, try await b.request("/c/s/demo/log?lang=\(lang)"))
                recorder.check("message", lang, try await b.request("/s/no-such-statement?lang=\(lang)"))
            }
        }
        // Every template that is a page has a snapshot (errors is a partial, layout wraps all).
        #expect(
            recorder.pages
                == Set(TemplateName.allCases.filter { ![.layout, .errors, .growth, .steps, .statementHead, .feed].contains($0) }.map(\.rawValue)))
        #expect(recorder.mismatches.isEmpty, "pages differ from their golden files: \(recorder.mismatches)")
    }
}
