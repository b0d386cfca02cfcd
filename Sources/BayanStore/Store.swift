import ArabicText
import BayanCore
import Foundation
import SQLKit
import Synchronization

/// What the app asks of its database, in intention-named operations. Each write is one
/// transaction that keeps the domain invariants and appends to the statement's event log.
public protocol Store: Sendable {
    func importStatement(_ plan: ImportPlan) async throws(StoreError) -> StatementRecord
    func createStatement(slug: Slug, language: String, title: String, body: String, author: String) async throws(StoreError) -> StatementRecord
    func statementSummaries() async throws(StoreError) -> [StatementSummary]
    func statement(slug: String) async throws(StoreError) -> StatementRecord
    func statement(id: String) async throws(StoreError) -> StatementRecord
    func versions(of statementID: String) async throws(StoreError) -> [StatementVersion]
    func currentVersion(of statementID: String) async throws(StoreError) -> StatementVersion
    func endorsements(of statementID: String) async throws(StoreError) -> [Endorsement]
    /// Organisations only: the lists a page shows in full (founding and later).
    func organizationEndorsements(of statementID: String) async throws(StoreError) -> [Endorsement]
    /// Individuals who count (confirmed or approved), a page at a time in signing order,
    /// with the totals: all who count, and those who chose to be shown.
    func individuals(of statementID: String, offset: Int, limit: Int) async throws(StoreError) -> IndividualPage
    /// The same list read by keyset: the `limit` named individuals after `cursor` (the API,
    /// issue 17: a cursor stays valid while people join, a page number shifts).
    func individuals(of statementID: String, after cursor: IndividualCursor?, limit: Int) async throws(StoreError) -> IndividualPage
    /// Individuals by state, from the index alone (the coordinator's counts at any size).
    func individualTally(of statementID: String, currentHash: ContentHash) async throws(StoreError) -> IndividualTally
    /// Individuals waiting for a coordinator (`SignatoryRules.awaitsReview`), a page at a
    /// time, oldest first: the moderation queue.
    func individualsAwaitingReview(of statementID: String, offset: Int, limit: Int) async throws(StoreError) -> [Endorsement]
    /// Sign-ons that are not rejected, per statement id, in one pass over an index (the dashboard).
    func liveEndorsementCounts() async throws(StoreError) -> [String: Int]
    /// Live sign-ons (approved or confirmed) by the hour they signed and kind: the growth
    /// series (`GrowthSeries`), from the hourly tallies the database keeps (migration 0014).
    func growth(of statementID: String) async throws(StoreError) -> [GrowthSeries.HourCount]
    func events(of statementID: String) async throws(StoreError) -> [Event]
    /// At most `limit` events from sequence number `from` on: a page of the public log.
    func events(of statementID: String, from: Int, limit: Int) async throws(StoreError) -> [Event]
    /// The newest signed head of the statement's log, nil before the first (TreeHeads.swift).
    func latestTreeHead(of statementID: String) async throws(StoreError) -> TreeHead?
    /// Records a signed head; one already stored for that size stays (TreeHeads.swift).
    func addTreeHead(_ head: TreeHead) async throws(StoreError)
    /// The Merkle root of the statement's first `size` events, from the stored tree
    /// (TreeNodes.swift), and the proofs against it.
    func treeRoot(of statementID: String, size: Int) async throws(StoreError) -> MerkleTree.Hash
    func inclusionProof(of statementID: String, index: Int, size: Int) async throws(StoreError)
        -> (event: PublicEvent, proof: [MerkleTree.Hash])
    func consistencyProof(of statementID: String, from: Int, to: Int) async throws(StoreError) -> [MerkleTree.Hash]
    /// The index (from 0) of the event that added the sign-on `endorsementID`.
    func eventIndex(adding endorsementID: String, of statementID: String) async throws(StoreError) -> Int
    func organizations() async throws(StoreError) -> [Organization]
    func addVersion(statementID: String, title: String, body: String, author: String, reason: String?) async throws(StoreError) -> StatementVersion
    func addTranslation(statementID: String, language: String, title: String, body: String, author: String) async throws(StoreError)
        -> StatementVersion
    func addEndorsement(statementID: String, _ new: NewEndorsement) async throws(StoreError) -> Endorsement
    func setEndorsementState(statementID: String, endorsementID: String, to state: EndorsementState, reason: String?) async throws(StoreError)
        -> Endorsement
    func changeState(statementID: String, to state: StatementState, foundingOrder: FoundingOrder?) async throws(StoreError) -> StatementRecord

