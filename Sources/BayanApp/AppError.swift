import BayanCore
import BayanStore

/// Every refusal of the application layer: a stable code for programs (the CLI's exit
/// message, a future JSON API), the translation key of the message a person reads, and an
/// English detail for the command line and the log. `failed` is the one code that is not
/// the user's doing: edges log it and show a page that names no internals.
public struct AppError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case notFound = "not-found"
        case forbidden
        case invalidInput = "invalid-input"
        case conflict
        case staleVersion = "stale-version"
        case formReused = "form-reused"
        /// A capability link that worked once and no longer does (revoked, expired, used).
        case gone
        /// Too many attempts of one kind in a while; try later.
        case rateLimited = "rate-limited"
        case failed
    }

    public let code: Code
    /// The key of the message in the translation tables.
    public let messageKey: String
    /// What happened, in English, for the CLI and the log; never shown on a page.
    public let detail: String

    public init(_ code: Code, _ messageKey: String, _ detail: String) {
        self.code = code
        self.messageKey = messageKey
        self.detail = detail
    }

    public var description: String { detail }

    /// The one translation of store and domain refusals into application errors.
    public init(_ error: StoreError) {
        switch error {
        case .notFound: self.init(.notFound, "notFound.body", error.description)
        case .slugTaken: self.init(.conflict, "error.slug", error.description)
        case .duplicateOrganization: self.init(.conflict, "error.duplicate", error.description)
        case .staleVersion: self.init(.staleVersion, "error.stale", error.description)
        case .invitation(let refusal): self.init(.conflict, "invite.\(refusal.rawValue)", error.description)
        case .join(.duplicateEmail): self.init(.conflict, "join.duplicateEmail", error.description)
        case .join(.duplicateOrganization): self.init(.conflict, "error.duplicate", error.description)
        case .join(.notPublished): self.init(.conflict, "join.closed", error.description)
        case .join(.formUsed): self.init(.conflict, "join.formUsed", error.description)
        case .domain(let domain): self.init(domain)
        case .conflict: self.init(.conflict, "error.state", error.description)
        case .submissionReused: self.init(.formReused, "form.keyReused", error.description)
        case .database, .contactKey: self.init(.failed, "error.body", error.description)
        }
    }

    public init(_ error: DomainError) {
        switch error {
        case .illegalTransition, .textFrozen, .notAcceptingSignatures, .alreadyNumbered, .alreadyWithdrawn,
            .invalidEndorsementTransition:
            self.init(.conflict, "error.state", error.description)
        case .emptyName: self.init(.invalidInput, "error.required", error.description)
        case .fieldTooLong: self.init(.invalidInput, "error.tooLong", error.description)
        case .invalidSlug: self.init(.invalidInput, "error.slug", error.description)
        case .noVisibleLetter: self.init(.invalidInput, "error.noLetter", error.description)
        case .spoofingCharacter: self.init(.invalidInput, "error.spoofing", error.description)
        case .invalidInvitationLifetime: self.init(.invalidInput, "inv.daysRange", error.description)
        }
    }
}

/// Runs a store call and turns its refusal into an `AppError`.
/// Runs a store call, turning `.notFound` into nil: for lookups where "not there" is an
/// answer (a retried form not stored yet, a 404 page), not a failure.
public func found<T>(_ op: () async throws(StoreError) -> T) async throws(StoreError) -> T? {
    do {
        return try await op()
    } catch {
        if case .notFound = error { return nil }
        throw error
    }
}

func attempt<T>(_ op: () async throws(StoreError) -> T) async throws(AppError) -> T {
    do { return try await op() } catch { throw AppError(error) }
}
