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
    func withPublished(
        revalidateAfter: Duration = .milliseconds(100), _ body: @escaping @Sendable (any TestClientProtocol, SQLStore, String) async throws -> Void
    ) async throws {
        let dir = TemporaryDirectory()
        let store = try await CachedPagesBeforeTheRouter.published(in: dir, Samples.organizations)
        let app = try buildApplication(AppConfiguration(port: 0, cacheRevalidateAfter: revalidateAfter), store: store, logger: Logger(label: "t"))
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

    /// Issue 15: an unknown address is remembered like a page (a flood of them costs no
    /// database query each), and stops being unknown as soon as this process publishes it,
    /// or after the revalidation interval when another instance does (a minute here, so the
    /// remembered answer is seen whatever the machine's load; the page test shows the interval).
    @Test func anUnknownStatementIsRememberedUntilPublishedHereOrElsewhere() async throws {
        try await withPublished(revalidateAfter: .seconds(60)) { client, store, path in
            func status(_ uri: String) async throws -> HTTPResponse.Status { try await client.execute(uri: uri, method: .get) { $0.status } }
            #expect(try await status("/s/later") == .notFound)
            let other = try await SQLStore.openSQLite(directory: path)
            _ = try await other.importStatement(
                ImportPlan(
                    slug: try Slug("later"), title: "t", body: "b", author: "t", signatories: [(name: "نقابة", number: 1)], publish: true, at: Date())
            )
            await other.close()
            // Published by another instance: still the remembered 404 until the interval ends.
            #expect(try await status("/s/later") == .notFound)
            // Published by this process: at once.
            #expect(try await status("/s/here") == .notFound)
            _ = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("here"), title: "t", body: "b", author: "t", signatories: [(name: "نقابة", number: 1)], publish: true, at: Date()))
            #expect(try await status("/s/here") == .ok)
            // Every made-up address gets the same localized page.
            try await client.execute(uri: "/s/made-up?lang=en", method: .get) { r in
                #expect(r.status == .notFound && String(buffer: r.body).contains("lang=\"en\""))
            }
            try await client.execute(uri: "/s/another-one", method: .get) { r in
                #expect(r.status == .notFound && String(buffer: r.body).contains("lang=\"ar\""))
            }
        }
    }

    /// HEAD of a page answers as its GET without the body (it answered 404).
    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withPublished { client, _, _ in
            let get = try await client.execute(uri: "/s/joint", method: .get) { $0 }
            try await client.execute(uri: "/s/joint", method: .head) { r in
                #expect(r.status == .ok && r.body.readableBytes == 0)
                #expect(r.headers[.eTag] == get.headers[.eTag] && r.headers[.contentType] == get.headers[.contentType])
            }
            try await client.execute(uri: "/s/nothing", method: .head) { r in #expect(r.status == .notFound) }
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
