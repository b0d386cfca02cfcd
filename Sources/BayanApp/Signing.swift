import BayanCore
import BayanStore
import Foundation
import Metrics

/// What an organisation's representative submits to sign: already read and checked by the
/// edge (lengths, letters, the email's form), so equal requests compare equal.
public struct SignOnRequest: Sendable, Equatable {
    public var name: String
    public var place: String?
    public var signer: String
    public var role: String?
    public var contact: String
    /// The text the signer read, which must still be the current one.
    public var versionHash: ContentHash

    public init(name: String, place: String?, signer: String, role: String?, contact: String, versionHash: ContentHash) {
        self.name = name
        self.place = place
        self.signer = signer
        self.role = role
        self.contact = contact
        self.versionHash = versionHash
    }

    /// Whether an earlier sign-on says exactly this (the same form sent again).
    func matches(_ e: Endorsement) -> Bool {
        e.displayName == name && e.place == place && e.signerName == signer && e.signerRole == role && e.contact == contact
            && e.versionHash == versionHash
    }
}

/// What an invitation link opens.
public enum OpenedInvitation: Sendable {
    /// The sign-on form: the invitation, its statement and the text to sign.
    case form(Invitation, StatementRecord, StatementVersion)
    /// The invitation has signed: its signer's private link (derived again from the token).
    case signed(privateToken: String)
}

/// How a sign-on ended.
public enum SignOnOutcome: Sendable, Equatable {
    /// Stored now.
    case signed(privateToken: String)
    /// The same form again (its answer lost): what was stored before, unchanged.
    case repeated(privateToken: String)
    /// This invitation already signed with other details: nothing changed.
    case differs(privateToken: String)

    public var privateToken: String {
        switch self {
        case .signed(let t), .repeated(let t), .differs(let t): t
        }
    }
}

/// A sign-on as its signer sees it through their private link.
public struct SignerView: Sendable {
    public let statement: StatementRecord
    public let endorsement: Endorsement
    public let current: StatementVersion
    /// `SignatoryRules.needsReconfirmation`: the text changed since they signed.
    public let needsReconfirmation: Bool
    public var canWithdraw: Bool { endorsement.state != .withdrawn && endorsement.state != .rejected }
}

/// Everything a signer does, holding an invitation link or their private link: the token
/// is the capability, only its hash is stored. The signer's private link is derived from
/// the invitation token, so a sign-on sent again on a poor connection finds the one it made.
public struct Signing: Sendable {
    let store: any Store
    let tokens: DerivedTokens
    let now: @Sendable () -> Date

    public init(store: any Store, tokens: DerivedTokens, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.tokens = tokens
        self.now = now
    }

    /// Opens an invitation link (recording that it was opened when `markOpened`): the form,
    /// or the private link when it has signed; `.notFound` for an unknown token, `.gone`
    /// (revoked, expired, used) otherwise.
    public func open(invitationToken token: String, markOpened: Bool) async throws(AppError) -> OpenedInvitation {
        let store = self.store
        let invitation: Invitation
        do { invitation = try await store.invitation(tokenHash: Tokens.hash(token)) } catch {
            if case .notFound = error { throw AppError(.notFound, "invite.unknown", "unknown invitation token") }
            throw AppError(error)
        }
        if let refusal = invitation.refusal(at: now()) {
            let privateToken = try await tokens.derive("signer", from: token)
            if try await signedWith(privateToken: privateToken) != nil { return .signed(privateToken: privateToken) }
            throw AppError(.gone, "invite.\(refusal.rawValue)", "this invitation link is \(refusal.rawValue)")
        }
        return try await attempt { () async throws(StoreError) in
            if markOpened { try await store.markOpened(invitationID: invitation.id) }
            let statement = try await store.statement(id: invitation.statementID)
            return .form(invitation, statement, try await store.currentVersion(of: statement.id))
        }
    }

    /// Signs through an invitation. The same request again is `.repeated`, other details
    /// under a used invitation `.differs`; a changed text is `.staleVersion`, an organisation
    /// that already signed `.conflict`, a link that cannot be used `.gone`. `receipt` writes
    /// the mail that carries the signer's private link (given the private token and the
    /// title signed); it is stored with the sign-on, once, and not again for a retry.
    public func signOn(
        invitationToken token: String, _ request: SignOnRequest,
        receipt: (@Sendable (_ privateToken: String, _ title: String) -> OutboxMessage)? = nil
    ) async throws(AppError) -> SignOnOutcome {
        let store = self.store
        // Derived once: the link this sign-on gives, and the one an earlier send made.
        let privateToken = try await tokens.derive("signer", from: token)
        if let outcome = try await retried(privateToken: privateToken, request) { return outcome }
        guard case .form(let invitation, _, let version) = try await open(invitationToken: token, markOpened: false) else {
            // Signed between the two reads: answered as a retry.
            guard let outcome = try await retried(privateToken: privateToken, request) else {
                throw AppError(.gone, "invite.used", "this invitation link is used")
            }
            return outcome
        }
        do {
            _ = try await store.signOn(
                invitationID: invitation.id,
                NewEndorsement(
                    displayName: request.name, place: request.place, signerName: request.signer, signerRole: request.role,
                    contact: request.contact, versionHash: request.versionHash),
                signerTokenHash: Tokens.hash(privateToken), receipt: receipt?(privateToken, version.title))
        } catch {
            // The same form sent twice at once: the other request signed first.
            if case .invitation(.used) = error, let outcome = try await retried(privateToken: privateToken, request) { return outcome }
            if case .invitation(let refusal) = error {
                throw AppError(.gone, "invite.\(refusal.rawValue)", error.description)
            }
            throw AppError(error)
        }
        Counter(label: "bayan_sign_ons").increment()
        return .signed(privateToken: privateToken)
    }

