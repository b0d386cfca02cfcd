import BayanCore
import BayanStore

/// Who does something: a signed-in coordinator, or the operator at the server's command
/// line (who holds the data directory, and so every statement). Capability holders
/// (invitation, private and confirmation links) are named by their token instead.
public enum Actor: Sendable, Equatable {
    case coordinator(Coordinator)
    case serverOperator

    /// The author recorded with a version or an event.
    public var name: String {
        switch self {
        case .coordinator(let c): c.email
        case .serverOperator: "cli"
        }
    }
}

/// A statement its actor may manage. Only `Coordination.manage` makes one, so every
/// coordinator action that takes it has passed the access rule exactly once.
public struct ManagedStatement: Sendable {
    public let record: StatementRecord
    public let actor: Actor
    public var id: String { record.id }
    public var slug: String { record.slug }

    init(record: StatementRecord, actor: Actor) {
        self.record = record
        self.actor = actor
    }
}

/// The access rule: admins and the server's operator manage every statement, other
/// coordinators those granted to them.
public enum AccessRules {
    public static func mayManage(_ actor: Actor, statementID: String, granted: () async throws(StoreError) -> Set<String>)
        async throws(StoreError) -> Bool
    {
        switch actor {
        case .serverOperator: return true
        case .coordinator(let c):
            if c.disabled { return false }
            if c.role == .admin { return true }
            return try await granted().contains(statementID)
        }
    }

    /// The directory is shared by every statement of the instance: admins and the operator
    /// edit it, other coordinators see it through the statements they manage.
    public static func mayEditDirectory(_ actor: Actor) -> Bool {
        switch actor {
        case .serverOperator: true
        case .coordinator(let c): !c.disabled && c.role == .admin
        }
    }
}
