import BayanCore
import BayanStore
import Foundation

extension Coordination {
    /// How long the coordinator's signals look back.
    public static let signalHours = 24

    /// Joins of the last day per network and per email domain, busiest first: what a
    /// coordinator looks at when a statement draws a flood (issue 12).
    public func joinSignals(_ s: ManagedStatement) async throws(AppError) -> JoinSignals {
        let since = now().addingTimeInterval(-Double(Self.signalHours) * 3600)
        return try await attempt { () async throws(StoreError) in try await store.joinSignals(statementID: s.id, since: since) }
    }

    /// Sets aside every join from one network, one email domain or one time window, with a
    /// reason: they stop counting, stay listed as rejected, and one event in the log names
    /// them, so nothing is erased. Returns how many were set aside.
    public func invalidateJoins(_ s: ManagedStatement, _ selection: JoinSelection, reason: String) async throws(AppError) -> Int {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, Limits.fits(reason, limit: 300) else {
            throw AppError(.invalidInput, "signals.reasonMissing", "a reason is required (at most 300 characters)")
        }
        switch selection {
        case .network(let value), .domain(let value), .name(key: let value):
            guard !value.isEmpty, value.count <= 253 else { throw AppError(.invalidInput, "signals.badSelection", "nothing selected") }
        case .window(let from, let to):
            guard from < to else { throw AppError(.invalidInput, "signals.badSelection", "the window ends before it starts") }
        }
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await store.invalidateJoins(statementID: s.id, selection, reason: reason).count
        }
    }

    /// Names under which several sign-ons wait: the moderation queue shows each once with
    /// its count, and a flood of one name is set aside in one step.
    public func repeatedNames(_ s: ManagedStatement) async throws(AppError) -> [RepeatedName] {
        try await attempt { () async throws(StoreError) in try await store.repeatedPendingNames(statementID: s.id) }
    }
}
