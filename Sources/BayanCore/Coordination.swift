import ArabicText
import Foundation

public enum CoordinatorRole: String, Sendable, Codable, CaseIterable {
    /// Sees and manages every statement and the directory, creates statements.
    case admin
    /// Manages only the statements granted to them (and statements they create).
    case coordinator
}

/// A person who runs statements: an admin, or a coordinator of the statements granted to them.
public struct Coordinator: Sendable, Equatable {
    public var id: String
    public var email: String
    public var passwordHash: String
    public var role: CoordinatorRole
    public var disabled: Bool
    public var createdAt: Date

    public init(id: String, email: String, passwordHash: String, role: CoordinatorRole, disabled: Bool, createdAt: Date) {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
    }
}

/// A server-side login session. Only the SHA-256 of the cookie value is stored, so a
/// database dump does not hand out live sessions. A session ends at `expiresAt` (12 hours
/// after sign-in) or after `idleLimit` without a request, whichever comes first: a
/// coordinator's laptop left open in an office does not stay signed in all day.
public struct Session: Sendable, Equatable {
    public var tokenHash: String
    public var coordinatorID: String
    public var csrfToken: String
    public var expiresAt: Date
    /// The last request seen, recorded at most every `touchInterval` (one write per few
    /// minutes of work, not one per page).
    public var lastSeenAt: Date

    public static let lifetime: TimeInterval = 12 * 3600
    public static let idleLimit: TimeInterval = 2 * 3600
    public static let touchInterval: TimeInterval = 5 * 60

    public init(tokenHash: String, coordinatorID: String, csrfToken: String, expiresAt: Date, lastSeenAt: Date) {
        self.tokenHash = tokenHash
        self.coordinatorID = coordinatorID
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }

    /// Whether the session still signs its coordinator in at `now`.
    public func isLive(at now: Date) -> Bool {
        now < expiresAt && now.timeIntervalSince(lastSeenAt) < Self.idleLimit
    }

    /// Whether a request at `now` should record itself as the last one seen.
    public func needsTouch(at now: Date) -> Bool {
        now.timeIntervalSince(lastSeenAt) >= Self.touchInterval
    }
}

/// What a coordinator's password must be: long enough that the login throttle makes
/// guessing hopeless. One rule for the CLI and the password page.
public enum PasswordRule {
    public static let minimumLength = 10
    public static let maximumLength = 200

    public static func accepts(_ password: String) -> Bool {
        (minimumLength...maximumLength).contains(password.count)
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

    public init(
        id: String, statementID: String, organizationName: String, createdAt: Date, expiresAt: Date, revoked: Bool,
        openedAt: Date?, uses: Int, endorsementID: String?
    ) {
        self.id = id
        self.statementID = statementID
        self.organizationName = organizationName
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revoked = revoked
        self.openedAt = openedAt
        self.uses = uses
        self.endorsementID = endorsementID
    }

    /// Why an invitation cannot be used now, or nil when it can.
    public func refusal(at now: Date) -> InvitationRefusal? {
        if revoked { return .revoked }
        if now >= expiresAt { return .expired }
        if endorsementID != nil { return .used }
        return nil
    }
}

/// Why an invitation link cannot be used.
public enum InvitationRefusal: String, Sendable, Error {
    case revoked, expired, used, unknown
}

/// A statement row: identity and lifecycle. Texts live in versions.
public struct StatementRecord: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    public var state: StatementState
    public var language: String
    public var foundingOrder: FoundingOrder
    public var createdAt: Date
    public var publishedAt: Date?

    public init(
        id: String, slug: String, state: StatementState, language: String, foundingOrder: FoundingOrder,
        createdAt: Date, publishedAt: Date?
    ) {
        self.id = id
        self.slug = slug
        self.state = state
        self.language = language
        self.foundingOrder = foundingOrder
        self.createdAt = createdAt
        self.publishedAt = publishedAt
    }

    /// Whether anyone may join from the public page now: the one rule the join page, the
    /// join route and the store all ask (the store's batched insert restates it in SQL from
    /// `StatementState.joinable`, inside the write).
    public var acceptsJoins: Bool { state.acceptsJoins && publishedAt != nil }
    /// Whether the statement has a public page (it was published, and may be closed since).
    public var isPublic: Bool { publishedAt != nil }
}

/// Where an invitation stands, as the coordinator's table shows it: it follows the
/// sign-on it led to, so a rejected or withdrawn sign-on is not shown as "signed"
/// (issue 16).
public enum InvitationStatus: String, Sendable, CaseIterable {
    case waiting, opened, expired, revoked
    /// Signed, and the sign-on awaits review.
    case awaitingReview
    case signed, rejected, withdrawn

    /// `invitation`'s status; `signedOn` is the sign-on it led to, when it did.
    public init(_ invitation: Invitation, signedOn: Endorsement?, at now: Date) {
        if invitation.endorsementID != nil {
            switch signedOn?.state {
            case .approved: self = .signed
            case .rejected: self = .rejected
            case .withdrawn: self = .withdrawn
            case .pending, .confirmed, nil: self = .awaitingReview
            }
        } else if invitation.revoked {
            self = .revoked
        } else if invitation.expiresAt <= now {
            self = .expired
        } else {
            self = invitation.openedAt != nil ? .opened : .waiting
        }
    }

    /// Whether a new link may replace this one: not once it led to a sign-on that stands
    /// (a rejected one may be given a second chance).
    public var mayBeRenewed: Bool {
        switch self {
        case .waiting, .opened, .expired, .revoked, .rejected: true
        case .awaitingReview, .signed, .withdrawn: false
        }
    }

