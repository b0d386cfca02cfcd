import BayanCore
import BayanStore
import Metrics

/// What a person or organisation submits on the public join form, already read and
/// checked by the edge (names cleaned, email's form), so equal submissions compare equal.
public struct JoinSubmission: Sendable, Equatable {
    public var kind: SignerKind
    public var name: String
    public var place: String?
    public var signer: String?
    public var role: String?
    public var email: String
    /// An organisation's WhatsApp number, besides its email (issue 16); kept with it as the
    /// sign-on's private contact.
    public var phone: PhoneNumber?
    /// The text the person read, which must still be the current one.
    public var versionHash: ContentHash
    public var visibility: Visibility

    public init(
        kind: SignerKind, name: String, place: String?, signer: String?, role: String?, email: String, versionHash: ContentHash,
        visibility: Visibility, phone: PhoneNumber? = nil
    ) {
        self.phone = phone
        self.kind = kind
        self.name = name
        self.place = place
        self.signer = signer
        self.role = role
        self.email = email
        self.versionHash = versionHash
        self.visibility = visibility
    }

    /// The private contact stored with the sign-on: the email, and the phone when given.
    public var contact: String { ContactDetails.joined(email: email, phone: phone) }

    /// Whether a stored join says exactly this (the same form sent again).
    func matches(_ e: Endorsement) -> Bool {
        e.signerKind == kind && e.displayName == name && e.place == place && e.contact == contact && e.signerName == signer
            && e.signerRole == role && e.versionHash == versionHash && e.visibility == visibility
    }
}

/// Joining a published statement after publication: one function for the web (and, later,
/// the API). A retried form (its answer lost) is recognised by the signer link derived from
/// its stamp and answers as the first time did.
public struct Joining: Sendable {
    let store: any Store

    public init(store: any Store) { self.store = store }

    public enum Outcome: Sendable, Equatable {
        /// Stored now.
        case joined
        /// The same form was stored before: answer as then.
        case retried
        /// The address joined before from another form and has not confirmed: the mail is
        /// on its way (the edge offers to send it again).
        case awaitingConfirmation
    }

    /// Stores the join; a refusal is an `AppError` (`join.duplicateEmail`, `error.duplicate`,
    /// `join.formUsed`, `error.stale`, `join.closed`, `join.differentRetry`), and a failure
    /// that is not the person's is `.failed`.
    public func join(
        _ submission: JoinSubmission, statementID: String, confirmTokenHash: String?, signerTokenHash: String, stampHash: String,
        origin: JoinOrigin, mail: OutboxMessage?, confirmationMailed: Bool
    ) async throws(AppError) -> Outcome {
        let store = self.store
        do {
            _ = try await store.join(
                statementID: statementID,
                NewEndorsement(
                    signerKind: submission.kind, displayName: submission.name, place: submission.place, signerName: submission.signer,
                    signerRole: submission.role, contact: submission.contact, versionHash: submission.versionHash,
                    visibility: submission.visibility),
                emailKey: submission.kind == .individual ? submission.email : nil, confirmTokenHash: confirmTokenHash,
                signerTokenHash: signerTokenHash, stampHash: stampHash, origin: origin, mail: mail)
            Self.count("joined")
            return .joined
        } catch {
            let earlier = try await attempt { () async throws(StoreError) in
                try await found { () async throws(StoreError) in try await store.endorsement(signerTokenHash: signerTokenHash) }
            }
            if let (statement, e) = earlier, statement.id == statementID {
                guard submission.matches(e) else {
                    throw AppError(.conflict, "join.differentRetry", "the same form was sent before with other content")
                }
                Self.count("retried")
                return .retried
            }
            if case .join(.duplicateEmail) = error, submission.kind == .individual, confirmationMailed {
                let state = try await attempt { () async throws(StoreError) in
                    try await found { () async throws(StoreError) in try await store.joinState(statementID: statementID, emailKey: submission.email) }
                }
                if state == .pending {
                    Self.count("awaiting-confirmation")
                    return .awaitingConfirmation
                }
            }
            Self.count("refused")
            throw AppError(error)
        }
    }

    /// Joins by outcome, for `/metrics`.
    static func count(_ outcome: String) { Counter(label: "bayan_joins", dimensions: [("outcome", outcome)]).increment() }

    /// Mails sent again to one address for one statement within an hour, at most.
    public static let resendsPerHour = 3

    /// Sends the confirmation again to an address that joined and has not confirmed: the
    /// new links replace those of the lost mail. Refusals: `join.resendLimited` (more than
    /// `resendsPerHour`), `join.duplicateEmail` (already confirmed), `join.expired` (no
    /// unconfirmed join under that address).
    public func resend(
        statementID: String, email: String, confirmTokenHash: String, signerTokenHash: String, mail: OutboxMessage
    ) async throws(AppError) {
        let store = self.store
        let allowed = try await attempt { () async throws(StoreError) in
            try await store.allow(bucket: "resend:\(statementID):\(store.contactLookupKey(email))", window: 3600, limit: Self.resendsPerHour)
        }
        guard allowed else { throw AppError(.rateLimited, "join.resendLimited", "too many confirmation mails to this address this hour") }
        do {
            _ = try await store.resendConfirmation(
                statementID: statementID, emailKey: email, confirmTokenHash: confirmTokenHash, signerTokenHash: signerTokenHash,
                mail: mail)
        } catch {
            switch error {
            case .notFound: throw AppError(.gone, "join.expired", "no unconfirmed join under this address")
            default: throw AppError(error)
            }
        }
    }
}
