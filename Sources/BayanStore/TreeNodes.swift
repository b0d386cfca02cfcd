import BayanCore
import Foundation
import SQLKit

/// Each statement's Merkle tree as stored subtree hashes (`StoredTree`, migration 0013):
/// extended from the events that arrived since the last time, then roots and proofs
/// answered from a few hundred stored hashes and at most a few chunks of events.
extension SQLStore {
    /// The root of the statement's first `size` events.
    public func treeRoot(of statementID: String, size: Int) async throws(StoreError) -> MerkleTree.Hash {
        let tree = try await storedTree(statementID, positions: StoredTree.positions(size: size), size: size)
        return try Self.answer { () throws(StoredTreeError) in try tree.root(size: size) }
    }

    /// Event `index` (from 0) of the first `size`, in its public form, and its audit path.
    public func inclusionProof(of statementID: String, index: Int, size: Int) async throws(StoreError)
        -> (event: PublicEvent, proof: [MerkleTree.Hash])
    {
        let tree = try await storedTree(statementID, positions: StoredTree.positions(index: index, size: size), size: size)
        let proof = try Self.answer { () throws(StoredTreeError) in try tree.inclusionProof(index: index, size: size) }
        guard let event = try await events(of: statementID, from: index + 1, limit: 1).first else {
            throw StoreError.notFound("event \(index + 1)")
        }
        return (event.publicEvent, proof)
    }

    /// The proof that the first `from` events' tree is a prefix of the first `to`'s.
    public func consistencyProof(of statementID: String, from: Int, to: Int) async throws(StoreError) -> [MerkleTree.Hash] {
        let tree = try await storedTree(statementID, positions: StoredTree.positions(from: from, size: to), size: to)
        return try Self.answer { () throws(StoredTreeError) in try tree.consistencyProof(from: from, size: to) }
    }

    static func answer<T>(_ body: () throws(StoredTreeError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError.database("\(error)") }
    }

    /// What `StoredTree.needed` names, loaded, after the stored tree is extended to `size`.
    func storedTree(_ statementID: String, positions: [Int], size: Int) async throws(StoreError) -> StoredTree {
        try await extendTree(statementID, size: size)
        let need = StoredTree.needed(positions: positions, size: size)
        let nodes = try await Self.wrap {
            try await self.handle.read { db in
                var nodes: [Int: [Int: MerkleTree.Hash]] = [:]
                var ranges: [(Int, Range<Int>)] = need.level8.map { (8, $0) }
                if !need.top.isEmpty { ranges.append((16, need.top)) }
                for (level, range) in ranges where !range.isEmpty {
                    for row in try await db.raw(
                        """
                        SELECT idx, hash FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = \(bind: level)
                          AND idx >= \(bind: range.lowerBound) AND idx < \(bind: range.upperBound)
                        """
                    ).all() {
                        nodes[level, default: [:]][try row.decode(column: "idx", as: Int.self)] =
                            ContentHash.bytes(hex: try row.decode(column: "hash", as: String.self)) ?? []
                    }
                }
                return nodes
            }
        }
        var tree = StoredTree(nodes: nodes)
        for range in need.chunks {
            for e in try await events(of: statementID, from: range.lowerBound + 1, limit: range.count) {
                tree.leaves[e.sequence - 1] = e.leafHash
            }
        }
        return tree
    }

