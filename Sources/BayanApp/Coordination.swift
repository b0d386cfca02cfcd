import ArabicText
import BayanCore
import BayanStore
import Foundation

/// A capability link made for a name: the token is shown once and only its hash stored.
public struct IssuedLink: Sendable, Equatable {
    public let name: String
    public let token: String
}

/// What an invitation form gave: the links to send, whether the form had been sent
/// before (the links are then the first answer's), and the pasted names left out because
/// that organisation already holds a standing invitation (issue 16: a retry used to
/// invite the same organisation twice without a word).
public struct InvitationBatch: Sendable, Equatable {
    public let links: [IssuedLink]
    public let repeated: Bool
    public let alreadyInvited: [String]
}

/// What a coordinator decides about one sign-on.
public enum Moderation: Sendable, Equatable {
    case approve
    case reject(reason: String?)
    /// The sign-on is the same organisation as `into`: it is rejected as merged.
    case merge(into: String)
    case rename(String)
}

/// Everything a coordinator (or the operator at the command line) does to a statement:
/// one function each, taking typed input and the statement they may manage, enforcing the
/// rules of BayanCore through the store, and answering a typed result or an `AppError`.
/// The web, the CLI and the tests call these; none restates a rule.
public struct Coordination: Sendable {
    let store: any Store
    let tokens: DerivedTokens
    let now: @Sendable () -> Date

    public init(store: any Store, tokens: DerivedTokens, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.tokens = tokens
        self.now = now
    }

    /// The statement `slug` if `actor` may manage it: `.notFound`, else `.forbidden`.
    public func manage(slug: String, by actor: Actor) async throws(AppError) -> ManagedStatement {
        let store = self.store
        let record = try await attempt { () async throws(StoreError) in try await store.statement(slug: slug) }
        let allowed = try await attempt { () async throws(StoreError) in
            try await AccessRules.mayManage(actor, statementID: record.id) { () async throws(StoreError) in
                guard case .coordinator(let c) = actor else { return [] }
                return try await store.managedStatementIDs(coordinatorID: c.id)
            }
        }
        guard allowed else { throw AppError(.forbidden, "error.forbidden", "\(actor.name) does not manage \(slug)") }
        return ManagedStatement(record: record, actor: actor)
    }

