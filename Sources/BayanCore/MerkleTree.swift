import Crypto
import Foundation

/// A statement's log as a Merkle tree in the manner of Certificate Transparency (RFC 9162,
/// section 2.1): leaves and nodes hashed apart, so a head (size and root) commits to every
/// event in order, a short proof shows one event is in it, and another shows a larger head
/// extends a smaller one. Pure: hashes in, hashes out.
public enum MerkleTree {
    public typealias Hash = [UInt8]

    /// SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: [UInt8]) -> Hash { sha256([0] + data) }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash { sha256([1] + left + right) }

    /// The Merkle tree hash of the leaves (given as leaf hashes); the empty tree's is
    /// SHA-256 of nothing.
    public static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return sha256([])
        case 1: return leaves.first!
        default:
            let k = split(leaves.count)
            let start = leaves.startIndex
            return nodeHash(root(leaves[start..<start + k]), root(leaves[(start + k)...]))
        }
    }

    public static func root(_ leaves: [Hash]) -> Hash { root(leaves[...]) }

    /// The audit path of leaf `index` in the tree of `leaves` (RFC 9162 2.1.3.1).
    public static func inclusionProof(index: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let start = leaves.startIndex
        if index < k { return inclusionProof(index: index, leaves[start..<start + k]) + [root(leaves[(start + k)...])] }
        return inclusionProof(index: index - k, leaves[(start + k)...]) + [root(leaves[start..<start + k])]
    }

    /// Whether `proof` shows the leaf at `index` in the tree of `size` leaves with `root`
    /// (RFC 9162 2.1.3.2).
    public static func verifyInclusion(index: Int, size: Int, leaf: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// The proof that the tree of the first `size` leaves is a prefix of the tree of all
    /// `leaves` (RFC 9162 2.1.4.1).
    public static func consistencyProof(from size: Int, _ leaves: [Hash]) -> [Hash] {
        guard size > 0, size < leaves.count else { return [] }
        return subproof(size, leaves[...], complete: true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = split(n)
        let start = leaves.startIndex
        if m <= k { return subproof(m, leaves[start..<start + k], complete: complete) + [root(leaves[(start + k)...])] }
        return subproof(m - k, leaves[(start + k)...], complete: false) + [root(leaves[start..<start + k])]
    }

    /// Whether `proof` shows the tree (`second`, `secondRoot`) extends (`first`,
    /// `firstRoot`) (RFC 9162 2.1.4.2).
    public static func verifyConsistency(first: Int, second: Int, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        guard first > 0, first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        guard let head = path.first else { return false }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = head
        var sr = head
        for c in path.dropFirst() {
            guard sn > 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }

    /// The largest power of two smaller than `n` (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    static func sha256(_ bytes: [UInt8]) -> Hash { Array(SHA256.hash(data: bytes)) }
}
