import ArabicText
import BayanCore
import Foundation
import SQLKit

/// Coordinators, sessions, invitations and sign-on: the writes of the coordinating
/// workflow, each one transaction that also appends to the statement's event log.
extension SQLStore {
    // MARK: Coordinators

    public func createCoordinator(email: String, passwordHash: String, role: CoordinatorRole) async throws(StoreError) -> Coordinator {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                let email = email.lowercased()
                if try await db.raw("SELECT id FROM coordinators WHERE email = \(bind: email)").first() != nil {
                    throw StoreError.conflict("a coordinator with the email \(email) already exists")
                }
                let c = Coordinator(id: env.newID(), email: email, passwordHash: passwordHash, role: role, disabled: false, createdAt: env.now())
                try await db.raw(
                    """
                    INSERT INTO coordinators (id, email, password_hash, role, disabled, created_at)
                    VALUES (\(bind: c.id), \(bind: email), \(bind: passwordHash), \(bind: role.rawValue), 0, \(bind: c.createdAt.millis))
                    """
                ).run()
                return c
            }
        }
    }

    public func coordinators() async throws(StoreError) -> [Coordinator] {
        try await Self.wrap {
            try await self.handle.read { db in try await db.raw("SELECT * FROM coordinators ORDER BY email").all().map(Self.decodeCoordinator) }
        }
    }

    public func coordinator(email: String) async throws(StoreError) -> Coordinator {
        try await Self.wrap {
            try await self.handle.read { db in
                guard let row = try await db.raw("SELECT * FROM coordinators WHERE email = \(bind: email.lowercased())").first() else {
                    throw StoreError.notFound("coordinator \(email)")
                }
                return try Self.decodeCoordinator(row)
            }
        }
    }

    public func coordinator(id: String) async throws(StoreError) -> Coordinator {
        try await Self.wrap {
            try await self.handle.read { db in
                guard let row = try await db.raw("SELECT * FROM coordinators WHERE id = \(bind: id)").first() else {
                    throw StoreError.notFound("coordinator")
                }
                return try Self.decodeCoordinator(row)
            }
        }
    }

    public func setCoordinatorDisabled(email: String, disabled: Bool) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                guard try await db.raw("SELECT id FROM coordinators WHERE email = \(bind: email.lowercased())").first() != nil else {
                    throw StoreError.notFound("coordinator \(email)")
                }
                try await db.raw("UPDATE coordinators SET disabled = \(bind: disabled ? 1 : 0) WHERE email = \(bind: email.lowercased())").run()
                if disabled {
                    try await db.raw(
                        "DELETE FROM sessions WHERE coordinator_id IN (SELECT id FROM coordinators WHERE email = \(bind: email.lowercased()))"
                    ).run()
                }
            }
        }
    }

    public func grant(statementID: String, to coordinatorID: String) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                if try await db.raw(
                    """
                    SELECT statement_id FROM statement_coordinators
                    WHERE statement_id = \(bind: statementID) AND coordinator_id = \(bind: coordinatorID)
                    """
                ).first() == nil {
                    try await db.raw(
                        "INSERT INTO statement_coordinators (statement_id, coordinator_id) VALUES (\(bind: statementID), \(bind: coordinatorID))"
                    ).run()
                }
            }
        }
    }

    public func managedStatementIDs(coordinatorID: String) async throws(StoreError) -> Set<String> {
        try await Self.wrap {
            try await self.handle.read { db in
                Set(
                    try await db.raw("SELECT statement_id FROM statement_coordinators WHERE coordinator_id = \(bind: coordinatorID)").all()
                        .map { try $0.decode(column: "statement_id", as: String.self) })
            }
        }
    }

    // MARK: Sessions

    public func createSession(_ s: Session) async throws(StoreError) {
        let now = env.now()
        try await Self.wrap {
            try await self.write { db in
                let idleSince = now.millis - Int64(Session.idleLimit * 1000)
                try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: now.millis) OR last_seen_at < \(bind: idleSince)").run()
                try await db.raw(
                    """
                    INSERT INTO sessions (token_hash, coordinator_id, csrf_token, created_at, expires_at, last_seen_at)
                    VALUES (\(bind: s.tokenHash), \(bind: s.coordinatorID), \(bind: s.csrfToken), \(bind: now.millis), \(bind: s.expiresAt.millis),
                      \(bind: s.lastSeenAt.millis))
                    """
                ).run()
            }
        }
    }

    public func session(tokenHash: String) async throws(StoreError) -> Session {
        let now = env.now()
        return try await Self.wrap {
            try await self.handle.read { db in
                guard
                    let row = try await db.raw(
                        """
                        SELECT s.* FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
                        WHERE s.token_hash = \(bind: tokenHash) AND s.expires_at > \(bind: now.millis) AND c.disabled = 0
                        """
                    ).first()
                else { throw StoreError.notFound("session") }
                return Session(
                    tokenHash: try row.decode(column: "token_hash", as: String.self),
                    coordinatorID: try row.decode(column: "coordinator_id", as: String.self),
                    csrfToken: try row.decode(column: "csrf_token", as: String.self),
                    expiresAt: Date(millis: try row.decode(column: "expires_at", as: Int64.self)),
                    lastSeenAt: Date(millis: try row.decode(column: "last_seen_at", as: Int64.self)))
            }
        }
    }

    public func deleteSession(tokenHash: String) async throws(StoreError) {
        try await Self.wrap { try await self.write { db in try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)").run() } }
    }

    public func touchSession(tokenHash: String, at: Date) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                try await db.raw("UPDATE sessions SET last_seen_at = \(bind: at.millis) WHERE token_hash = \(bind: tokenHash)").run()
            }
        }
    }

    /// A new password for a coordinator: every session of theirs ends but `keeping` (the
    /// one that changed it), so whoever knew the old password is signed out everywhere.
    public func setPassword(email: String, passwordHash: String, keeping: String? = nil) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                let email = email.lowercased()
                guard let row = try await db.raw("SELECT id FROM coordinators WHERE email = \(bind: email)").first() else {
                    throw StoreError.notFound("coordinator \(email)")
                }
                let id = try row.decode(column: "id", as: String.self)
                try await db.raw("UPDATE coordinators SET password_hash = \(bind: passwordHash) WHERE id = \(bind: id)").run()
                try await db.raw(
                    "DELETE FROM sessions WHERE coordinator_id = \(bind: id) AND token_hash <> \(bind: keeping ?? "")"
                ).run()
            }
        }
    }

    // MARK: Invitations and sign-on

    public func createInvitation(statementID: String, organizationName: String, tokenHash: String, expiresAt: Date) async throws(StoreError)
        -> Invitation
    {
        let env = self.env
        return try await Self.wrap {
            let name = try Limits.displayName(organizationName)
            return try await self.write { db in
                try await Self.checkInvitable(db, statementID: statementID)
                return try await Self.insertInvitation(
                    db, env: env, statementID: statementID, name: name, tokenHash: tokenHash,
                    expiresAt: expiresAt, at: env.now())
            }
        }
    }

    /// Invitations are made while a statement is drafted, circulates or gathers endorsements.
    static func checkInvitable(_ db: any SQLDatabase, statementID: String) async throws {
        let statement = try await fetchStatement(db, id: statementID)
        guard statement.state.acceptsSignatures || statement.state == .draft else {
            throw StoreError.domain(.notAcceptingSignatures(statement.state))
        }
    }

    /// One invitation row, its directory entry and its event.
    static func insertInvitation(
        _ db: any SQLDatabase, env: StoreEnvironment, statementID: String, name: String, tokenHash: String,
        expiresAt: Date, at: Date
    ) async throws -> Invitation {
        let org = try await findOrCreateOrganization(db, env: env, name: name, latinName: nil, place: nil, at: at)
        let inv = Invitation(
            id: env.newID(), statementID: statementID, organizationName: name, createdAt: at,
            expiresAt: expiresAt, revoked: false, openedAt: nil, uses: 0, endorsementID: nil)
        try await db.raw(
            """
            INSERT INTO invitations (id, statement_id, organization_id, organization_name, token_hash, created_at, expires_at)
            VALUES (\(bind: inv.id), \(bind: statementID), \(bind: org.id), \(bind: name), \(bind: tokenHash), \(bind: at.millis),
                    \(bind: expiresAt.millis))
            """
        ).run()
        try await appendEvent(
            db, env: env, statementID: statementID, kind: .invitationCreated, at: at,
            payload: [
                "id": inv.id, "organization": name, "expires": String(expiresAt.millis),
            ])
        return inv
    }

    /// Creates a batch of invitations as one submission of the invitation form: with the
    /// same key and content again it creates nothing and says so (`.repeated`); with the
    /// same key and other content it refuses. One transaction, under the statement's lock.
    public func createInvitations(
        statementID: String, _ batch: [(name: String, tokenHash: String)], expiresAt: Date,
        submission: Submission
    ) async throws(StoreError) -> SubmissionOutcome {
        let env = self.env
        return try await Self.wrap {
            let names = try batch.map { try Limits.displayName($0.name) }
            return try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let at = env.now()
                if try await Self.claim(db, submission, at: at) == .repeated { return .repeated }
                try await Self.checkInvitable(db, statementID: statementID)
                for (item, name) in zip(batch, names) {
                    _ = try await Self.insertInvitation(
                        db, env: env, statementID: statementID, name: name, tokenHash: item.tokenHash,
                        expiresAt: expiresAt, at: at)
                }
                return .created
            }
        }
    }

    /// Records a form's one-use key with what it said, before the form's effect. For forms
    /// whose effect is idempotent by state (approve, publish, rename …) the caller runs the
    /// effect again on `.repeated`, which changes nothing; other content under the same key
    /// is refused, so a stale page cannot replay a key for a different action.
    public func claimSubmission(_ submission: Submission) async throws(StoreError) -> SubmissionOutcome {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in try await Self.claim(db, submission, at: env.now()) }
        }
    }

    /// Keys live as long as a form is worth retrying: two days.
    static func claim(_ db: any SQLDatabase, _ submission: Submission, at: Date) async throws -> SubmissionOutcome {
        try await db.raw("DELETE FROM submissions WHERE created_at < \(bind: at.millis - 2 * 86_400_000)").run()
        let claimed =
            try await db.raw(
                """
                INSERT INTO submissions (key_hash, content_hash, created_at)
                VALUES (\(bind: submission.keyHash), \(bind: submission.contentHash), \(bind: at.millis))
                ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash
                """
            ).first() != nil
        if claimed { return .created }
        let earlier = try await db.raw("SELECT content_hash FROM submissions WHERE key_hash = \(bind: submission.keyHash)").first()?
            .decode(column: "content_hash", as: String.self)
        guard earlier == submission.contentHash else { throw StoreError.submissionReused }
        return .repeated
    }

    public func invitations(of statementID: String) async throws(StoreError) -> [Invitation] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT * FROM invitations WHERE statement_id = \(bind: statementID) ORDER BY created_at, id").all().map(
                    Self.decodeInvitation)
            }
        }
    }

    public func invitation(tokenHash: String) async throws(StoreError) -> Invitation {
        try await Self.wrap {
            try await self.handle.read { db in
                guard let row = try await db.raw("SELECT * FROM invitations WHERE token_hash = \(bind: tokenHash)").first() else {
                    throw StoreError.notFound("invitation")
                }
                return try Self.decodeInvitation(row)
            }
        }
    }

    public func markOpened(invitationID: String) async throws(StoreError) {
        let now = env.now()
        try await Self.wrap {
            try await self.write { db in
                try await db.raw("UPDATE invitations SET opened_at = \(bind: now.millis) WHERE id = \(bind: invitationID) AND opened_at IS NULL")
                    .run()
            }
        }
    }

    public func embedOrigins(of statementID: String) async throws(StoreError) -> [String] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT origin FROM embed_origins WHERE statement_id = \(bind: statementID) ORDER BY origin").all()
                    .map { try $0.decode(column: "origin", as: String.self) }
            }
        }
    }

    public func setEmbedOrigins(statementID: String, _ origins: [EmbedOrigin]) async throws(StoreError) {
        let env = self.env
        let wanted = Set(origins.map(\.value)).sorted()
        try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let current = try await db.raw("SELECT origin FROM embed_origins WHERE statement_id = \(bind: statementID) ORDER BY origin").all()
                    .map { try $0.decode(column: "origin", as: String.self) }
                if current == wanted { return }
                try await db.raw("DELETE FROM embed_origins WHERE statement_id = \(bind: statementID)").run()
                for origin in wanted {
                    try await db.raw("INSERT INTO embed_origins (statement_id, origin) VALUES (\(bind: statementID), \(bind: origin))").run()
                }
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .embedOriginsChanged, at: env.now(),
                    payload: ["origins": wanted.joined(separator: " ")])
            }
        }
    }

    public func revokeInvitation(statementID: String, invitationID: String) async throws(StoreError) {
        let env = self.env
        let now = env.now()
        try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                guard
                    let row = try await db.raw(
                        """
                        SELECT revoked FROM invitations WHERE id = \(bind: invitationID) AND statement_id = \(bind: statementID)
                        """
                    ).first()
                else {
                    throw StoreError.notFound("invitation")
                }
                // Pressed twice: revoked once.
                if try row.decode(column: "revoked", as: Int.self) != 0 { return }
                try await db.raw("UPDATE invitations SET revoked = 1 WHERE id = \(bind: invitationID)").run()
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .invitationRevoked, at: now, payload: ["id": invitationID])
            }
        }
    }

    /// Records a sign-on through an invitation: the endorsement (confirmed by the
    /// capability, awaiting approval) bound to the version the signer read, and the
    /// invitation marked used. Refused if the invitation is revoked, expired or used.
    public func signOn(
        invitationID: String, _ new: NewEndorsement, signerTokenHash: String, receipt: OutboxMessage? = nil
    ) async throws(StoreError) -> Endorsement {
        let env = self.env
        return try await Self.wrap {
            let name = try Limits.displayName(new.displayName)
            return try await self.write { db in
                guard let row = try await db.raw("SELECT * FROM invitations WHERE id = \(bind: invitationID)").first() else {
                    throw StoreError.notFound("invitation")
                }
                let invitation = try Self.decodeInvitation(row)
                let at = env.now()
                if let refusal = invitation.refusal(at: at) { throw StoreError.invitation(refusal) }
                let statementID = invitation.statementID
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                guard statement.state.acceptsSignatures else { throw StoreError.domain(.notAcceptingSignatures(statement.state)) }
                let current = try await Self.currentAuthoritative(db, statementID: statementID)
                guard current.contentHash == new.versionHash else { throw StoreError.staleVersion }
                let org = try await Self.findOrCreateOrganization(db, env: env, name: name, latinName: new.latinName, place: new.place, at: at)
                if try await db.raw("SELECT id FROM endorsements WHERE statement_id = \(bind: statementID) AND organization_id = \(bind: org.id)")
                    .first() != nil
                {
                    throw StoreError.duplicateOrganization(name: name)
                }
                let e = Endorsement(
                    id: env.newID(), signerKind: .organization, organizationID: org.id, displayName: name,
                    place: new.place, signerName: new.signerName, signerRole: new.signerRole, contact: new.contact,
                    versionHash: new.versionHash, state: .confirmed, visibility: .public, createdAt: at)
                try await Self.insertEndorsement(db, self.contacts, statementID: statementID, e)
                try await db.raw("UPDATE endorsements SET signer_token_hash = \(bind: signerTokenHash) WHERE id = \(bind: e.id)").run()
                try await db.raw("UPDATE invitations SET uses = uses + 1, endorsement_id = \(bind: e.id) WHERE id = \(bind: invitationID)").run()
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .endorsementAdded, at: at,
                    payload: [
                        "id": e.id, "kind": "organization", "name": name, "versionHash": e.versionHash.hex, "state": "confirmed",
                        "invitation": invitationID, "place": e.place ?? "", "visibility": e.visibility.rawValue,
                    ])
                // The signer's private link by mail, written with the sign-on (issue 16).
                if let receipt { try await self.enqueue(db, receipt, id: env.newID(), at: at) }
                return e
            }
        }
    }

    public func endorsement(signerTokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement) {
        try await Self.wrap {
            try await self.handle.read { db in
                let (statementID, e) = try await Self.endorsement(db, self.contacts, by: .signer, hash: signerTokenHash, what: "sign-on")
                return (try await Self.fetchStatement(db, id: statementID), e)
            }
        }
    }

    /// The signer agrees to the current text: the endorsement is bound to it again.
    public func reconfirm(statementID: String, endorsementID: String, versionHash: ContentHash) async throws(StoreError) -> Endorsement {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let current = try await Self.currentAuthoritative(db, statementID: statementID)
                guard current.contentHash == versionHash else { throw StoreError.staleVersion }
                guard var e = try await Self.fetchEndorsements(db, self.contacts, statementID: statementID, id: endorsementID).first else {
                    throw StoreError.notFound("sign-on")
                }
                guard e.state != .withdrawn && e.state != .rejected else {
                    throw StoreError.domain(.invalidEndorsementTransition(from: e.state, to: .confirmed))
                }
                // Already bound to this text (the button pressed twice): nothing to record.
                if e.versionHash == versionHash { return e }
                let at = env.now()
                e.versionHash = versionHash
                try await db.raw(
                    "UPDATE endorsements SET version_hash = \(bind: versionHash.hex), updated_at = \(bind: at.millis) WHERE id = \(bind: e.id)"
                ).run()
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .endorsementReconfirmed, at: at,
                    payload: [
                        "id": e.id, "versionHash": versionHash.hex,
                    ])
                return e
            }
        }
    }

    public func setSignerToken(statementID: String, endorsementID: String, tokenHash: String) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                try await db.raw(
                    """
                    UPDATE endorsements SET signer_token_hash = \(bind: tokenHash)
                    WHERE id = \(bind: endorsementID) AND statement_id = \(bind: statementID)
                    """
                ).run()
            }
        }
    }

    public func rename(statementID: String, endorsementID: String, to newName: String) async throws(StoreError) -> Endorsement {
        let env = self.env
        return try await Self.wrap {
            let name = try Limits.displayName(newName)
            return try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                guard var e = try await Self.fetchEndorsements(db, self.contacts, statementID: statementID, id: endorsementID).first else {
                    throw StoreError.notFound("sign-on")
                }
                if e.displayName == name { return e }
                let at = env.now()
                let old = e.displayName
                e.displayName = name
                try await db.raw(
                    """
                    UPDATE endorsements SET display_name = \(bind: name), name_key = \(bind: CollationKey(name).storageKey),
                      updated_at = \(bind: at.millis)
                    WHERE id = \(bind: e.id)
                    """
                ).run()
                var payload = ["id": e.id, "from": old, "to": name, "kind": e.signerKind.rawValue, "visibility": e.visibility.rawValue]
                if LogPrivacy.holdsNames(of: e.state) { payload[LogPrivacy.heldKey] = "1" }
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .endorsementRenamed, at: at, payload: payload)
                return e
            }
        }
    }

    /// Two sign-ons of one organisation: `drop` is rejected as merged into `keep`. Both
    /// rows stay, so the record shows what happened.
    public func merge(statementID: String, keep: String, drop: String) async throws(StoreError) {
        let env = self.env
        try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let all = try await Self.fetchEndorsements(db, self.contacts, statementID: statementID)
                guard keep != drop, let k = all.first(where: { $0.id == keep }), let d = all.first(where: { $0.id == drop }) else {
                    throw StoreError.notFound("sign-on")
                }
                // Merged before (the form sent twice): nothing more to do.
                if d.state == .rejected { return }
                _ = try d.state.transition(to: .rejected)
                let at = env.now()
                try await db.raw("UPDATE endorsements SET state = 'rejected', updated_at = \(bind: at.millis) WHERE id = \(bind: d.id)").run()
                var payload = [
                    "kept": k.id, "merged": d.id, "keptName": k.displayName, "mergedName": d.displayName,
                    // Names are public only if both sign-ons are (LogPrivacy), and neither is held.
                    "kind": k.signerKind == .organization && d.signerKind == .organization ? "organization" : "individual",
                    "visibility": k.visibility == .public && d.visibility == .public ? "public" : "counted-only",
                ]
                if LogPrivacy.holdsNames(of: k.state) || LogPrivacy.holdsNames(of: d.state) { payload[LogPrivacy.heldKey] = "1" }
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .endorsementsMerged, at: at, payload: payload)
            }
        }
    }

    public func saveOrganization(name: String, latinName: String?, place: String?, kind: String?, contact: String?) async throws(StoreError)
        -> Organization
    {
        let env = self.env
        return try await Self.wrap {
            let name = try Limits.displayName(name)
            return try await self.write { db in
                var org = try await Self.findOrCreateOrganization(db, env: env, name: name, latinName: latinName, place: place, at: env.now())
                try await db.raw(
                    """
                    UPDATE organizations SET latin_name = \(bind: latinName), place = \(bind: place), kind = \(bind: kind),
                      contact = \(bind: self.contacts.seal(contact))
                    WHERE id = \(bind: org.id)
                    """
                ).run()
                org.latinName = latinName
                org.place = place
                org.kind = kind
                return org
            }
        }
    }

    public func statementsSignedByOrganization() async throws(StoreError) -> [String: [String]] {
        try await Self.wrap {
            try await self.handle.read { db in
                // One range of endorsements_list per statement: organisations only, so a
                // million individuals are never read. CROSS JOIN keeps SQLite's planner from
                // scanning endorsements instead (PostgreSQL plans it freely either way).
                var signed: [String: [String]] = [:]
                for row in try await db.raw(
                    """
                    SELECT DISTINCT e.organization_id, s.slug FROM statements s CROSS JOIN endorsements e
                    WHERE e.statement_id = s.id AND e.signer_kind = 'organization' AND e.organization_id IS NOT NULL
                    ORDER BY s.slug
                    """
                ).all() {
                    signed[try row.decode(column: "organization_id", as: String.self), default: []]
                        .append(try row.decode(column: "slug", as: String.self))
                }
                return signed
            }
        }
    }

    // MARK: Rows

    /// Serializes writers of one statement. SQLite already has a single writer; on
    /// PostgreSQL this takes the statement's row lock for the transaction.
    static func lockStatement(_ db: any SQLDatabase, id: String) async throws {
        guard db.dialect.name == "postgresql" else { return }
        _ = try await db.raw("SELECT id FROM statements WHERE id = \(bind: id) FOR UPDATE").first()
    }

    static func decodeCoordinator(_ row: any SQLRow) throws -> Coordinator { try row.record(CoordinatorRow.self) }

    static func decodeInvitation(_ row: any SQLRow) throws -> Invitation { try row.record(InvitationRow.self) }
}