    /// Bumped after every write this process commits: a cache that saw the same count has
    /// seen every local change.
    var changeCount: Int { get }
    /// A value that changes whenever anything about the statement changes, in any
    /// instance: its id and the sequence number of its last event.
    func revision(slug: String) async throws(StoreError) -> String
    // Retention of contacts (RetentionStore.swift)
    /// Closed statements that still hold contact details, with when each was closed.
    func closedWithContacts() async throws(StoreError) -> [(statement: StatementRecord, closedAt: Date)]
    /// Clears every contact detail of the statement's sign-ons; returns how many held some.
    func purgeContacts(statementID: String, reason: String) async throws(StoreError) -> Int
    /// Clears one signer's contact details, found by their private link.
    func eraseContact(signerTokenHash: String) async throws(StoreError) -> Endorsement

    /// The migrations this build knows that the database has not applied (empty: the
    /// schema is current). Reaching the database is part of the answer.
    func pendingMigrations() async throws(StoreError) -> [String]

    // Coordinators, sessions, access
    func createCoordinator(email: String, passwordHash: String, role: CoordinatorRole) async throws(StoreError) -> Coordinator
    func coordinators() async throws(StoreError) -> [Coordinator]
    func coordinator(email: String) async throws(StoreError) -> Coordinator
    func coordinator(id: String) async throws(StoreError) -> Coordinator
    func setCoordinatorDisabled(email: String, disabled: Bool) async throws(StoreError)
    func grant(statementID: String, to coordinatorID: String) async throws(StoreError)
    func managedStatementIDs(coordinatorID: String) async throws(StoreError) -> Set<String>
    func createSession(_ session: Session) async throws(StoreError)
    func session(tokenHash: String) async throws(StoreError) -> Session
    func deleteSession(tokenHash: String) async throws(StoreError)
    func touchSession(tokenHash: String, at: Date) async throws(StoreError)
    func setPassword(email: String, passwordHash: String, keeping: String?) async throws(StoreError)

    // Invitations and sign-on
    func createInvitation(statementID: String, organizationName: String, tokenHash: String, expiresAt: Date) async throws(StoreError) -> Invitation
    func invitations(of statementID: String) async throws(StoreError) -> [Invitation]
    /// A coordinator's API tokens (issue 17), newest first; the token itself is never stored.
    func createAPIToken(
        coordinatorID: String, name: String, tokenHash: String, statementIDs: Set<String>, mayWrite: Bool, expiresAt: Date
    ) async throws(StoreError) -> APIToken
    func apiToken(tokenHash: String) async throws(StoreError) -> APIToken
    func apiTokens(coordinatorID: String) async throws(StoreError) -> [APIToken]
    /// Revokes one of the coordinator's tokens; revoked already, nothing changes.
    func revokeAPIToken(id: String, coordinatorID: String) async throws(StoreError)
    /// The websites allowed to frame the statement's embed, sorted.
    func embedOrigins(of statementID: String) async throws(StoreError) -> [String]
    /// Replaces them, logged; the same list again changes nothing.
    func setEmbedOrigins(statementID: String, _ origins: [EmbedOrigin]) async throws(StoreError)
    // Webhooks (Webhooks.swift)
    /// Registers a receiver; it gets the events after the current last one, or every event
    /// from the first with `fromStart`. At most `Webhook.limit` per statement.
    func createWebhook(statementID: String, url: WebhookURL, secret: String, sendsContacts: Bool, fromStart: Bool)
        async throws(StoreError) -> Webhook
    func webhooks(of statementID: String) async throws(StoreError) -> [Webhook]
    func deleteWebhook(statementID: String, id: String) async throws(StoreError)
    func enableWebhook(statementID: String, id: String) async throws(StoreError)
    func claimWebhooks(limit: Int, lease: TimeInterval) async throws(StoreError) -> [ClaimedWebhook]
    func recordWebhookDelivery(id: String, through sequence: Int) async throws(StoreError)
    func recordWebhookFailure(id: String, error: String, retryAfter: TimeInterval, disable: Bool) async throws(StoreError)
    func releaseWebhook(id: String) async throws(StoreError)
    func endorsements(ids: [String], of statementID: String) async throws(StoreError) -> [Endorsement]
    func createInvitations(
        statementID: String, _ batch: [(name: String, tokenHash: String)], expiresAt: Date,
        submission: Submission
    ) async throws(StoreError) -> SubmissionOutcome
    func claimSubmission(_ submission: Submission) async throws(StoreError) -> SubmissionOutcome
    func invitation(tokenHash: String) async throws(StoreError) -> Invitation
    func markOpened(invitationID: String) async throws(StoreError)
    func revokeInvitation(statementID: String, invitationID: String) async throws(StoreError)
    /// Signs through an invitation; `receipt`, when given, goes to the outbox in the same transaction.
    func signOn(invitationID: String, _ new: NewEndorsement, signerTokenHash: String, receipt: OutboxMessage?) async throws(StoreError)
        -> Endorsement
    func endorsement(signerTokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement)
    func reconfirm(statementID: String, endorsementID: String, versionHash: ContentHash) async throws(StoreError) -> Endorsement
    func setSignerToken(statementID: String, endorsementID: String, tokenHash: String) async throws(StoreError)
    func rename(statementID: String, endorsementID: String, to name: String) async throws(StoreError) -> Endorsement
    func merge(statementID: String, keep: String, drop: String) async throws(StoreError)
    func saveOrganization(name: String, latinName: String?, place: String?, kind: String?, contact: String?) async throws(StoreError) -> Organization
    /// The slugs of the statements each organisation has signed, for every organisation at
    /// once (the directory, without a query per row).
    func statementsSignedByOrganization() async throws(StoreError) -> [String: [String]]