    /// Stores the subtree hashes the first `size` events complete that are not stored yet
    /// (each level is stored in order, so the next to add is one past the highest, found
    /// on the primary key). Idempotent: two instances extending at once write the same hashes.
    public func extendTree(_ statementID: String, size: Int) async throws(StoreError) {
        let counts = try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    """
                    SELECT
                      (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = 8) AS l8,
                      (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = 16) AS l16
                    """
                ).first().map { (try $0.decode(column: "l8", as: Int.self), try $0.decode(column: "l16", as: Int.self)) } ?? (0, 0)
            }
        }
        let want8 = size >> 8
        let want16 = size >> 16
        guard counts.0 < want8 || counts.1 < want16 else { return }
        var level8: [(Int, MerkleTree.Hash)] = []
        var next = counts.0
        while next < want8 {
            let batch = min(want8 - next, 64)
            let leaves = try await events(of: statementID, from: (next << 8) + 1, limit: batch << 8).map(\.leafHash)
            guard leaves.count == batch << 8 else { throw StoreError.database("the log of \(statementID) is shorter than \(size) events") }
            for j in 0..<batch { level8.append((next + j, MerkleTree.root(leaves[(j << 8)..<((j + 1) << 8)]))) }
            next += batch
        }
        try await insertNodes(statementID, level: 8, level8)
        var level16: [(Int, MerkleTree.Hash)] = []
        for block in counts.1..<max(counts.1, want16) {
            let hashes = try await Self.wrap {
                try await self.handle.read { db in
                    try await db.raw(
                        """
                        SELECT hash FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = 8
                          AND idx >= \(bind: block << 8) AND idx < \(bind: (block + 1) << 8) ORDER BY idx
                        """
                    ).all().map { ContentHash.bytes(hex: try $0.decode(column: "hash", as: String.self)) ?? [] }
                }
            }
            guard hashes.count == 256 else { throw StoreError.database("the stored tree of \(statementID) lacks subtrees of block \(block)") }
            level16.append((block, MerkleTree.root(hashes)))
        }
        try await insertNodes(statementID, level: 16, level16)
    }

    private func insertNodes(_ statementID: String, level: Int, _ nodes: [(Int, MerkleTree.Hash)]) async throws(StoreError) {
        guard !nodes.isEmpty else { return }
        try await Self.wrap {
            try await self.write { db in
                for chunk in stride(from: 0, to: nodes.count, by: 200).map({ nodes[$0..<min($0 + 200, nodes.count)] }) {
                    let rows: [SQLQueryString] = chunk.map { idx, hash in
                        "(\(bind: statementID), \(bind: level), \(bind: idx), \(bind: ContentHash.hex(hash)))"
                    }
                    try await db.raw(
                        "INSERT INTO tree_nodes (statement_id, level, idx, hash) VALUES " + rows.joined(separator: ", ")
                            + " ON CONFLICT (statement_id, level, idx) DO NOTHING"
                    ).run()
                }
            }
        }
    }
}

extension SQLStore {
    /// Found among the events that add sign-ons by the id in their payload (one sign-on or
    /// a batch of joins), without reading the rest of the log.
    public func eventIndex(adding endorsementID: String, of statementID: String) async throws(StoreError) -> Int {
        try await Self.wrap {
            try await self.handle.read { db in
                let rows = try await db.raw(
                    """
                    SELECT * FROM events WHERE statement_id = \(bind: statementID) AND kind = \(bind: EventKind.endorsementAdded.rawValue)
                      AND payload LIKE \(bind: "%" + endorsementID + "%") ORDER BY seq
                    """
                ).all().map(Self.decodeEvent)
                guard
                    let event = rows.first(where: { e in
                        e.payload["id"] == endorsementID || e.payload["ids"]?.split(separator: " ").contains(Substring(endorsementID)) == true
                    })
                else { throw StoreError.notFound("the event recording sign-on \(endorsementID)") }
                return event.sequence - 1
            }
        }
    }
}

extension SQLStore {
    /// Appends `count` events that add nobody (`seeded: 0`) to a statement's log, in large
    /// batches: a log of a million events for benchmarks and tests, never for real data.
    public func seedLog(statementID: String, count: Int, batch: Int = 2000) async throws(StoreError) {
        let env = self.env
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            try await Self.wrap {
                try await self.write { db in
                    let head = try await db.raw("SELECT seq, hash FROM events WHERE statement_id = \(bind: statementID) ORDER BY seq DESC LIMIT 1")
                        .first()
                    var sequence = try head?.decode(column: "seq", as: Int.self) ?? 0
                    var hash = try head?.decode(column: "hash", as: String.self) ?? Event.genesisHash
                    let at = env.now()
                    var rows: [SQLQueryString] = []
                    for _ in 0..<n {
                        let e = Event.next(
                            afterSequence: sequence, hash: hash, kind: .endorsementAdded, at: at, payload: ["seeded": "0", "kind": "individual"])
                        let values: [any Encodable & Sendable] = [statementID, e.sequence, e.kind, e.atMillis, e.payloadJSON, e.prevHash, e.hash]
                        rows.append("(\(binds: values))")
                        sequence = e.sequence
                        hash = e.hash
                    }
                    for part in stride(from: 0, to: rows.count, by: 250).map({ rows[$0..<min($0 + 250, rows.count)] }) {
                        try await db.raw(
                            "INSERT INTO events (statement_id, seq, kind, at, payload, prev_hash, hash) VALUES " + part.joined(separator: ", ")
                        ).run()
                    }
                }
            }
            done += n
        }
    }
}
