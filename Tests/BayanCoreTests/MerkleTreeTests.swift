import BayanCore
import Foundation
import Testing

/// Issue 13: RFC 9162 Merkle trees over a statement's log, and signed tree heads.
@Suite struct MerkleTreeTests {
    /// The leaves of Certificate Transparency's reference test data (RFC 6962 test vectors).
    static let leaves: [MerkleTree.Hash] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { MerkleTree.leafHash(ContentHash.bytes(hex: $0)!) }

    @Test func rootsMatchTheReferenceVectors() {
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        for (n, root) in roots.enumerated() { #expect(ContentHash.hex(MerkleTree.root(Array(Self.leaves.prefix(n + 1)))) == root) }
        #expect(ContentHash.hex(MerkleTree.root([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func everyInclusionProofVerifiesAndNoOtherLeafDoes() {
        let leaves = (0..<37).map { MerkleTree.leafHash(Array("event \($0)".utf8)) }
        for size in 1...leaves.count {
            let tree = Array(leaves.prefix(size))
            let root = MerkleTree.root(tree)
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index: index, tree[...])
                #expect(MerkleTree.verifyInclusion(index: index, size: size, leaf: tree[index], proof: proof, root: root))
                let other = tree[(index + 1) % size]
                if size > 1 { #expect(!MerkleTree.verifyInclusion(index: index, size: size, leaf: other, proof: proof, root: root)) }
            }
        }
    }

    @Test func everyConsistencyProofVerifiesAndAForkDoesNot() {
        let leaves = (0..<29).map { MerkleTree.leafHash(Array("event \($0)".utf8)) }
        for second in 1...leaves.count {
            let newer = Array(leaves.prefix(second))
            let newRoot = MerkleTree.root(newer)
            for first in 1...second {
                let oldRoot = MerkleTree.root(Array(leaves.prefix(first)))
                let proof = MerkleTree.consistencyProof(from: first, newer)
                #expect(
                    MerkleTree.verifyConsistency(first: first, second: second, firstRoot: oldRoot, secondRoot: newRoot, proof: proof),
                    "\(first) → \(second)")
                // A history rewritten inside the first `first` events is not an extension.
                var forked = newer
                forked[first - 1] = MerkleTree.leafHash(Array("rewritten".utf8))
                let forkedRoot = MerkleTree.root(forked)
                let forkedProof = MerkleTree.consistencyProof(from: first, forked)
                #expect(
                    !MerkleTree.verifyConsistency(first: first, second: second, firstRoot: oldRoot, secondRoot: forkedRoot, proof: forkedProof))
            }
        }
    }
}

@Suite struct TreeHeadTests {
    static func log(_ count: Int, from start: Int = 1, after previous: Event? = nil, tag: String = "") -> [Event] {
        var out: [Event] = []
        var last = previous
        for i in start..<(start + count) {
            let e = Event.next(
                after: last, kind: .endorsementAdded, at: Date(timeIntervalSince1970: 1_780_000_000 + Double(i)),
                payload: ["id": "e\(i)", "name": "نقابة \(i)\(tag)"])
            out.append(e)
            last = e
        }
        return out
    }

    @Test func aSignedHeadPinsTheLogAgainstTruncationRewritingAndOtherKeys() throws {
        let key = SigningKey.generate()
        let events = Self.log(20)
        let head = TreeHead.sign(statementID: "s1", events: events, atMillis: 1_780_000_100_000, key: key)
        #expect(head.size == 20 && head.keyID == key.publicKey.id)
        #expect(head.problems(events: events, keys: [key.publicKey]).isEmpty)
        // The log went on: the old head still holds for its prefix.
        #expect(head.problems(events: events + Self.log(5, from: 21, after: events.last), keys: [key.publicKey]).isEmpty)
        // Truncated.
        #expect(head.problems(events: Array(events.prefix(17)), keys: [key.publicKey]).first?.hasPrefix("log truncated") == true)
        // Event 12 changed and every later hash recomputed: the chain verifies, the head does not.
        let rewritten = Array(events.prefix(11)) + Self.log(9, from: 12, after: events[10], tag: " (معدّل)")
        #expect(EventChain.verify(rewritten).isValid)
        #expect(head.problems(events: rewritten, keys: [key.publicKey]).first?.hasPrefix("history rewritten") == true)
        // Signed by a key the instance does not list; a signature that does not match.
        let stranger = SigningKey.generate()
        #expect(head.problems(events: events, keys: [stranger.publicKey]).first?.contains("does not list") == true)
        var forged = head
        forged.size = 19
        #expect(forged.problems(events: events, keys: [key.publicKey]).first?.contains("valid signature") == true)
        #expect(throws: TreeHeadError.malformedKey) { try SigningKey(text: "c2hvcnQ=") }
        #expect(try SigningKey(text: key.text).publicKey == key.publicKey)
    }
}

/// Issue 13: an event dated before an earlier one is named, beyond the clocks' tolerance.
@Suite struct BackDatedEvents {
    @Test func anEventDatedBeforeAnEarlierOneIsNamed() {
        var events = TreeHeadTests.log(6)
        #expect(EventChain.backDated(events).isEmpty)
        // Four minutes earlier than its predecessor: within the tolerance between instances.
        events[3].atMillis = events[2].atMillis - 4 * 60 * 1000
        #expect(EventChain.backDated(events).isEmpty)
        // A day earlier: back-dated, even with every hash recomputed.
        events[4].atMillis = events[1].atMillis - 86_400_000
        #expect(EventChain.backDated(events).map(\.sequence) == [5])
    }
}
