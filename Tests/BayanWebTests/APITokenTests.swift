import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import BayanWeb

/// Issue 17: coordinators' API tokens and the coordinator's operations of the API.
@Suite struct APITokens {
    /// A token made on /c/tokens (`statements`: slugs, empty for all; `write`).
    static func token(_ b: Browser, statements: String = "", write: Bool = true, days: String = "90") async throws -> String {
        try await b.request("/c/tokens")
        var form = ["_csrf": b.field("_csrf")!, "name": "sync", "statements": statements, "days": days]
        if write { form["write"] = "yes" }
        let page = try await b.request("/c/tokens?lang=en", method: .post, form: form)
        #expect(page.status == .ok && page.body.contains("This token is shown only now"))
        return String(try #require(page.body.firstMatch(of: /bayan_[A-Za-z0-9_-]{43}/)).output)
    }

    static func call(
        _ b: Browser, _ method: HTTPRequest.Method, _ path: String, token: String, json: String? = nil
    ) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if json != nil { headers[.contentType] = "application/json" }
        return try await b.client.execute(uri: "/api/v1" + path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }

    @Test func aTokenActsOnlyOnItsStatementsOnlyAsAllowedAndOnlyWhileValid() async throws {
        let clock = ManualClock()
        try await Fixture.make().run(configure: { $0.clock = { clock.read() } }) { (b: Browser, store: SQLStore) async throws in
            _ = try await Fixture.circulating(b, slug: "mine")
            _ = try await Fixture.circulating(b, slug: "other")
            let scoped = try await Self.token(b, statements: "mine")
            let reader = try await Self.token(b, statements: "mine", write: false)
            // Shown once: the tokens page lists them without their values.
            let list = try await b.request("/c/tokens?lang=en")
            #expect(!list.body.contains(scoped) && !list.body.contains(reader) && list.body.contains("read and change"))

            #expect(try await Self.call(b, .get, "/manage/statements/mine/signons", token: scoped).status == .ok)
            #expect(try await Self.call(b, .get, "/manage/statements/other/signons", token: scoped).status == .forbidden)
            let state = #"{"to":"draft"}"#
            #expect(try await Self.call(b, .post, "/manage/statements/other/state", token: scoped, json: state).status == .forbidden)
            #expect(try await Self.call(b, .post, "/manage/statements/mine/state", token: reader, json: state).status == .forbidden)
            // A token for some statements cannot make new ones.
            #expect(try await Self.call(b, .post, "/manage/statements", token: scoped, json: #"{"title":"x"}"#).status == .forbidden)
            #expect(try await store.statement(slug: "other").state == .circulating)
            // A new version of the text, through the API.
            let text = #"{"title":"بيان تجريبي","body":"النص الثاني"}"#
            let revised = try await Self.call(b, .put, "/manage/statements/mine/text", token: scoped, json: text)
            let version = try PublicReadAPI.json(revised.body)
            #expect(revised.status == .ok && version["number"] as? Int == 2)
            #expect(try await Self.call(b, .put, "/manage/statements/other/text", token: scoped, json: text).status == .forbidden)
            #expect(try await Self.call(b, .put, "/manage/statements/mine/text", token: reader, json: text).status == .forbidden)
            // No token, a wrong one: 401, and the statement's existence is not revealed.
            #expect(try await Self.call(b, .get, "/manage/statements/mine/signons", token: "").status == .unauthorized)
            #expect(try await Self.call(b, .get, "/manage/statements/nope/signons", token: "bayan_wrong").status == .unauthorized)

            // Revoked on the page: refused at once.
            try await b.request("/c/tokens")
            let id = try #require(
                try await store.apiTokens(coordinatorID: try await store.coordinator(email: "admin@example.org").id)
                    .first { $0.mayWrite == false }?.id)
            #expect(try await b.request("/c/tokens/\(id)/revoke", method: .post, form: ["_csrf": b.field("_csrf")!]).status == .seeOther)
            #expect(try await Self.call(b, .get, "/manage/statements/mine/signons", token: reader).status == .unauthorized)
            // Expired: 91 days later.
            clock.advance(91 * 86_400)
            #expect(try await Self.call(b, .get, "/manage/statements/mine/signons", token: scoped).status == .unauthorized)
        }
    }