    /// Whether the invitation still speaks for its organisation: a link that may be used,
    /// or one that led to a sign-on that stands. Inviting the same name again is then a
    /// mistake to warn about, not a second link to send.
    public var isStanding: Bool {
        switch self {
        case .waiting, .opened, .awaitingReview, .signed: true
        case .expired, .revoked, .rejected, .withdrawn: false
        }
    }

    /// Whether an organisation signed under another name than the one it was invited as:
    /// a link passed on. Spelling variants (ة/ه, hamza, the article) are the same name.
    public static func namesDiffer(_ invitation: Invitation, _ signedOn: Endorsement) -> Bool {
        DuplicateFinder.matchingKey(invitation.organizationName) != DuplicateFinder.matchingKey(signedOn.displayName)
    }
}

/// A phone number for reaching an organisation on WhatsApp, as people type it: spaces,
/// dashes, dots and brackets ignored, Arabic-Indic and Persian digits read as digits, the
/// international prefix written `+` or `00`. A number without its country code is
/// refused: Bayan's signers live in several countries, and a local number reaches no one.
public struct PhoneNumber: Sendable, Equatable, CustomStringConvertible {
    /// `+` and 8 to 15 digits (E.164).
    public let international: String

    public init?(_ typed: String) {
        var digits = ""
        var sawPlus = false
        for scalar in typed.unicodeScalars {
            if let digit = Self.digit(scalar) {
                digits.append(digit)
            } else if scalar == "+" && digits.isEmpty && !sawPlus {
                sawPlus = true
            } else if !(scalar == " " || scalar == "-" || scalar == "." || scalar == "(" || scalar == ")" || scalar == "\u{A0}"
                || ArabicText.isInvisibleFormat(scalar))
            {
                return nil
            }
        }
        if !sawPlus {
            guard digits.hasPrefix("00") else { return nil }
            digits.removeFirst(2)
        }
        guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
        international = "+" + digits
    }

    public var description: String { international }

    /// ASCII, Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits.
    static func digit(_ scalar: Unicode.Scalar) -> Character? {
        switch scalar.value {
        case 0x30...0x39: Character(scalar)
        case 0x660...0x669: Character(Unicode.Scalar(scalar.value - 0x660 + 0x30)!)
        case 0x6F0...0x6F9: Character(Unicode.Scalar(scalar.value - 0x6F0 + 0x30)!)
        default: nil
        }
    }
}

/// An organisation's private contact details as stored (sealed) with its sign-on: an
/// email, a phone number, or both, in one readable line for the coordinator.
public enum ContactDetails {
    public static func joined(email: String?, phone: PhoneNumber?) -> String {
        [email, phone?.international].compactMap { $0 }.joined(separator: " · ")
    }
}

/// A website allowed to frame a statement's embed: `https://host` or `https://host:port`
/// (`http` only for `localhost`), lower-cased, no path. Exactly what `frame-ancestors`
/// takes, so a value cannot add another directive to the policy.
public struct EmbedOrigin: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    /// At most this many per statement: a policy header stays small.
    public static let limit = 20

    public init?(_ typed: String) {
        var text = typed.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        let scheme: String
        if text.hasPrefix("https://") {
            scheme = "https://"
        } else if text.hasPrefix("http://localhost") || text.hasPrefix("http://127.0.0.1") {
            scheme = "http://"
        } else {
            return nil
        }
        let rest = text.dropFirst(scheme.count)
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty, host.count <= 253 else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            })
        else { return nil }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port), parts[1].allSatisfy(\.isNumber) else { return nil }
        }
        value = scheme + rest
    }

    public var description: String { value }
}

/// A coordinator's API token (issue 17): shown once, stored as a hash, limited to some of
/// the coordinator's statements (or all of them) and to reading or also writing, expiring.
public struct APIToken: Sendable, Equatable {
    public var id: String
    public var coordinatorID: String
    /// What the coordinator called it ("spreadsheet sync").
    public var name: String
    /// The statements it may act on; empty for every statement its coordinator manages,
    /// new ones included.
    public var statementIDs: Set<String>
    public var mayWrite: Bool
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(
        id: String, coordinatorID: String, name: String, statementIDs: Set<String>, mayWrite: Bool, createdAt: Date, expiresAt: Date,
        revokedAt: Date?
    ) {
        self.id = id
        self.coordinatorID = coordinatorID
        self.name = name
        self.statementIDs = statementIDs
        self.mayWrite = mayWrite
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Why the token may not be used now (revoked, expired), or nil.
    public func unusable(at now: Date) -> APITokenRefusal? {
        if revokedAt != nil { return .revoked }
        if now >= expiresAt { return .expired }
        return nil
    }

    /// Why the token may not act on `statementID` (nil: for a new statement), or nil.
    public func refusal(statementID: String?, write: Bool, at now: Date) -> APITokenRefusal? {
        if let unusable = unusable(at: now) { return unusable }
        if write && !mayWrite { return .readOnly }
        if let statementID, !statementIDs.isEmpty, !statementIDs.contains(statementID) { return .otherStatement }
        if statementID == nil && !statementIDs.isEmpty { return .otherStatement }
        return nil
    }

    /// Tokens last 1 to 365 days, like invitation links.
    public static let allowedDays = 1...365
}

/// Why a token was refused.
public enum APITokenRefusal: String, Sendable, Error {
    case unknown, revoked, expired, readOnly, otherStatement
}
