import BayanCore
import BayanStore
import Foundation

/// Signers' contact details are kept only as long as `ContactRetention` says: every closed
/// statement past it has them erased (by `bayan serve` hourly, or `bayan contacts purge`),
/// and the operator may erase one statement's at once.
public struct Retention: Sendable {
    let store: any Store
    let rule: ContactRetention
    let now: @Sendable () -> Date

    public init(store: any Store, rule: ContactRetention = ContactRetention(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.rule = rule
        self.now = now
    }

    /// Erases the contacts of every statement closed longer than the rule allows; returns
    /// each statement purged with the number of sign-ons that held contact details.
    public func purgeDue() async throws(AppError) -> [(slug: String, count: Int)] {
        let store = self.store
        let clock = self.now
        let rule = self.rule
        return try await attempt { () async throws(StoreError) in
            var purged: [(String, Int)] = []
            let candidates = try await store.closedWithContacts()
            // The clock is read only when there is something to decide.
            guard !candidates.isEmpty else { return [] }
            let now = clock()
            for (statement, closedAt) in candidates where rule.isDue(closedAt: closedAt, now: now) {
                let count = try await store.purgeContacts(statementID: statement.id, reason: "retention: \(rule.days) days after closing")
                purged.append((statement.slug, count))
            }
            return purged
        }
    }

    /// Forgets rate-limit windows older than a day (PostgreSQL keeps them in a table, named
    /// by client address); returns how many.
    public func pruneRateLimits() async throws(AppError) -> Int {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.pruneRateLimits() }
    }

    /// Erases one statement's contacts now, whatever its state (the operator's decision).
    public func purge(_ s: ManagedStatement) async throws(AppError) -> Int {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.purgeContacts(statementID: s.id, reason: "operator") }
    }
}
