import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 17: the public read API, generated from openapi.yaml, over the router.
@Suite struct PublicReadAPI {
    static func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func statementsListsAndKeysetPagesReadWhatThePagesShow() async throws {
        let fixture = try await Fixture.make()
        let id = try await JoinRoute.published(fixture.store)
        try await fixture.store.seedIndividuals(statementID: id, count: 250, state: .confirmed)
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            let list = try Self.json(try await b.request("/api/v1/statements").body)
            let first = try #require((list["statements"] as? [[String: Any]])?.first)
            #expect(first["slug"] as? String == "pub" && first["signatories"] as? Int == 1 && first["state"] as? String == "published")

            let statement = try Self.json(try await b.request("/api/v1/statements/pub").body)
            let hash = try await store.currentVersion(of: id).contentHash.hex
            #expect(statement["hash"] as? String == hash && statement["body"] as? String == "نص")
            #expect((statement["counts"] as? [String: Int]) == ["founding": 1, "later": 0, "individuals": 250])

            let organizations = try Self.json(try await b.request("/api/v1/statements/pub/organizations").body)
            #expect((organizations["founding"] as? [[String: Any]])?.first?["name"] as? String == "نقابة المعلمين")

            // Keyset pages of 100: every named individual once (one in ten seeded is counted
            // only), those who joined during the walk included, after the others.
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            var named = 0
            repeat {
                let page = try Self.json(try await b.request("/api/v1/statements/pub/individuals" + (cursor.map { "?after=\($0)" } ?? "")).body)
                seen += (page["individuals"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                cursor = page["next"] as? String
                named = page["named"] as? Int ?? 0
                pages += 1
                if pages == 1 {
                    // Seeded rows are dated now + i ms: wait until the first 250 are past.
                    try await Task.sleep(for: .milliseconds(300))
                    try await store.seedIndividuals(statementID: id, count: 30, state: .confirmed)
                }
            } while cursor != nil && pages < 10
            #expect(named == 252 && seen.count == named, "\(seen.count) \(named) \(pages)")
            #expect(seen.suffix(27).allSatisfy { $0.hasPrefix("مؤيد تجريبي") } && Set(seen.suffix(27)).count == 27)
            #expect(pages == 3)

            // Refusals are problems with the application layer's codes, open to any origin.
            let missing = try await b.request("/api/v1/statements/nope")
            let missingProblem = try Self.json(missing.body)
            #expect(missing.status == .notFound && missingProblem["code"] as? String == "not-found")
            for bad in ["?after=nonsense", "?limit=0", "?limit=false"] {
                let r = try await b.request("/api/v1/statements/pub/individuals\(bad)")
                let problem = try Self.json(r.body)
                #expect(r.status == .badRequest && problem["code"] as? String == "invalid-input", "\(bad)")
            }
            #expect(try await b.request("/api/v1/statements", method: .post).status == .methodNotAllowed)
            let headers = try await b.client.execute(uri: "/api/v1/statements", method: .get) { $0.headers }
            #expect(headers[.accessControlAllowOrigin] == "*" && headers[.cacheControl]?.hasPrefix("public") == true)
            // Cached like the pages: an ETag, and a 304 when it still matches.
            let tag = try #require(try await b.client.execute(uri: "/api/v1/statements/pub", method: .get) { $0.headers[.eTag] })
            let revalidated = try await b.client.execute(uri: "/api/v1/statements/pub", method: .get, headers: [.ifNoneMatch: tag]) {
                ($0.status, $0.body.readableBytes)
            }
            #expect(revalidated.0 == .notModified && revalidated.1 == 0)
            // The description is served, and it is the one the code was generated from.
            let description = try await b.request("/openapi.yaml")
            #expect(description.status == .ok && description.body.hasPrefix("openapi: \"3.1.0\""))
        }
    }
}
