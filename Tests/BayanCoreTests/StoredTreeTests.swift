import BayanCore
import Testing

/// Issue 13: roots and proofs from the stored subtrees and a few chunks of leaves equal the
/// ones computed from every leaf, for sizes around each stored level, loading only what
/// `StoredTree.needed` names.
@Suite struct StoredTreeMatchesTheWholeTree {
    static let leaves = (0..<70_000).map { MerkleTree.leafHash(Array("event \($0)".utf8)) }
    /// Every stored level, computed from all leaves.
    static let levels: [Int: [MerkleTree.Hash]] = {
        var out: [Int: [MerkleTree.Hash]] = [:]
        var below = leaves
        for level in StoredTree.levels {
            below = stride(from: 0, to: below.count - 15, by: 16).map { MerkleTree.root(below[$0..<$0 + 16]) }
            out[level] = below
        }
        return out
    }()

    /// The stored tree for `size` leaves with only the needed parts loaded.
    static func tree(size: Int, positions: [Int]) -> StoredTree {
        let need = StoredTree.needed(positions: positions, size: size)
        var tree = StoredTree()
        for (level, range) in need.nodes {
            for i in range { tree.nodes[level, default: [:]][i] = levels[level]![i] }
        }
        for r in need.leaves {
            for i in r { tree.leaves[i] = leaves[i] }
        }
        return tree
    }

    @Test(arguments: [1, 2, 3, 15, 16, 17, 255, 256, 257, 511, 513, 1000, 4095, 4097, 65_535, 65_536, 65_537, 66_000, 70_000])
    func rootsAndProofsMatch(size: Int) throws {
        let all = Array(Self.leaves.prefix(size))
        let root = MerkleTree.root(all)
        #expect(try Self.tree(size: size, positions: StoredTree.positions(size: size)).root(size: size) == root)
        var rng = SystemRandomNumberGenerator()
        let indices = Set(
            [0, size - 1, size / 2, min(255, size - 1), min(256, size - 1)] + (0..<2).map { _ in Int.random(in: 0..<size, using: &rng) })
        for index in indices {
            let tree = Self.tree(size: size, positions: StoredTree.positions(index: index, size: size))
            let proof = try tree.inclusionProof(index: index, size: size)
            #expect(proof == MerkleTree.inclusionProof(index: index, all[...]), "index \(index) of \(size)")
            #expect(MerkleTree.verifyInclusion(index: index, size: size, leaf: all[index], proof: proof, root: root))
        }
        for from in Set([1, size / 2, max(1, size - 1), min(256, size), min(257, size)]) where from < size {
            let tree = Self.tree(size: size, positions: StoredTree.positions(from: from, size: size))
            let proof = try tree.consistencyProof(from: from, size: size)
            #expect(proof == MerkleTree.consistencyProof(from: from, all), "from \(from) to \(size)")
        }
    }

    @Test func aLeafNotLoadedIsAnErrorNotAWrongAnswer() {
        #expect(throws: StoredTreeError.self) { try StoredTree().root(size: 3) }
    }
}