    // Joining after publication, email, shared counters
    /// `stampHash`: the join form's stamp, which one submission only may use. `emailKey`:
    /// an individual's normalised address, stored only as its keyed hash
    /// (`contactLookupKey`), which keeps "one endorsement per email".
    func join(
        statementID: String, _ new: NewEndorsement, emailKey: String?, confirmTokenHash: String?,
        signerTokenHash: String, stampHash: String?, origin: JoinOrigin?, mail: OutboxMessage?
    ) async throws(StoreError) -> Endorsement
    /// Joins per network and per domain since `since`, the ten busiest of each.
    func joinSignals(statementID: String, since: Date) async throws(StoreError) -> JoinSignals
    /// Sets aside the joins `selection` names that still count or wait (organisations a
    /// coordinator approved keep their number), with one event naming them and the reason.
    func invalidateJoins(statementID: String, _ selection: JoinSelection, reason: String) async throws(StoreError) -> [String]
    /// Names under which more than one sign-on awaits review, the ten most repeated.
    func repeatedPendingNames(statementID: String) async throws(StoreError) -> [RepeatedName]
    func confirm(tokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement)
    func endorsementForConfirmation(tokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement)
    func joinState(statementID: String, emailKey: String) async throws(StoreError) -> EndorsementState
    func resendConfirmation(
        statementID: String, emailKey: String, confirmTokenHash: String, signerTokenHash: String,
        mail: OutboxMessage
    ) async throws(StoreError) -> SubmissionOutcome
    func allow(bucket: String, window: TimeInterval, limit: Int) async throws(StoreError) -> Bool
    /// Counts a hit in every budget at once (one round trip on PostgreSQL); true when all
    /// are within their limits.
    func allow(_ budgets: [RateBudget]) async throws(StoreError) -> Bool
    /// Drops rate-limit windows that ended more than a day ago (their buckets name client
    /// addresses); returns how many. The clock is read only when there are windows.
    func pruneRateLimits() async throws(StoreError) -> Int
    /// The keyed hash of a normalised address, for anything stored about an address
    /// (lookups, rate-limit buckets): without the contacts key no address can be tried.
    func contactLookupKey(_ normalized: String) -> String
    func secret() async throws(StoreError) -> String
    /// Due messages, at most `limit`, leased to the caller; none once `perHour` messages
    /// were sent in the last hour (those being sent count).
    func claimOutbox(limit: Int, lease: TimeInterval, perHour: Int) async throws(StoreError) -> [OutboxMessage]
    func recordDelivery(id: String, _ outcome: SQLStore.DeliveryOutcome) async throws(StoreError)
    func outboxCounts() async throws(StoreError) -> (waiting: Int, sent: Int, failed: Int)
}

/// The one store implementation, written once in SQLKit. It runs unchanged on SQLite and
/// PostgreSQL; the contract test suite proves both.
/// Reading a statement's revision (`Store.revision`): `id:seq`, the sequence number of
/// its last event being how many events its log holds.
public enum Revision {
    public static func eventCount(_ revision: String) -> Int { Int(revision.split(separator: ":").last ?? "0") ?? 0 }
}

public final class SQLStore: Store {
    public let handle: any DatabaseHandle
    let env: StoreEnvironment
    /// Seals contact details on their way in and opens them on their way out: the
    /// database holds none in clear.
    public let contacts: ContactSeal
    private let changes = Atomic<Int>(0)
    let localRateLimits = Mutex(LocalRateCounters())
    let cachedSecret = Mutex<String?>(nil)
    private let joinBatcherBox = Mutex<JoinBatcher?>(nil)
    var joinBatcher: JoinBatcher {
        joinBatcherBox.withLock { box in
            if let b = box { return b }
            let b = JoinBatcher(store: self)
            box = b
            return b
        }
    }