    @Test func aStatementDrivenThroughTheAPIEndsAsTheSameStepsThroughTheBrowserForms() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            let token = try await Self.token(b)
            let names = ["نقابة المعلمين", "رابطة الكتاب", "مجلس حلب"]

            // Through the API only (the organisations sign through their own links).
            let created = try await Self.call(b, .post, "/manage/statements", token: token, json: #"{"title":"بيان","body":"نص","slug":"api"}"#)
            #expect(created.status == .created)
            #expect(try await Self.call(b, .post, "/manage/statements/api/state", token: token, json: #"{"to":"circulating"}"#).status == .ok)
            let invited = try await Self.call(
                b, .post, "/manage/statements/api/invitations", token: token, json: #"{"names":["نقابة المعلمين","رابطة الكتاب","مجلس حلب"]}"#)
            let answer = try PublicReadAPI.json(invited.body)
            let links = (answer["links"] as? [[String: String]] ?? []).compactMap { $0["url"] }.map {
                "/i/" + $0.components(separatedBy: "/i/").last!
            }
            #expect(links.count == 3)
            let version = try await store.currentVersion(of: try await store.statement(slug: "api").id).contentHash.hex
            for (link, name) in zip(links, names) {
                #expect(try await b.request(link, method: .post, form: RetriedSubmissions.signOnForm(version, name: name)).status == .ok)
            }
            let signons = try await Self.call(b, .get, "/manage/statements/api/signons", token: token)
            #expect(signons.body.contains("s@example.org"))
            let ids = (try PublicReadAPI.json(signons.body)["signons"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.count == 3)
            for id in ids {
                #expect(
                    try await Self.call(b, .post, "/manage/statements/api/signons/\(id)/decision", token: token, json: #"{"decision":"approve"}"#)
                        .status == .ok)
            }
            #expect(
                try await Self.call(b, .post, "/manage/statements/api/state", token: token, json: #"{"to":"published","order":"arabic"}"#).status
                    == .ok)

            // The same steps through the browser's forms.
            try await b.request("/c")
            let csrf = b.field("_csrf")!
            _ = try await b.request("/c/statements", method: .post, form: ["_csrf": csrf, "title": "بيان", "body": "نص", "slug": "web"])
            _ = try await b.request("/c/s/web/state", method: .post, form: ["_csrf": csrf, "to": "circulating", "confirm": "yes"])
            let page = try await b.request("/c/s/web/invitations", method: .post, form: ["_csrf": csrf, "names": names.joined(separator: "\n")])
            let webLinks = page.body.components(separatedBy: "<code dir=\"ltr\" class=\"link\">").dropFirst().map {
                "/i/" + $0.prefix { $0 != "<" }.components(separatedBy: "/i/").last!
            }
            let webVersion = try await store.currentVersion(of: try await store.statement(slug: "web").id).contentHash.hex
            for (link, name) in zip(webLinks, names) {
                #expect(try await b.request(link, method: .post, form: RetriedSubmissions.signOnForm(webVersion, name: name)).status == .ok)
            }
            for e in try await store.endorsements(of: try await store.statement(slug: "web").id) {
                _ = try await b.request("/c/s/web/endorsements/\(e.id)/approve", method: .post, form: ["_csrf": csrf])
            }
            _ = try await b.request("/c/s/web/state", method: .post, form: ["_csrf": csrf, "to": "published", "confirm": "yes", "order": "arabic"])

            // Same list, same numbers, same events in the same order.
            let api = try await b.request("/api/v1/statements/api/organizations").body
            let web = try await b.request("/api/v1/statements/web/organizations").body
            #expect(api == web && api.contains("\"number\" : 3"))
            let kinds = { (slug: String) async throws -> [String] in
                try await store.events(of: try await store.statement(slug: slug).id).map(\.kind)
            }
            #expect(try await kinds("api") == (try await kinds("web")))
            #expect(try await store.statement(slug: "api").state == .published)
        }
    }
}
