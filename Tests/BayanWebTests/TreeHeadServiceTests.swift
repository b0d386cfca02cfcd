import BayanCore
import BayanStore
import Foundation
import Testing

@testable import BayanWeb

/// Issue 13: `bayan serve` signs a tree head for each statement whose log grew, off the
/// request path, and lists its public key at `/.well-known/bayan/keys.json`.
@Suite struct TreeHeadsOfTheServer {
    @Test func headsAreSignedWhileTheLogGrowsAndTheKeyIsPublished() async throws {
        let key = SigningKey.generate()
        let fixture = try await Fixture.make()
        let record = try await fixture.store.importStatement(
            ImportPlan(
                slug: try Slug("joint"), title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة المعلمين", number: 1)],
                publish: true, at: Date()))
        try await fixture.run(
            .live,
            configure: {
                $0.signingKey = key
                $0.treeHeadInterval = .milliseconds(100)
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let keys = try await b.request("/.well-known/bayan/keys.json")
            #expect(keys.status == .ok && keys.body.contains(#""id":"\#(key.publicKey.id)""#) && keys.body.contains(key.publicKey.base64))
            var head: TreeHead?
            for _ in 0..<300 {
                head = try await store.latestTreeHead(of: record.id)
                if head != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let events = try await store.events(of: record.id)
            let signed = try #require(head)
            #expect(signed.size == events.count && signed.problems(events: events, keys: [key.publicKey]).isEmpty)
            // The log grows (a version of the text): the next head covers it.
            _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "t")
            for _ in 0..<300 {
                if let newer = try await store.latestTreeHead(of: record.id), newer.size > signed.size { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let newer = try #require(try await store.latestTreeHead(of: record.id))
            #expect(newer.size == events.count + 1)
            #expect(try await InstanceCheck.all(store, keys: [key.publicKey]).allSatisfy(\.isValid))
        }
    }
}