    public var changeCount: Int { changes.load(ordering: .acquiring) }

    /// Every write of the store goes through here, so the change count follows commits.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = try await handle.transaction(body)
        changes.add(1, ordering: .releasing)
        return result
    }

    public func pendingMigrations() async throws(StoreError) -> [String] {
        let handle = self.handle
        let applied = Set(try await Self.wrap { try await Migrations.applied(on: handle) })
        return Migrations.all.map(\.name).filter { !applied.contains($0) }
    }

    public func revision(slug: String) async throws(StoreError) -> String {
        try await Self.wrap {
            try await self.handle.read { db in
                guard
                    let row = try await db.raw(
                        """
                        SELECT s.id, (SELECT MAX(e.seq) FROM events e WHERE e.statement_id = s.id) AS head
                        FROM statements s WHERE s.slug = \(bind: slug)
                        """
                    ).first()
                else { throw StoreError.notFound("statement '\(slug)'") }
                return "\(try row.decode(column: "id", as: String.self)):\(try row.decode(column: "head", as: Int?.self) ?? 0)"
            }
        }
    }

    public init(handle: any DatabaseHandle, environment: StoreEnvironment = .init(), contacts: ContactSeal) {
        self.handle = handle
        self.env = environment
        self.contacts = contacts
    }

    /// Opens the SQLite store in `directory`, applies pending migrations and takes the
    /// contacts key from `contactKeys` (default: the key file beside the database).
    public static func openSQLite(
        directory: String, environment: StoreEnvironment = .init(),
        synchronous: SQLiteSynchronous = .full, contactKeys: ContactKeySource? = nil
    ) async throws(StoreError) -> SQLStore {
        try await wrap {
            let handle = try await SQLiteHandle.open(directory: directory, synchronous: synchronous)
            do {
                try await Migrations.run(on: handle)
                let seal = try await ContactKeys.prepare(handle, source: contactKeys ?? .file(directory: directory))
                return SQLStore(handle: handle, environment: environment, contacts: seal)
            } catch {
                try? await handle.close()
                throw error
            }
        }
    }

    public func close() async {
        try? await handle.close()
    }

    // MARK: - Writes

    public func importStatement(_ plan: ImportPlan) async throws(StoreError) -> StatementRecord {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                let at = plan.at
                let record = try await Self.insertStatement(
                    db, env: env, slug: plan.slug, language: plan.language,
                    title: plan.title, body: plan.body, author: plan.author, at: at)
                let hash = ContentHash.of(title: plan.title, body: plan.body)
                try await Self.appendEvent(
                    db, env: env, statementID: record.id, kind: .imported, at: at,
                    payload: [
                        "signatories": String(plan.signatories.count), "published": plan.publish ? "elsewhere" : "no",
                        "versionHash": hash.hex,
                    ])
                // Each imported signatory is an event of its own, so the public log names
                // every entry of the list it vouches for.
                var ids: [String] = []
                for item in plan.signatories {
                    let org = try await Self.findOrCreateOrganization(db, env: env, name: item.name, latinName: nil, place: nil, at: at)
                    let e = Endorsement(
                        id: env.newID(), organizationID: org.id, displayName: item.name, versionHash: hash,
                        state: plan.publish ? .approved : .pending, founding: plan.publish,
                        number: plan.publish ? item.number : nil, imported: true, createdAt: at)
                    try await Self.insertEndorsement(db, self.contacts, statementID: record.id, e)
                    var payload = [
                        "id": e.id, "kind": "organization", "name": item.name, "versionHash": hash.hex, "state": e.state.rawValue,
                        "visibility": "public", "imported": "yes",
                    ]
                    if plan.publish { payload["number"] = String(item.number) }
                    try await Self.appendEvent(db, env: env, statementID: record.id, kind: .endorsementAdded, at: at, payload: payload)
                    ids.append(e.id)
                }
                guard plan.publish else { return record }
                try await db.raw("UPDATE statements SET state = 'published', published_at = \(bind: at.millis) WHERE id = \(bind: record.id)").run()
                try await Self.appendEvent(
                    db, env: env, statementID: record.id, kind: .published, at: at,
                    payload: [
                        "founding": String(plan.signatories.count), "order": "document", "versionHash": hash.hex,
                        "listHash": Self.listHash(plan.signatories.map { ($0.number, $0.name) }),
                        "ids": zip(plan.signatories, ids).sorted { $0.0.number < $1.0.number }.map(\.1).joined(separator: " "),
                    ])
                return try await Self.fetchStatement(db, id: record.id)
            }
        }
    }

    public func createStatement(slug: Slug, language: String, title: String, body: String, author: String) async throws(StoreError) -> StatementRecord
    {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.insertStatement(
                    db, env: env, slug: slug, language: language, title: title,
                    body: body, author: author, at: env.now())
            }
        }
    }

    public func addVersion(statementID: String, title: String, body: String, author: String, reason: String?) async throws(StoreError)
        -> StatementVersion
    {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                guard statement.state.textIsEditable || reason != nil else {
                    throw StoreError.domain(.textFrozen(statement.state))
                }
                let all = try await Self.fetchVersions(db, statementID: statementID)
                // The same text again (the form sent twice) is not a new version: signers
                // would be asked to re-confirm words that did not change.
                if let authoritative = all.last(where: \.isAuthoritative), authoritative.title == title, authoritative.body == body {
                    return authoritative
                }
                let current = all.last
                let version = StatementVersion(
                    number: (current?.number ?? 0) + 1, language: statement.language,
                    title: title, body: body, author: author, createdAt: env.now(), reason: reason)
                try await Self.insertVersion(db, env: env, statementID: statementID, version)
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .versionAdded, at: version.createdAt,
                    payload: [
                        "number": String(version.number), "hash": version.contentHash.hex, "author": author,
                        "reason": reason ?? "",
                    ])
                return version
            }
        }
    }

    /// A translation of the current authoritative text. It never changes what signers
    /// agreed to, so it may be added in any state, also after publication.
    public func addTranslation(statementID: String, language: String, title: String, body: String, author: String) async throws(StoreError)
        -> StatementVersion
    {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                guard language != statement.language, (2...8).contains(language.count),
                    language.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") })
                else {
                    throw StoreError.conflict("a translation needs a language code other than the statement's own")
                }
                let all = try await Self.fetchVersions(db, statementID: statementID)
                let current = all.last(where: \.isAuthoritative)!
                if let same = all.last(where: { $0.language == language && $0.translationOf == current.contentHash }),
                    same.title == title, same.body == body
                {
                    return same
                }
                let version = StatementVersion(
                    number: (all.last?.number ?? 0) + 1, language: language, title: title, body: body,
                    author: author, createdAt: env.now(), translationOf: current.contentHash)
                try await Self.insertVersion(db, env: env, statementID: statementID, version)
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .translationAdded, at: version.createdAt,
                    payload: [
                        "number": String(version.number), "language": language, "hash": version.contentHash.hex,
                        "translates": current.contentHash.hex, "author": author,
                    ])
                return version
            }
        }
    }

    public func addEndorsement(statementID: String, _ new: NewEndorsement) async throws(StoreError) -> Endorsement {
        let env = self.env
        return try await Self.wrap {
            let name = try Limits.displayName(new.displayName)
            return try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                guard statement.state.acceptsSignatures else {
                    throw StoreError.domain(.notAcceptingSignatures(statement.state))
                }
                let current = try await Self.currentAuthoritative(db, statementID: statementID)
                guard current.contentHash == new.versionHash else { throw StoreError.staleVersion }
                let at = env.now()
                var orgID: String?
                if new.signerKind == .organization {
                    let org = try await Self.findOrCreateOrganization(
                        db, env: env, name: name, latinName: new.latinName,
                        place: new.place, at: at)
                    let existing = try await db.raw(
                        "SELECT id FROM endorsements WHERE statement_id = \(bind: statementID) AND organization_id = \(bind: org.id)"
                    ).first()
                    if existing != nil { throw StoreError.duplicateOrganization(name: name) }
                    orgID = org.id
                }
                let e = Endorsement(
                    id: env.newID(), signerKind: new.signerKind, organizationID: orgID, displayName: name,
                    place: new.place, signerName: new.signerName, signerRole: new.signerRole,
                    contact: new.contact, versionHash: new.versionHash, state: new.state,
                    visibility: new.visibility, createdAt: at)
                try await Self.insertEndorsement(db, self.contacts, statementID: statementID, e)
                var payload = [
                    "id": e.id, "kind": e.signerKind.rawValue, "name": name, "versionHash": e.versionHash.hex,
                    "state": e.state.rawValue, "visibility": e.visibility.rawValue, "place": e.place ?? "",
                ]
                if LogPrivacy.holdsNames(of: e.state) { payload[LogPrivacy.heldKey] = "1" }
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .endorsementAdded, at: at, payload: payload)
                return e
            }
        }
    }

    public func setEndorsementState(statementID: String, endorsementID: String, to state: EndorsementState, reason: String?) async throws(StoreError)
        -> Endorsement
    {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                guard var e = try await Self.fetchEndorsements(db, self.contacts, statementID: statementID, id: endorsementID).first else {
                    throw StoreError.notFound("endorsement \(endorsementID)")
                }
                // Pressed twice (a retry after a lost answer): the first press is the one effect.
                if e.state == state { return e }
                let previous = e.state
                e.state = try e.state.transition(to: state)
                let at = env.now()
                try await db.raw("UPDATE endorsements SET state = \(bind: state.rawValue), updated_at = \(bind: at.millis) WHERE id = \(bind: e.id)")
                    .run()
                // An organisation approved after publication joins the later list with the
                // number after the highest one given on this statement, so the founding
                // numbers continue (65 founders: the first later one is 66; issue 16) and a
                // reader never sees two "1."s. Numbers are never reused.
                let statement = try await Self.fetchStatement(db, id: statementID)
                if state == .approved, statement.publishedAt != nil, e.signerKind == .organization, !e.founding, e.number == nil {
                    let last =
                        try await db.raw(
                            """
                            SELECT MAX(n) AS n FROM (
                              SELECT MAX(number) AS n FROM endorsements WHERE statement_id = \(bind: statementID) AND founding = 1
                              UNION ALL
                              SELECT MAX(number) AS n FROM endorsements WHERE statement_id = \(bind: statementID) AND founding = 0
                            ) AS highest
                            """
                        ).first()?.decode(column: "n", as: Int?.self) ?? nil
                    e.number = (last ?? 0) + 1
                    try await db.raw("UPDATE endorsements SET number = \(bind: e.number!) WHERE id = \(bind: e.id)").run()
                }
                var payload = ["id": e.id, "state": state.rawValue, "reason": reason ?? ""]
                if let n = e.number, !e.founding { payload["laterNumber"] = String(n) }
                // Accepted: a held sign-on's name enters the public log now.
                if LogPrivacy.accepts(from: previous, to: state) {
                    payload.merge(LogPrivacy.accepted(e)) { current, _ in current }
                }
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .endorsementStateChanged, at: at, payload: payload)
                return e
            }
        }
    }

    public func changeState(statementID: String, to next: StatementState, foundingOrder: FoundingOrder?) async throws(StoreError) -> StatementRecord {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                // Sent twice: the statement is already where it was asked to go.
                if statement.state == next { return statement }
                _ = try statement.state.transition(to: next)
                let at = env.now()
                let order = foundingOrder ?? statement.foundingOrder
                if next == .published && statement.publishedAt == nil {
                    let current = try await Self.currentAuthoritative(db, statementID: statementID)
                    let all = try await Self.fetchEndorsements(db, self.contacts, statementID: statementID)
                    let numbers = try SignatoryRules.foundingNumbers(all, currentHash: current.contentHash, order: order)
                    for (id, number) in numbers {
                        try await db.raw(
                            "UPDATE endorsements SET founding = 1, number = \(bind: number), updated_at = \(bind: at.millis) WHERE id = \(bind: id)"
                        ).run()
                    }
                    try await db.raw(
                        """
                        UPDATE statements SET state = 'published', published_at = \(bind: at.millis), founding_order = \(bind: order.rawValue)
                        WHERE id = \(bind: statementID)
                        """
                    ).run()
                    let names = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.displayName) })
                    try await Self.appendEvent(
                        db, env: env, statementID: statementID, kind: .published, at: at,
                        payload: [
                            "founding": String(numbers.count), "order": order.rawValue, "versionHash": current.contentHash.hex,
                            "listHash": Self.listHash(numbers.map { ($0.number, names[$0.id] ?? "") }),
                            "ids": numbers.map(\.id).joined(separator: " "),
                        ])
                } else {
                    try await db.raw("UPDATE statements SET state = \(bind: next.rawValue) WHERE id = \(bind: statementID)").run()
                    try await Self.appendEvent(
                        db, env: env, statementID: statementID, kind: .stateChanged, at: at,
                        payload: [
                            "from": statement.state.rawValue, "to": next.rawValue,
                        ])
                }
                return try await Self.fetchStatement(db, id: statementID)
            }
        }
    }

    // MARK: - Reads

    public func statementSummaries() async throws(StoreError) -> [StatementSummary] {
        try await Self.wrap {
            try await self.handle.read { db in
                let rows = try await db.raw(
                    """
                    SELECT s.id, s.slug, s.state, s.language, s.founding_order, s.created_at, s.published_at,
                      (SELECT v.title FROM statement_versions v WHERE v.statement_id = s.id AND v.translation_of IS NULL
                         ORDER BY v.number DESC LIMIT 1) AS title,
                      (SELECT COUNT(*) FROM endorsements e WHERE e.statement_id = s.id AND e.founding = 1
                         AND e.state <> 'withdrawn') AS signatories
                    FROM statements s ORDER BY s.created_at DESC, s.slug
                    """
                ).all()
                return try rows.map { row in
                    StatementSummary(
                        statement: try Self.decodeStatement(row),
                        title: try row.decode(column: "title", as: String?.self) ?? "",
                        signatoryCount: try row.decode(column: "signatories", as: Int.self))
                }
            }
        }
    }

    public func statement(slug: String) async throws(StoreError) -> StatementRecord {
        try await Self.wrap {
            try await self.handle.read { db in
                guard let row = try await db.raw("SELECT * FROM statements WHERE slug = \(bind: slug)").first() else {
                    throw StoreError.notFound("statement '\(slug)'")
                }
                return try Self.decodeStatement(row)
            }
        }
    }

    public func statement(id: String) async throws(StoreError) -> StatementRecord {
        try await Self.wrap { try await self.handle.read { db in try await Self.fetchStatement(db, id: id) } }
    }

    public func versions(of statementID: String) async throws(StoreError) -> [StatementVersion] {
        try await Self.wrap { try await self.handle.read { db in try await Self.fetchVersions(db, statementID: statementID) } }
    }

    public func currentVersion(of statementID: String) async throws(StoreError) -> StatementVersion {
        try await Self.wrap { try await self.handle.read { db in try await Self.currentAuthoritative(db, statementID: statementID) } }
    }

    public func endorsements(of statementID: String) async throws(StoreError) -> [Endorsement] {
        try await Self.wrap { try await self.handle.read { db in try await Self.fetchEndorsements(db, self.contacts, statementID: statementID) } }
    }

    public func organizationEndorsements(of statementID: String) async throws(StoreError) -> [Endorsement] {
        try await Self.wrap {
            try await self.handle.read { db in try await Self.fetchEndorsements(db, self.contacts, statementID: statementID, kind: .organization) }
        }
    }

    public func individuals(of statementID: String, offset: Int, limit: Int) async throws(StoreError) -> IndividualPage {
        try await Self.wrap {
            try await self.handle.read { db in
                // The counts from the tallies the database keeps (migration 0007); the page
                // walks the endorsements_public_individuals index.
                let counts = try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS total,
                      CAST(COALESCE(SUM(CASE WHEN visibility = 'public' THEN n ELSE 0 END), 0) AS BIGINT) AS shown
                    FROM endorsement_tallies WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND state IN ('confirmed', 'approved')
                    """
                ).first()!
                let rows = try await db.raw(
                    """
                    SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND state IN ('confirmed', 'approved') AND visibility = 'public'
                    ORDER BY created_at, id LIMIT \(bind: limit) OFFSET \(bind: offset)
                    """
                ).all().map { try Self.decodeEndorsement($0, self.contacts) }
                return IndividualPage(
                    total: try counts.decode(column: "total", as: Int.self),
                    shown: try counts.decode(column: "shown", as: Int.self), offset: offset, items: rows)
            }
        }
    }

    public func individuals(of statementID: String, after cursor: IndividualCursor?, limit: Int) async throws(StoreError) -> IndividualPage {
        try await Self.wrap {
            try await self.handle.read { db in
                let counts = try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS total,
                      CAST(COALESCE(SUM(CASE WHEN visibility = 'public' THEN n ELSE 0 END), 0) AS BIGINT) AS shown
                    FROM endorsement_tallies WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND state IN ('confirmed', 'approved')
                    """
                ).first()!
                let millis = cursor?.millis ?? Int64.min
                let id = cursor?.id ?? ""
                // The endorsements_public_individuals index, entered at the cursor.
                let rows = try await db.raw(
                    """
                    SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND visibility = 'public' AND state IN ('confirmed', 'approved')
                      AND (created_at > \(bind: millis) OR (created_at = \(bind: millis) AND id > \(bind: id)))
                    ORDER BY created_at, id LIMIT \(bind: limit)
                    """
                ).all().map { try Self.decodeEndorsement($0, self.contacts) }
                return IndividualPage(
                    total: try counts.decode(column: "total", as: Int.self),
                    shown: try counts.decode(column: "shown", as: Int.self), offset: 0, items: rows)
            }
        }
    }

    public func individualTally(of statementID: String, currentHash: ContentHash) async throws(StoreError) -> IndividualTally {
        try await Self.wrap {
            try await self.handle.read { db in
                // From the tallies the database keeps (migration 0007), not a count of rows.
                var byState: [EndorsementState: Int] = [:]
                for row in try await db.raw(
                    """
                    SELECT state, CAST(SUM(n) AS BIGINT) AS n FROM endorsement_tallies
                    WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual' GROUP BY state HAVING SUM(n) > 0
                    """
                ).all() {
                    byState[try row.decode(column: "state", as: EndorsementState.self)] = try row.decode(column: "n", as: Int.self)
                }
                // The index narrows this to approved individuals, who are few (hand-confirmed).
                let listed = try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM endorsements WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND state = \(bind: SignatoryRules.listedState.rawValue) AND version_hash = \(bind: currentHash.hex)
                    """
                ).first()!.decode(column: "n", as: Int.self)
                return IndividualTally(byState: byState, listed: listed)
            }
        }
    }

    public func individualsAwaitingReview(of statementID: String, offset: Int, limit: Int) async throws(StoreError) -> [Endorsement] {
        try await Self.wrap {
            try await self.handle.read { db in
                let states = SignatoryRules.reviewStates(of: .individual).map { SQLBind($0.rawValue) }
                return try await db.raw(
                    """
                    SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND signer_kind = 'individual'
                      AND state IN (\(SQLList(states))) ORDER BY created_at, id LIMIT \(bind: limit) OFFSET \(bind: offset)
                    """
                ).all().map { try Self.decodeEndorsement($0, self.contacts) }
            }
        }
    }

    public func growth(of statementID: String) async throws(StoreError) -> [GrowthSeries.HourCount] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    """
                    SELECT signer_kind, hour, n FROM endorsement_hours WHERE statement_id = \(bind: statementID) AND n > 0
                    """
                ).all().map { row in
                    GrowthSeries.HourCount(
                        hour: try row.decode(column: "hour", as: Int64.self), kind: try row.decode(column: "signer_kind", as: SignerKind.self),
                        count: try row.decode(column: "n", as: Int.self))
                }
            }
        }
    }

    public func liveEndorsementCounts() async throws(StoreError) -> [String: Int] {
        try await Self.wrap {
            try await self.handle.read { db in
                // From the tallies the database keeps (migration 0007), not a count of rows.
                var counts: [String: Int] = [:]
                for row in try await db.raw(
                    """
                    SELECT statement_id, CAST(SUM(n) AS BIGINT) AS n FROM endorsement_tallies WHERE state <> 'rejected'
                    GROUP BY statement_id
                    """
                ).all() {
                    counts[try row.decode(column: "statement_id", as: String.self)] = try row.decode(column: "n", as: Int.self)
                }
                return counts
            }
        }
    }

    public func events(of statementID: String) async throws(StoreError) -> [Event] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT * FROM events WHERE statement_id = \(bind: statementID) ORDER BY seq").all().map(Self.decodeEvent)
            }
        }
    }

    public func events(of statementID: String, from: Int, limit: Int) async throws(StoreError) -> [Event] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    """
                    SELECT * FROM events WHERE statement_id = \(bind: statementID) AND seq >= \(bind: from)
                    ORDER BY seq LIMIT \(bind: limit)
                    """
                ).all().map(Self.decodeEvent)
            }
        }
    }

    public func organizations() async throws(StoreError) -> [Organization] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT * FROM organizations ORDER BY name_key, display_name").all().map { row in
                    Organization(
                        id: try row.decode(column: "id", as: String.self),
                        displayName: try row.decode(column: "display_name", as: String.self),
                        latinName: try row.decode(column: "latin_name", as: String?.self),
                        place: try row.decode(column: "place", as: String?.self),
                        kind: try row.decode(column: "kind", as: String?.self),
                        createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
                }
            }
        }
    }
}

/// A rate limit's counter: `limit` hits per fixed window of `window` seconds in `bucket`.
public struct RateBudget: Sendable, Equatable {
    public let bucket: String
    public let window: TimeInterval
    public let limit: Int

    public init(_ bucket: String, window: TimeInterval, limit: Int) {
        self.bucket = bucket
        self.window = window
        self.limit = limit
    }
}

/// Rate-limit counters in memory (SQLite: one instance). Once there are `pruneAt` of them,
/// those whose window has ended are dropped; a counter whose window still runs is never
/// dropped, whatever its window's length (dropping by one window's start let a flood of
/// new addresses reset the per-statement budget). When the live ones alone are that many,
/// the threshold doubles, so a flood costs one sweep per doubling, not one per request.
struct LocalRateCounters {
    private var hits: [String: (count: Int, end: Int64)] = [:]
    private var pruneAt = 100_000

    /// Counts a hit for `key`, whose window ends at `end` (milliseconds); the count so far.
    mutating func count(_ key: String, until end: Int64, now: Int64) -> Int {
        if hits.count >= pruneAt {
            hits = hits.filter { $0.value.end > now }
            pruneAt = max(100_000, hits.count * 2)
        }
        let n = (hits[key]?.count ?? 0) + 1
        hits[key] = (n, end)
        return n
    }
}