    /// A new draft, granted to the coordinator who wrote it.
    public func createStatement(slug: Slug, language: String, title: String, body: String, by actor: Actor)
        async throws(AppError) -> StatementRecord
    {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let record = try await store.createStatement(slug: slug, language: language, title: title, body: body, author: actor.name)
            if case .coordinator(let c) = actor { try await store.grant(statementID: record.id, to: c.id) }
            return record
        }
    }

    /// A new version of the authoritative text (the same text again is no new version).
    public func revise(_ s: ManagedStatement, title: String, body: String) async throws(AppError) -> StatementVersion {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await store.addVersion(statementID: s.id, title: title, body: body, author: s.actor.name, reason: nil)
        }
    }

    public func translate(_ s: ManagedStatement, language: String, title: String, body: String) async throws(AppError) -> StatementVersion {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await store.addTranslation(statementID: s.id, language: language, title: title, body: body, author: s.actor.name)
        }
    }

    /// Moves the statement along its lifecycle; publishing numbers the founding list in `order`.
    public func changeState(_ s: ManagedStatement, to next: StatementState, order: FoundingOrder?) async throws(AppError) -> StatementRecord {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await store.changeState(statementID: s.id, to: next, foundingOrder: order)
        }
    }

    /// Records a form's one-use key with what the form said (see `SQLStore.claimSubmission`):
    /// the same key with other content is refused.
    public func claimForm(_ s: ManagedStatement, action: String, key: String, fields: [String: String]) async throws(AppError) {
        let content = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
        let submission = Submission(keyHash: Tokens.hash("form|\(s.id)|\(action)|\(key)"), contentHash: ContentHash.of(text: content).hex)
        let store = self.store
        _ = try await attempt { () async throws(StoreError) in try await store.claimSubmission(submission) }
    }

    /// Invitation links for `names` (and, with `alsoSignatoriesOf`, the organisations that
    /// signed that earlier statement and are not invited yet), valid for `lifetime`. A name
    /// (its duplicate-matching key: spelling variants fold together) that already holds a standing invitation (`InvitationStatus.isStanding`)
    /// or comes twice is invited once, and reported. The links are derived from `key`, the
    /// form's one-use key: sent twice, one batch, and the second answer shows the same
    /// links. Without a key (the CLI) a fresh one is made.
    public func invite(
        _ s: ManagedStatement, names: [String], alsoSignatoriesOf earlierSlug: String? = nil,
        lifetime: InvitationLifetime, key: String? = nil
    ) async throws(AppError) -> InvitationBatch {
        let store = self.store
        var all = names
        if let earlierSlug, !earlierSlug.isEmpty {
            // The earlier statement passes the same access rule: naming another
            // coordinator's statement is refused, not a way to read its signatories.
            let earlier = try await manage(slug: earlierSlug, by: s.actor)
            all += try await attempt { () async throws(StoreError) in
                let invited = Set(try await store.invitations(of: s.id).map { ArabicText.normalize($0.organizationName) })
                return try await store.organizationEndorsements(of: earlier.id)
                    .filter { $0.state == .approved && $0.signerKind == .organization && !invited.contains(ArabicText.normalize($0.displayName)) }
                    .map(\.displayName)
            }
        }
        guard !all.isEmpty else { throw AppError(.invalidInput, "inv.noNames", "no organisation to invite") }
        let at = now()
        let standing = try await attempt { () async throws(StoreError) in
            let signedOn = Dictionary(
                try await store.organizationEndorsements(of: s.id).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return Set(
                try await store.invitations(of: s.id)
                    .filter { InvitationStatus($0, signedOn: $0.endorsementID.flatMap { signedOn[$0] }, at: at).isStanding }
                    .map { DuplicateFinder.matchingKey($0.organizationName) })
        }
        var seen = Set<String>()
        var fresh: [String] = []
        var alreadyInvited: [String] = []
        for name in all {
            let folded = DuplicateFinder.matchingKey(name)
            // Standing before, or a second spelling of a name in this very list.
            if standing.contains(folded) || !seen.insert(folded).inserted {
                alreadyInvited.append(name)
            } else {
                fresh.append(name)
            }
        }
        let key = key ?? Tokens.make()
        // What the form said, not what it resolved to: a retry resolves the earlier
        // statement's signatories again, and those invited the first time are skipped.
        let content = ContentHash.of(text: (names + [earlierSlug ?? "", String(lifetime.days)]).joined(separator: "\u{1F}")).hex
        var batch: [(name: String, tokenHash: String)] = []
        var links: [IssuedLink] = []
        for (i, name) in fresh.enumerated() {
            let token = try await tokens.derive("invitation \(i) \(s.id)", from: key)
            batch.append((name, Tokens.hash(token)))
            links.append(IssuedLink(name: name, token: token))
        }
        let expiry = lifetime.expiry(from: at)
        // An empty batch still claims the key: a retry of a form whose names are all
        // invited by its first sending finds that sending's links below.
        let outcome = try await attempt { () async throws(StoreError) in
            try await store.createInvitations(
                statementID: s.id, batch, expiresAt: expiry,
                submission: Submission(keyHash: Tokens.hash("invitations|" + s.id + "|" + key), contentHash: content))
        }
        guard outcome == .repeated else { return InvitationBatch(links: links, repeated: false, alreadyInvited: alreadyInvited) }
        // The links of the first submission, which may name fewer organisations.
        return InvitationBatch(links: try await issued(s, key: key), repeated: true, alreadyInvited: [])
    }

    /// The links a batch made from `key` issued, in order (recovered from the key alone).
    func issued(_ s: ManagedStatement, key: String) async throws(AppError) -> [IssuedLink] {
        let store = self.store
        var first: [IssuedLink] = []
        for i in 0... {
            let token = try await tokens.derive("invitation \(i) \(s.id)", from: key)
            do {
                first.append(IssuedLink(name: try await store.invitation(tokenHash: Tokens.hash(token)).organizationName, token: token))
            } catch {
                if case .notFound = error { break }
                throw AppError(error)
            }
        }
        return first
    }

    /// A new link for one invitation that has not led to a standing sign-on (a lost
    /// message, an expired link, a rejected sign-on): the new one is made first, then the
    /// old one revoked, so a failure between the two leaves a working link. Derived from
    /// the form's `key`: sent twice, the second answer shows the same new link.
    public func renewInvitation(_ s: ManagedStatement, invitationID: String, key: String?) async throws(AppError) -> IssuedLink {
        let store = self.store
        let at = now()
        let (old, status) = try await attempt { () async throws(StoreError) in
            guard let old = try await store.invitations(of: s.id).first(where: { $0.id == invitationID }) else {
                throw StoreError.notFound("invitation")
            }
            var signedOn: Endorsement?
            if let id = old.endorsementID { signedOn = try await store.organizationEndorsements(of: s.id).first { $0.id == id } }
            return (old, InvitationStatus(old, signedOn: signedOn, at: at))
        }
        let key = "renew \(invitationID) " + (key ?? Tokens.make())
        let token = try await tokens.derive("invitation 0 \(s.id)", from: key)
        let outcome = try await attempt { () async throws(StoreError) in
            try await store.createInvitations(
                statementID: s.id, status.mayBeRenewed ? [(old.organizationName, Tokens.hash(token))] : [],
                expiresAt: InvitationLifetime.standard.expiry(from: at),
                submission: Submission(keyHash: Tokens.hash("invitations|" + s.id + "|" + key), contentHash: invitationID))
        }
        guard outcome == .repeated || status.mayBeRenewed else {
            throw AppError(.conflict, "inv.notRenewable", "invitation \(invitationID) led to a sign-on that stands")
        }
        if !old.revoked { try await revoke(s, invitationID: invitationID) }
        return IssuedLink(name: old.organizationName, token: token)
    }

    public func revoke(_ s: ManagedStatement, invitationID: String) async throws(AppError) {
        let store = self.store
        try await attempt { () async throws(StoreError) in try await store.revokeInvitation(statementID: s.id, invitationID: invitationID) }
    }

    /// Approves, rejects, merges or renames one sign-on. Each is idempotent: the same
    /// decision again changes nothing.
    public func moderate(_ s: ManagedStatement, endorsementID: String, _ decision: Moderation) async throws(AppError) {
        let store = self.store
        try await attempt { () async throws(StoreError) in
            switch decision {
            case .approve: _ = try await store.setEndorsementState(statementID: s.id, endorsementID: endorsementID, to: .approved, reason: nil)
            case .reject(let reason):
                _ = try await store.setEndorsementState(statementID: s.id, endorsementID: endorsementID, to: .rejected, reason: reason)
            case .merge(let into): try await store.merge(statementID: s.id, keep: into, drop: endorsementID)
            case .rename(let name): _ = try await store.rename(statementID: s.id, endorsementID: endorsementID, to: name)
            }
        }
    }

    /// Approves every organisation's sign-on awaiting review that has no probable
    /// duplicate; those with a candidate stay for a person to decide.
    public func approveUnambiguous(_ s: ManagedStatement) async throws(AppError) -> (approved: Int, heldBack: Int) {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            // Organisations only: individuals are confirmed by their email, not approved in
            // bulk (and a million of them are never loaded for this).
            let all = try await store.organizationEndorsements(of: s.id).filter { $0.state != .rejected }
            let flagged = Set(DuplicateFinder.flagged(in: all.map(\.displayName)).map { all[$0].id })
            let waiting = all.filter(SignatoryRules.awaitsReview)
            var approved = 0
            for e in waiting where !flagged.contains(e.id) {
                _ = try await store.setEndorsementState(statementID: s.id, endorsementID: e.id, to: .approved, reason: nil)
                approved += 1
            }
            return (approved, waiting.filter { flagged.contains($0.id) }.count)
        }
    }

    /// New private links for the signers who must re-confirm a changed text, derived from
    /// `key` (sent twice, the same links; the earlier ones stop working).
    public func reinvite(_ s: ManagedStatement, key: String? = nil) async throws(AppError) -> [IssuedLink] {
        let store = self.store
        let (all, current) = try await attempt { () async throws(StoreError) in
            (try await store.endorsements(of: s.id), try await store.currentVersion(of: s.id))
        }
        let key = key ?? Tokens.make()
        var links: [IssuedLink] = []
        for e in SignatoryRules.needingReconfirmation(all, currentHash: current.contentHash, textIsEditable: s.record.state.textIsEditable) {
            let token = try await tokens.derive("reinvite \(e.id)", from: key)
            try await attempt { () async throws(StoreError) in
                try await store.setSignerToken(statementID: s.id, endorsementID: e.id, tokenHash: Tokens.hash(token))
            }
            links.append(IssuedLink(name: e.displayName, token: token))
        }
        return links
    }

}
