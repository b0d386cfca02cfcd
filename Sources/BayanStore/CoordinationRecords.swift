import BayanCore
import Foundation

public enum CoordinatorRole: String, Sendable, Codable, CaseIterable {
    /// Sees and manages every statement and the directory, creates statements.
    case admin
    /// Manages only the statements granted to them (and statements they create).
    case coordinator
}

public struct Coordinator: Sendable, Equatable {
    public var id: String
    public var email: String
    public var passwordHash: String
    public var role: CoordinatorRole
    public var disabled: Bool
    public var createdAt: Date
}

/// A server-side login session. Only the SHA-256 of the cookie value is stored, so a
/// database dump does not hand out live sessions.
public struct Session: Sendable, Equatable {
    public var tokenHash: String
    public var coordinatorID: String
    public var csrfToken: String
    public var expiresAt: Date

    public init(tokenHash: String, coordinatorID: String, csrfToken: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.coordinatorID = coordinatorID
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }
}

/// A capability link for one organisation to sign one statement. The token itself is
/// shown once to the coordinator and never stored; only its hash is.
public struct Invitation: Sendable, Equatable {
    public var id: String
    public var statementID: String
    public var organizationName: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revoked: Bool
    public var openedAt: Date?
    public var uses: Int
    public var endorsementID: String?

    /// Why an invitation cannot be used now, or nil when it can.
    public func refusal(at now: Date) -> InvitationRefusal? {
        if revoked { return .revoked }
        if now >= expiresAt { return .expired }
        if endorsementID != nil { return .used }
        return nil
    }
}

public enum InvitationRefusal: String, Sendable, Error {
    case revoked, expired, used, unknown
}
