import BayanCore
import Foundation
import SQLKit

/// Each statement's Merkle tree as stored subtree hashes (`StoredTree`, migration 0013):
/// extended from the events that arrived since the last time, then roots and proofs
/// answered from a few hundred stored hashes and at most a few chunks of events.
extension SQLStore {
    /// The root of the statement's first `size` events.
    public func treeRoot(of statementID: String, size: Int) async throws(StoreError) -> MerkleTree.Hash {
        let (tree, _) = try await storedTree(statementID, positions: StoredTree.positions(size: size), size: size)
        return try Self.answer { () throws(StoredTreeError) in try tree.root(size: size) }
    }

    /// Event `index` (from 0) of the first `size`, in its public form, and its audit path.
    public func inclusionProof(of statementID: String, index: Int, size: Int) async throws(StoreError)
        -> (event: PublicEvent, proof: [MerkleTree.Hash])
    {
        let (tree, events) = try await storedTree(statementID, positions: StoredTree.positions(index: index, size: size), size: size)
        let proof = try Self.answer { () throws(StoredTreeError) in try tree.inclusionProof(index: index, size: size) }
        guard let event = events[index] else { throw StoreError.notFound("event \(index + 1)") }
        return (event.publicEvent, proof)
    }

    /// The proof that the first `from` events' tree is a prefix of the first `to`'s.
    public func consistencyProof(of statementID: String, from: Int, to: Int) async throws(StoreError) -> [MerkleTree.Hash] {
        let (tree, _) = try await storedTree(statementID, positions: StoredTree.positions(from: from, size: to), size: to)
        return try Self.answer { () throws(StoredTreeError) in try tree.consistencyProof(from: from, size: to) }
    }

    static func answer<T>(_ body: () throws(StoredTreeError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError.database("\(error)") }
    }

    /// What `StoredTree.needed` names, loaded (in one query for the hashes and one for the
    /// events), after the stored tree is extended to `size`; with the events loaded.
    func storedTree(_ statementID: String, positions: [Int], size: Int) async throws(StoreError) -> (tree: StoredTree, events: [Int: Event]) {
        try await extendTree(statementID, size: size)
        let need = StoredTree.needed(positions: positions, size: size)
        return try await Self.wrap {
            try await self.handle.read { db in
                var tree = StoredTree()
                if !need.nodes.isEmpty {
                    let query = Self.unionAll(
                        need.nodes.map { part in
                            """
                            SELECT level, idx, hash FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = \(bind: part.level)
                              AND idx >= \(bind: part.range.lowerBound) AND idx < \(bind: part.range.upperBound)
                            """
                        })
                    for row in try await db.raw(query).all() {
                        tree.nodes[try row.decode(column: "level", as: Int.self), default: [:]][try row.decode(column: "idx", as: Int.self)] =
                            try Self.nodeHash(row)
                    }
                }
                var events: [Int: Event] = [:]
                if !need.leaves.isEmpty {
                    // Sequence numbers count from 1, leaf indices from 0.
                    let query = Self.unionAll(
                        need.leaves.map { range in
                            """
                            SELECT * FROM events WHERE statement_id = \(bind: statementID) AND seq > \(bind: range.lowerBound)
                              AND seq <= \(bind: range.upperBound)
                            """
                        })
                    for row in try await db.raw(query).all() {
                        let e = try Self.decodeEvent(row)
                        events[e.sequence - 1] = e
                        tree.leaves[e.sequence - 1] = e.leafHash
                    }
                }
                return (tree, events)
            }
        }
    }

    /// Stores the subtree hashes the first `size` events complete that are not stored yet,
    /// level by level (each level in order, so the next to add is one past the highest,
    /// found on the primary key; each built from 16 of the level below). Idempotent: two
    /// instances extending at once write the same hashes.
    public func extendTree(_ statementID: String, size: Int) async throws(StoreError) {
        let levels = StoredTree.levels
        let stored = try await Self.wrap {
            try await self.handle.read { db in
                var query = SQLQueryString("SELECT ")
                for (n, level) in levels.enumerated() {
                    if n > 0 { query.appendLiteral(", ") }
                    query.appendLiteral("(SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_nodes WHERE statement_id = ")
                    query.appendInterpolation(bind: statementID)
                    query.appendLiteral(" AND level = \(level)) AS l\(level)")
                }
                let row = try await db.raw(query).first()
                return try levels.map { try row?.decode(column: "l\($0)", as: Int.self) ?? 0 }
            }
        }
        guard zip(levels, stored).contains(where: { level, have in have < size >> level }) else { return }
        for (n, level) in levels.enumerated() {
            let want = size >> level
            var next = stored[n]
            while next < want {
                let count = min(want - next, 4096)
                // The children: leaves from the events for the first level, else the level below.
                let children: [MerkleTree.Hash]
                if n == 0 {
                    children = try await events(of: statementID, from: (next << 4) + 1, limit: count << 4).map(\.leafHash)
                } else {
                    let below = levels[n - 1]
                    let first = next << 4
                    let end = (next + count) << 4
                    children = try await Self.wrap {
                        try await self.handle.read { db in
                            try await db.raw(
                                """
                                SELECT hash FROM tree_nodes WHERE statement_id = \(bind: statementID) AND level = \(bind: below)
                                  AND idx >= \(bind: first) AND idx < \(bind: end) ORDER BY idx
                                """
                            ).all().map(Self.nodeHash)
                        }
                    }
                }
                guard children.count == count << 4 else {
                    throw StoreError.database("the tree of \(statementID) lacks what level \(level) is built from (at \(next << 4))")
                }
                let built = (0..<count).map { j in (next + j, MerkleTree.root(children[(j << 4)..<((j + 1) << 4)])) }
                try await insertNodes(statementID, level: level, built)
                next += count
            }
        }
    }

    /// One statement of several ranges, each its own branch on the primary key (an OR of
    /// ranges made SQLite walk every row of the statement).
    static func unionAll(_ parts: [SQLQueryString]) -> SQLQueryString {
        var query = SQLQueryString("")
        for (n, part) in parts.enumerated() {
            if n > 0 { query.appendLiteral(" UNION ALL ") }
            query.appendInterpolation(part)
        }
        return query
    }

    /// A stored subtree hash; one that is not hex is an error, never a wrong root.
    static func nodeHash(_ row: any SQLRow) throws -> MerkleTree.Hash {
        let hex = try row.decode(column: "hash", as: String.self)
        guard let hash = ContentHash.bytes(hex: hex), hash.count == 32 else { throw StoreError.database("a stored tree hash is not a hash: \(hex)") }
        return hash
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
