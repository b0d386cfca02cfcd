import BayanCore
import BayanStore
import BayanTestSupport
import BayanWeb
import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@Suite struct PublicPageCache {
    func withPublished(_ body: @escaping @Sendable (any TestClientProtocol, SQLStore, String) async throws -> Void) async throws {
        let dir = TemporaryDirectory()
        let store = try await SQLStore.openSQLite(directory: dir.path)
        _ = try await store.importStatement(
            ImportPlan(
                slug: try Slug("joint"), title: Samples.title, body: Samples.body, author: "t",
                signatories: Samples.organizations.enumerated().map { (name: $0.element, number: $0.offset + 1) },
                publish: true, at: Date()))
        let app = try buildApplication(AppConfiguration(port: 0, cacheRevalidateAfter: .milliseconds(100)), store: store, logger: Logger(label: "t"))
        do { try await app.test(.router) { client in try await body(client, store, dir.path) } } catch {
            await store.close()
            dir.remove()
            throw error
        }
        await store.close()
        dir.remove()
    }

    @Test func etagsAnswerIfNoneMatchWith304() async throws {
        try await withPublished { client, _, _ in
            let etag = try await client.execute(uri: "/s/joint", method: .get) { r -> String in
                #expect(r.headers[.cacheControl] == "public, max-age=0, s-maxage=10, stale-while-revalidate=60")
                return r.headers[.eTag]!
            }
            try await client.execute(uri: "/s/joint", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified)
                #expect(r.body.readableBytes == 0)
                #expect(r.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/s/joint.json", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .ok)
            }
        }
    }

    /// Issue 12: `Vary` names what a page depends on, so a shared cache in front keeps one
    /// copy per language of the home page (negotiated from Accept-Language) and does not
    /// split statement pages (their language is in the address).
    @Test func varyMatchesWhatAPageDependsOn() async throws {
        try await withPublished { client, _, _ in
            try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en"]) { r in
                #expect(r.headers[.vary] == "Accept-Encoding, Accept-Language" && String(buffer: r.body).contains("lang=\"en\""))
            }
            try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "tr"]) { r in
                #expect(String(buffer: r.body).contains("lang=\"tr\""))
            }
            try await client.execute(uri: "/s/joint", method: .get, headers: [.acceptLanguage: "en"]) { r in
                #expect(r.headers[.vary] == "Accept-Encoding")
            }
        }
    }

    @Test func gzipIsServedToClientsThatAcceptIt() async throws {
        try await withPublished { client, _, _ in
            let plain = try await client.execute(uri: "/s/joint", method: .get) { String(buffer: $0.body) }
            try await client.execute(uri: "/s/joint", method: .get, headers: [.acceptEncoding: "br, gzip, deflate"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                #expect(r.headers[.vary] == "Accept-Encoding")
                var body = r.body
                #expect(body.readableBytes < plain.utf8.count / 2)
                let text = String(buffer: try body.decompress(with: .gzip()))
                #expect(text == plain)
            }
        }
    }

    @Test func aLocalChangeShowsAtOnceAndAnotherInstancesChangeWithinTheRevalidationInterval() async throws {
        try await withPublished { client, store, path in
            let statement = try await store.statement(slug: "joint")
            let first = try await client.execute(uri: "/s/joint", method: .get) { String(buffer: $0.body) }
            #expect(first.contains("<bdi>نقابة المعلمين الأحرار في حلب</bdi></li>"))
            // This process withdraws one: the very next request shows it.
            let e = SignatoryRules.foundingList(try await store.endorsements(of: statement.id))[0]
            _ = try await store.setEndorsementState(statementID: statement.id, endorsementID: e.id, to: .withdrawn, reason: nil)
            let second = try await client.execute(uri: "/s/joint", method: .get) { String(buffer: $0.body) }
            #expect(second.contains("class=\"withdrawn\""))
            // Another instance (another store on the same file) withdraws a second one.
            let other = try await SQLStore.openSQLite(directory: path)
            let e2 = SignatoryRules.foundingList(try await other.endorsements(of: statement.id))[1]
            _ = try await other.setEndorsementState(statementID: statement.id, endorsementID: e2.id, to: .withdrawn, reason: nil)
            await other.close()
            try await Task.sleep(for: .milliseconds(150))
            let third = try await client.execute(uri: "/s/joint", method: .get) { String(buffer: $0.body) }
            #expect(third.components(separatedBy: "class=\"withdrawn\"").count == 3)
        }
    }
}

@Suite struct PublicTranslations {
    @Test func thePublicPageSwitchesToATranslationAndListsTheSignedVersions() async throws {
        let dir = TemporaryDirectory()
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let record = try await store.importStatement(
            ImportPlan(
                slug: try Slug("joint"), title: "بيان", body: "النص العربي", author: "t",
                signatories: [(name: "نقابة", number: 1)], publish: true, at: Date()))
        _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "The English text", author: "t")
        let hash = try await store.currentVersion(of: record.id).contentHash.hex
        let app = try buildApplication(AppConfiguration(port: 0), store: store, logger: Logger(label: "t"))
        try await app.test(.router) { client in
            let original = try await client.execute(uri: "/s/joint", method: .get) { String(buffer: $0.body) }
            #expect(original.contains("النص العربي") && original.contains("href=\"/s/joint?text=en\""))
            let english = try await client.execute(uri: "/s/joint?text=en", method: .get) { String(buffer: $0.body) }
            #expect(english.contains("The English text") && english.contains("<h1 lang=\"en\" dir=\"ltr\">Statement</h1>"))
            #expect(english.contains("هذه ترجمة"))
            let versions = try await client.execute(uri: "/s/joint/versions", method: .get) { String(buffer: $0.body) }
            #expect(versions.contains(hash))
        }
        await store.close()
        dir.remove()
    }
}
