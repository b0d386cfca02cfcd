import BayanApp
import BayanCore
import BayanStore
import Foundation
import Synchronization
import Testing

@testable import BayanWeb

/// A published statement with one founding signatory: the smallest public log.
func publishedWithOneSignatory(_ store: SQLStore) async throws -> StatementRecord {
    try await store.importStatement(
        ImportPlan(
            slug: try Slug("joint"), title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة المعلمين", number: 1)],
            publish: true, at: Date()))
}

/// The statement's newest signed head once it covers at least `size` events, checked every
/// 50 ms `tries` times; nil if none came.
func signedHead(_ store: SQLStore, of statementID: String, atLeast size: Int, tries: Int = 300) async throws -> TreeHead? {
    for _ in 0..<tries {
        if let head = try await store.latestTreeHead(of: statementID), head.size >= size { return head }
        try await Task.sleep(for: .milliseconds(50))
    }
    return nil
}

/// Issue 13: `bayan serve` signs a tree head for each statement whose log grew, off the
/// request path, and lists its public key at `/.well-known/bayan/keys.json`.
@Suite struct TreeHeadsOfTheServer {
    @Test func headsAreSignedWhileTheLogGrowsAndTheKeyIsPublished() async throws {
        let key = SigningKey.generate()
        let fixture = try await Fixture.make()
        let record = try await publishedWithOneSignatory(fixture.store)
        try await fixture.run(
            .live,
            configure: {
                $0.signingKey = key
                $0.treeHeadInterval = .milliseconds(100)
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let keys = try await b.request("/.well-known/bayan/keys.json")
            #expect(keys.status == .ok && keys.body.contains(#""id":"\#(key.publicKey.id)""#) && keys.body.contains(key.publicKey.base64))
            let head = try await signedHead(store, of: record.id, atLeast: 1)
            let events = try await store.events(of: record.id)
            let signed = try #require(head)
            #expect(signed.size == events.count && signed.problems(events: events, keys: [key.publicKey]).isEmpty)
            // The log grows (a version of the text): the next head covers it.
            _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "t")
            _ = try await signedHead(store, of: record.id, atLeast: signed.size + 1)
            let newer = try #require(try await store.latestTreeHead(of: record.id))
            #expect(newer.size == events.count + 1)
            #expect(try await InstanceCheck.all(store, keys: [key.publicKey]).allSatisfy(\.isValid))
        }
    }
}

/// Issue 13: a head is signed soon after a state change (publication above all), not only
/// at the next minute.
@Suite struct HeadsAtStateChanges {
    @Test func aStateChangeIsCoveredByASignedHeadWithinSeconds() async throws {
        let key = SigningKey.generate()
        let fixture = try await Fixture.make()
        let record = try await fixture.store.createStatement(slug: try Slug("draft"), language: "ar", title: "بيان", body: "نص", author: "t")
        try await fixture.run(
            .live,
            configure: {
                $0.signingKey = key
                $0.treeHeadInterval = .seconds(3600)
            }
        ) { (_: Browser, store: SQLStore) async throws in
            func head(atLeast size: Int) async throws -> TreeHead? { try await signedHead(store, of: record.id, atLeast: size, tries: 200) }
            let first = try #require(try await head(atLeast: 2))
            _ = try await store.changeState(statementID: record.id, to: .circulating, foundingOrder: nil)
            let size = try await store.events(of: record.id).count
            let next = try #require(try await head(atLeast: size), "no head within 10 s of the state change")
            #expect(next.size == first.size + 1 && next.isSigned(by: [key.publicKey]))
        }
    }
}

/// Issue 13: a signer's receipt from their private link: the event recording the sign-on,
/// its index, and once a head covers it the inclusion proof, which verifies offline.
@Suite struct SignerReceipts {
    @Test func aReceiptProvesTheSignOnIsInTheSignedLog() async throws {
        let fixture = try await Fixture.make()
        let record = try await publishedWithOneSignatory(fixture.store)
        let hash = try await fixture.store.currentVersion(of: record.id).contentHash
        let token = Tokens.make()
        let joined = try await fixture.store.join(
            statementID: record.id,
            NewEndorsement(signerKind: .individual, displayName: "سلمى", contact: "s@example.org", versionHash: hash, visibility: .public),
            emailKey: "s@example.org", confirmTokenHash: nil, signerTokenHash: Tokens.hash(token), mail: nil)
        try await fixture.run { (b: Browser, store: SQLStore) async throws in
            func receipt() async throws -> (ReceiptFile, String) {
                let r = try await b.request("/e/\(token)/receipt.json")
                #expect(r.status == .ok)
                return (try JSONDecoder().decode(ReceiptFile.self, from: Data(r.body.utf8)), r.body)
            }
            let (early, _) = try await receipt()
            #expect(early.endorsement == joined.id && early.agreedTo == hash.hex && early.head == nil && early.proof.isEmpty)
            let key = SigningKey.generate()
            _ = try await store.signTreeHeads(with: key)
            let (r, body) = try await receipt()
            let head = try #require(r.head)
            #expect(head.isSigned(by: [key.publicKey]))
            // Offline: the leaf from the event's public form, the path to the signed root.
            #expect(r.proofHolds)
            var forged = r
            forged.event.payload["name"] = "منتحل"
            #expect(!forged.proofHolds)
            // A join is written in a batch: the event names its ids and who chose to be
            // listed by name; the names themselves are held (a commitment) until each
            // person confirms, so an unconfirmed name never stands in the public log.
            #expect(r.event.payload["ids"] == joined.id && r.event.payload["listed"] == "1" && r.event.payload["held"] == "1")
            #expect(r.event.payload["names"]?.hasPrefix("sha256:") == true)
            #expect(!body.contains("s@example.org"))
            #expect(try await b.request("/e/not-a-token/receipt.json").status == .notFound)
        }
    }
}

/// Issue 13: a manifest is built at most once a second per statement; within the second
/// the same bytes are served, after it the manifest of the grown log.
@Suite struct ManifestsUnderLoad {
    @Test func aManifestIsServedAgainForASecondThenRebuilt() async throws {
        let key = SigningKey.generate()
        let now = Mutex(Date(timeIntervalSince1970: 1_767_225_600))
        let fixture = try await Fixture.make()
        let record = try await publishedWithOneSignatory(fixture.store)
        try await fixture.run(
            configure: {
                $0.signingKey = key
                $0.clock = { now.withLock { $0 } }
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let first = try await b.request("/s/joint/manifest.json")
            #expect(first.status == .ok)
            _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "t")
            #expect(try await b.request("/s/joint/manifest.json").body == first.body)
            now.withLock { $0 += 2 }
            let later = try await b.request("/s/joint/manifest.json")
            let before = try Manifest.decode(Array(first.body.utf8))
            let after = try Manifest.decode(Array(later.body.utf8))
            #expect(after.head.size == before.head.size + 1 && after.translations.map(\.language) == ["en"] && after.isSigned(by: [key.publicKey]))
        }
    }
}