    /// The sign-on behind a private link.
    public func signer(privateToken token: String) async throws(AppError) -> SignerView {
        let store = self.store
        let (statement, e) = try await endorsement(privateToken: token)
        let current = try await attempt { () async throws(StoreError) in try await store.currentVersion(of: statement.id) }
        return SignerView(
            statement: statement, endorsement: e, current: current,
            needsReconfirmation: SignatoryRules.needsReconfirmation(
                e, currentHash: current.contentHash, textIsEditable: statement.state.textIsEditable))
    }

    /// The signer's receipt (issue 13): the event of the log that records their sign-on,
    /// its place in the log, and, once a head covering it is signed, the proof that it is
    /// in that head. Kept by the signer, it shows later that the instance recorded them,
    /// with the text hash they agreed to, whatever the page says then.
    public func receipt(privateToken token: String) async throws(AppError) -> ReceiptFile {
        let store = self.store
        let (statement, e) = try await endorsement(privateToken: token)
        return try await attempt { () async throws(StoreError) in
            let index = try await store.eventIndex(adding: e.id, of: statement.id)
            let head = try await store.latestTreeHead(of: statement.id).flatMap { $0.size > index ? $0 : nil }
            // Without a head covering it there is no proof to give, only the event.
            let (event, proof): (PublicEvent, [MerkleTree.Hash])
            if let head {
                (event, proof) = try await store.inclusionProof(of: statement.id, index: index, size: head.size)
            } else {
                guard let stored = try await store.events(of: statement.id, from: index + 1, limit: 1).first else {
                    throw StoreError.notFound("event \(index + 1)")
                }
                (event, proof) = (stored.publicEvent, [])
            }
            return ReceiptFile(
                statement: statement.id, slug: statement.slug, endorsement: e.id, name: e.displayName, agreedTo: e.versionHash.hex,
                event: event, leafIndex: index, head: head, proof: proof.map(ContentHash.hex))
        }
    }

    /// Agrees to the current text again (`.staleVersion` when it changed meanwhile).
    public func reconfirm(privateToken token: String, versionHash: ContentHash) async throws(AppError) {
        let store = self.store
        let (statement, e) = try await endorsement(privateToken: token)
        _ = try await attempt { () async throws(StoreError) in
            try await store.reconfirm(statementID: statement.id, endorsementID: e.id, versionHash: versionHash)
        }
    }

    /// Withdraws the signature; a withdrawn one stays withdrawn (sent twice, one effect).
    public func withdraw(privateToken token: String) async throws(AppError) {
        let store = self.store
        let (statement, e) = try await endorsement(privateToken: token)
        if e.state == .withdrawn { return }
        _ = try await attempt { () async throws(StoreError) in
            try await store.setEndorsementState(statementID: statement.id, endorsementID: e.id, to: .withdrawn, reason: "signer")
        }
    }

    /// Erases the signer's own contact details (their address, and where a join came
    /// from); the sign-on stays listed. Erased already: nothing more happens.
    public func eraseContact(privateToken token: String) async throws(AppError) {
        let store = self.store
        let (_, e) = try await endorsement(privateToken: token)
        if e.contact == nil { return }
        _ = try await attempt { () async throws(StoreError) in try await store.eraseContact(signerTokenHash: Tokens.hash(token)) }
    }

    // MARK: -

    func endorsement(privateToken token: String) async throws(AppError) -> (StatementRecord, Endorsement) {
        do { return try await store.endorsement(signerTokenHash: Tokens.hash(token)) } catch {
            if case .notFound = error { throw AppError(.notFound, "invite.unknown", "unknown private link") }
            throw AppError(error)
        }
    }

    /// The sign-on an invitation made, found by the private link its token derives (nil when
    /// it has not signed, or a coordinator's re-invitation has replaced that link).
    func signedWith(privateToken: String) async throws(AppError) -> Endorsement? {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await found { () async throws(StoreError) in try await store.endorsement(signerTokenHash: Tokens.hash(privateToken)).1 }
        }
    }

    /// The answer to a sign-on sent again after it signed, or nil when it has not signed.
    func retried(privateToken: String, _ request: SignOnRequest) async throws(AppError) -> SignOnOutcome? {
        guard let e = try await signedWith(privateToken: privateToken) else { return nil }
        return request.matches(e) ? .repeated(privateToken: privateToken) : .differs(privateToken: privateToken)
    }
}
