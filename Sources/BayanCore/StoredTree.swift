/// A statement's Merkle tree as the database keeps it (issue 13, performance): the hashes
/// of complete aligned subtrees of 2⁴, 2⁸, 2¹², 2¹⁶ and 2²⁰ leaves, so a root or a proof for
/// a log of a million events needs about a hundred stored hashes and the leaves of two
/// 16-event chunks, not the whole log. The RFC 9162 algorithms only ever ask for the hash of
/// a complete aligned subtree or of a suffix of the tree; both are built here from the
/// largest stored subtrees inside them. Pure: the store loads what `needed` names.
public struct StoredTree: Sendable {
    /// Levels kept: subtrees of 2^level leaves; each level's nodes are built from 16 of the
    /// level below (the first from 16 leaves).
    public static let levels = [4, 8, 12, 16, 20]
    public static let fanOut = 16

    /// Stored subtree hashes by level, then by index (subtree i of level l covers leaves
    /// i·2^l ..< (i+1)·2^l).
    public var nodes: [Int: [Int: MerkleTree.Hash]]
    /// Leaf hashes by index, for the chunks that hold the positions asked about.
    public var leaves: [Int: MerkleTree.Hash]

    public init(nodes: [Int: [Int: MerkleTree.Hash]] = [:], leaves: [Int: MerkleTree.Hash] = [:]) {
        self.nodes = nodes
        self.leaves = leaves
    }

    /// What to load to answer about `positions` (leaf indices) in a tree of `size`: every
    /// complete subtree of the top level; at each lower level, the subtrees inside the
    /// next level's subtree that holds a position; and the leaves of the 16-leaf chunks
    /// holding one. Ranges are of node indices per level, and of leaf indices.
    public static func needed(positions: [Int], size: Int) -> (nodes: [(level: Int, range: Range<Int>)], leaves: [Range<Int>]) {
        let inside = Set(positions.filter { $0 >= 0 && $0 < size }).sorted()
        let top = levels.last!
        var nodes: [(level: Int, range: Range<Int>)] = []
        if size >> top > 0 { nodes.append((top, 0..<(size >> top))) }
        for level in levels.dropLast() {
            let up = level + 4
            for block in Set(inside.map { $0 >> up }).sorted() {
                let range = (block << 4)..<min((block + 1) << 4, size >> level)
                if !range.isEmpty { nodes.append((level, range)) }
            }
        }
        let leaves = Set(inside.map { $0 >> 4 }).sorted().map { c in (c << 4)..<min((c + 1) << 4, size) }
        return (nodes, leaves)
    }

    /// The positions a question touches: a proof for `index` in a tree of `size`, or the
    /// consistency of `from` with `size`.
    public static func positions(index: Int? = nil, from: Int? = nil, size: Int) -> [Int] {
        var out = [size - 1]
        if let index { out.append(index) }
        if let from { out += [from - 1, from] }
        return out
    }

    public func hash(_ range: Range<Int>) throws(StoredTreeError) -> MerkleTree.Hash {
        let n = range.count
        if n == 0 { return MerkleTree.sha256([]) }
        if n == 1 {
            guard let leaf = leaves[range.lowerBound] else { throw .missing(range) }
            return leaf
        }
        if n & (n - 1) == 0 && range.lowerBound % n == 0 {
            let level = n.trailingZeroBitCount
            if let stored = nodes[level]?[range.lowerBound >> level] { return stored }
        }
        let k = MerkleTree.split(n)
        let lo = range.lowerBound
        return MerkleTree.nodeHash(try hash(lo..<lo + k), try hash(lo + k..<range.upperBound))
    }

    /// The root of the first `size` leaves.
    public func root(size: Int) throws(StoredTreeError) -> MerkleTree.Hash { try hash(0..<size) }

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
    public func inclusionProof(index: Int, size: Int) throws(StoredTreeError) -> [MerkleTree.Hash] {
        try path(index, 0..<size)
    }

    private func path(_ m: Int, _ r: Range<Int>) throws(StoredTreeError) -> [MerkleTree.Hash] {
        guard r.count > 1 else { return [] }
        let k = MerkleTree.split(r.count)
        let mid = r.lowerBound + k
        if m < k { return try path(m, r.lowerBound..<mid) + [try hash(mid..<r.upperBound)] }
        return try path(m - k, mid..<r.upperBound) + [try hash(r.lowerBound..<mid)]
    }

    /// The proof that the tree of `from` leaves is a prefix of the tree of `size`
    /// (RFC 9162 2.1.4.1).
    public func consistencyProof(from: Int, size: Int) throws(StoredTreeError) -> [MerkleTree.Hash] {
        guard from > 0, from < size else { return [] }
        return try subproof(from, 0..<size, complete: true)
    }

    private func subproof(_ m: Int, _ r: Range<Int>, complete: Bool) throws(StoredTreeError) -> [MerkleTree.Hash] {
        if m == r.count { return complete ? [] : [try hash(r)] }
        let k = MerkleTree.split(r.count)
        let mid = r.lowerBound + k
        if m <= k { return try subproof(m, r.lowerBound..<mid, complete: complete) + [try hash(mid..<r.upperBound)] }
        return try subproof(m - k, mid..<r.upperBound, complete: false) + [try hash(r.lowerBound..<mid)]
    }
}

public enum StoredTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A leaf the caller did not load (`StoredTree.needed` says which to load).
    case missing(Range<Int>)
    public var description: String {
        switch self {
        case .missing(let r): "the tree's leaves \(r.lowerBound)…\(r.upperBound - 1) were not loaded"
        }
    }
}
