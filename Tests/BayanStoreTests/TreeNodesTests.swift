import BayanCore
import Foundation
import Testing

@testable import BayanStore

/// Issue 13: the stored Merkle tree (subtrees of 2^8 and 2^16 events, extended as the log
/// grows) gives the roots and proofs the whole log gives, on both databases.
@Suite struct StoredMerkleTree {
    @Test(arguments: TestDatabase.available)
    func rootsAndProofsFromTheStoredTreeMatchTheWholeLog(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            // Extended a first time at 300 events, then again past one 2^16 block.
            try await store.seedLog(statementID: record.id, count: 300 - 69)
            var leaves = try await store.events(of: record.id).map(\.leafHash)
            #expect(leaves.count == 300)
            #expect(try await store.treeRoot(of: record.id, size: 300) == MerkleTree.root(leaves))
            try await store.seedLog(statementID: record.id, count: 66_000 - 300)
            leaves = try await store.events(of: record.id).map(\.leafHash)
            for size in [1, 255, 256, 300, 65_536, 65_537, 66_000] {
                #expect(try await store.treeRoot(of: record.id, size: size) == MerkleTree.root(leaves.prefix(size)), "root of \(size)")
            }
            for (index, size) in [(0, 66_000), (65_535, 66_000), (65_999, 66_000), (300, 65_537), (12_345, 20_000)] {
                let (event, proof) = try await store.inclusionProof(of: record.id, index: index, size: size)
                #expect(event.leafHash == leaves[index] && proof == MerkleTree.inclusionProof(index: index, leaves.prefix(size)))
            }
            for (from, to) in [(69, 66_000), (256, 65_537), (65_536, 66_000), (1000, 1001)] {
                #expect(
                    try await store.consistencyProof(of: record.id, from: from, to: to)
                        == MerkleTree.consistencyProof(from: from, Array(leaves.prefix(to))))
            }
            let rows = try await store.handle.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM tree_nodes WHERE statement_id = \(bind: record.id)").first()!.decode(
                    column: "n", as: Int.self)
            }
            #expect(rows == StoredTree.levels.map { 66_000 >> $0 }.reduce(0, +))
            // The receipt's lookup finds a sign-on's event without reading the log.
            let first = try #require(try await store.organizationEndorsements(of: record.id).first { $0.number == 1 })
            #expect(try await store.eventIndex(adding: first.id, of: record.id) == 3)
        }
    }
}
