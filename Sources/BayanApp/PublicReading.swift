import BayanCore
import BayanStore
import Foundation

/// What anyone may read without signing in: published statements only
/// (`StatementRecord.isPublic`, the one rule), their pages, feed and current text. A
/// statement that is not public is `nil` here, as one that does not exist, so a draft's
/// slug cannot be probed.
public struct PublicReading: Sendable {
    let store: any Store

    public init(store: any Store) { self.store = store }

    /// Bumped by every local write: the generation of the public page cache.
    public var changeCount: Int { store.changeCount }

    /// Changes whenever anything about the statement changes, in any instance; nil when
    /// there is no such statement.
    public func revision(slug: String) async throws(AppError) -> String? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await found { () async throws(StoreError) in try await store.revision(slug: slug) }
        }
    }

    /// The public statements with their titles and counts, as the home page lists them.
    public func statements() async throws(AppError) -> [StatementSummary] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.statementSummaries().filter(\.statement.isPublic) }
    }

    /// The newest `limit` public statements with their current text, for the feed.
    public func newest(_ limit: Int) async throws(AppError) -> [(summary: StatementSummary, body: String)] {
        let store = self.store
        let newest = try await statements().sorted { $0.statement.publishedAt! > $1.statement.publishedAt! }.prefix(limit)
        return try await attempt { () async throws(StoreError) in
            var out: [(summary: StatementSummary, body: String)] = []
            for s in newest { out.append((s, try await store.currentVersion(of: s.statement.id).body)) }
            return out
        }
    }

    /// A public statement and its current text (the join page), or nil.
    public func statement(slug: String) async throws(AppError) -> (StatementRecord, StatementVersion)? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            guard let record = try await found({ () async throws(StoreError) in try await store.statement(slug: slug) }), record.isPublic else {
                return nil
            }
            return (record, try await store.currentVersion(of: record.id))
        }
    }

    /// What a public statement's page shows, with page `page` of its individuals, or nil.
    public func snapshot(slug: String, page: Int = 1) async throws(AppError) -> StatementSnapshot? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            guard
                let snapshot = try await found({ () async throws(StoreError) in
                    try await StatementSnapshot.load(slug: slug, store: store, individualsPage: page)
                }),
                snapshot.statement.isPublic
            else { return nil }
            return snapshot
        }
    }

    /// A public statement's named individuals after `cursor` (keyset, the API), or nil.
    public func individuals(slug: String, after cursor: IndividualCursor?, limit: Int) async throws(AppError) -> IndividualPage? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            guard let record = try await found({ () async throws(StoreError) in try await store.statement(slug: slug) }), record.isPublic else {
                return nil
            }
            return try await store.individuals(of: record.id, after: cursor, limit: limit)
        }
    }

    // MARK: Signed heads and proofs (issue 13)

    /// A public statement's newest signed tree head, or nil (no such statement, not
    /// public, or no head signed yet).
    public func treeHead(slug: String) async throws(AppError) -> TreeHead? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            guard let record = try await found({ () async throws(StoreError) in try await store.statement(slug: slug) }), record.isPublic else {
                return nil
            }
            return try await store.latestTreeHead(of: record.id)
        }
    }

    /// A public statement's id and the number of events in its log, or nil.
    func logSize(slug: String) async throws(AppError) -> (id: String, size: Int)? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            guard let record = try await found({ () async throws(StoreError) in try await store.statement(slug: slug) }), record.isPublic,
                let revision = try await found({ () async throws(StoreError) in try await store.revision(slug: slug) })
            else { return nil }
            return (record.id, Revision.eventCount(revision))
        }
    }

    /// The proof that the log's first `to` events extend its first `from` (RFC 9162);
    /// nil for no such public statement. Sizes outside 1 ≤ from ≤ to ≤ the log's are
    /// `invalidInput`.
    public func consistencyProof(slug: String, from: Int, to: Int) async throws(AppError) -> [MerkleTree.Hash]? {
        guard let (id, size) = try await logSize(slug: slug) else { return nil }
        guard from >= 1, from <= to, to <= size else {
            throw AppError(.invalidInput, "proof.range", "sizes must satisfy 1 ≤ from ≤ to ≤ \(size)")
        }
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.consistencyProof(of: id, from: from, to: to) }
    }

    /// Event `index` (0-based) of the first `size` events, with its audit path; nil for no
    /// such public statement.
    public func inclusionProof(slug: String, index: Int, size: Int) async throws(AppError) -> (leaf: MerkleTree.Hash, proof: [MerkleTree.Hash])? {
        guard let (id, logSize) = try await logSize(slug: slug) else { return nil }
        guard index >= 0, index < size, size <= logSize else {
            throw AppError(.invalidInput, "proof.range", "sizes must satisfy 0 ≤ index < size ≤ \(logSize)")
        }
        let store = self.store
        let (event, proof) = try await attempt { () async throws(StoreError) in
            try await store.inclusionProof(of: id, index: index, size: size)
        }
        return (event.leafHash, proof)
    }
}

