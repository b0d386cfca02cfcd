import BayanCore
import BayanStore

/// An individual's email confirmation, the last step of joining: the link in the mail
/// opens a page (mail scanners fetch links, so the page confirms nothing), and its button
/// confirms. Both are idempotent; an unknown link is `.notFound` for every edge.
public struct Confirming: Sendable {
    let store: any Store

    public init(store: any Store) { self.store = store }

    /// What the confirmation link shows: the statement, its current title, the name
    /// joined, and whether it is already confirmed.
    public struct Pending: Sendable {
        public let statement: StatementRecord
        public let title: String
        public let name: String
        public let confirmed: Bool
    }

    public func open(token: String) async throws(AppError) -> Pending {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let (statement, e) = try await store.endorsementForConfirmation(tokenHash: Tokens.hash(token))
            let title = try await store.currentVersion(of: statement.id).title
            return Pending(statement: statement, title: title, name: e.displayName, confirmed: e.state != .pending)
        }
    }

    /// Confirms the join the link belongs to (pressed twice: one event, the same answer).
    public func confirm(token: String) async throws(AppError) -> StatementRecord {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.confirm(tokenHash: Tokens.hash(token)).0 }
    }
}
