import BayanStore
import Foundation
import Synchronization

/// What a load balancer or a supervisor asks: is the process alive (always, if it
/// answers), and may it take traffic (the database answers within a deadline and its
/// schema is current). Answers name no internals beyond that.
public struct Health: Sendable {
    let store: any Store
    /// How long the database may take to answer before the instance is "not ready".
    let deadline: Duration

    public init(store: any Store, deadline: Duration = .seconds(2)) {
        self.store = store
        self.deadline = deadline
    }

    public enum Readiness: Sendable, Equatable {
        case ready
        case databaseUnreachable
        case migrationsPending([String])

        public var isReady: Bool { self == .ready }

        public var description: String {
            switch self {
            case .ready: "ready"
            case .databaseUnreachable: "not ready: the database does not answer"
            case .migrationsPending(let names): "not ready: migrations pending (\(names.joined(separator: ", ")))"
            }
        }
    }

    /// Answers by the deadline whatever the database does: the check is raced, not awaited
    /// (a task group would wait for a connection attempt that ignores cancellation).
    public func readiness() async -> Readiness {
        let store = self.store
        let deadline = self.deadline
        let pending: [String]? = await withCheckedContinuation { continuation in
            let answered = Mutex(false)
            let answer: @Sendable ([String]?) -> Void = { value in
                if answered.withLock({ done in
                    defer { done = true }
                    return !done
                }) {
                    continuation.resume(returning: value)
                }
            }
            let timer = Task {
                try? await Task.sleep(for: deadline)
                answer(nil)
            }
            Task {
                answer(try? await store.pendingMigrations())
                timer.cancel()
            }
        }
        guard let pending else { return .databaseUnreachable }
        return pending.isEmpty ? .ready : .migrationsPending(pending)
    }
}