// MARK: The public log and the manifest (issue 13)

extension PublicReading {
    /// The most events one page of the public log holds.
    public static let logPageLimit = 1000

    /// Up to `limit` events of a public statement's log from sequence `from` (1 = the
    /// first), in their public form; nil for no such public statement.
    public func log(slug: String, from: Int, limit: Int) async throws(AppError) -> LogFile? {
        guard from >= 1, limit >= 1, limit <= Self.logPageLimit else {
            throw AppError(.invalidInput, "proof.range", "from must be 1 or more and limit between 1 and \(Self.logPageLimit)")
        }
        guard let (id, size) = try await logSize(slug: slug) else { return nil }
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let events = try await store.events(of: id, from: from, limit: limit).filter { $0.sequence <= size }
            return LogFile(statement: id, size: size, from: from, events: events.map(\.publicEvent))
        }
    }

    /// What a public statement's page asserts, with a signed head of exactly the log it
    /// was read with, signed by `key` (a head is signed now when the newest does not cover
    /// the whole log); nil for no such public statement. Read again when the statement
    /// changed while it was being read.
    public func manifest(slug: String, key: SigningKey, now: Date) async throws(AppError) -> Manifest? {
        let store = self.store
        for _ in 0..<5 {
            guard let before = try await revision(slug: slug), let snapshot = try await snapshot(slug: slug) else { return nil }
            let statementID = snapshot.statement.id
            let made = try await attempt { () async throws(StoreError) -> Manifest? in
                // The page was read with exactly `size` events in the log, or it is read again.
                guard try await store.revision(slug: slug) == before else { return nil }
                let size = Revision.eventCount(before)
                var head = try await store.latestTreeHead(of: statementID)
                if head?.size != size {
                    let root = try await store.treeRoot(of: statementID, size: size)
                    let fresh = TreeHead.sign(statementID: statementID, size: size, root: root, atMillis: now.millis, key: key)
                    try await store.addTreeHead(fresh)
                    head = fresh
                }
                return Self.manifest(snapshot, head: head!, key: key)
            }
            if let made { return made }
        }
        throw AppError(.conflict, "error.body", "the statement kept changing while its manifest was read; try again")
    }

    static func manifest(_ s: StatementSnapshot, head: TreeHead, key: SigningKey) -> Manifest {
        let entries = s.publicData.signatories
        func list(_ name: String) -> [LogReplay.ListEntry] {
            entries.filter { $0.list == name }.map { LogReplay.ListEntry(number: $0.number ?? 0, name: $0.name, place: $0.place, status: $0.status) }
        }
        func text(_ v: StatementVersion, number: Int?) -> Manifest.Text {
            Manifest.Text(language: v.language, title: v.title, body: v.body, hash: v.contentHash.hex, number: number)
        }
        var m = Manifest(
            statement: s.statement.id, slug: s.statement.slug, state: s.statement.state.rawValue,
            publishedAt: s.statement.publishedAt?.millis, text: text(s.version, number: s.version.number),
            translations: s.versions.filter { $0.translationOf == s.version.contentHash }.map { text($0, number: nil) },
            founding: list("founding"), later: list("later"),
            individuals: IndividualCount(counted: s.individuals.total, named: s.individuals.shown), head: head)
        m.sign(with: key)
        return m
    }
}
