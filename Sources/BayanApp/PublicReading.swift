import BayanCore
import BayanStore

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
}
