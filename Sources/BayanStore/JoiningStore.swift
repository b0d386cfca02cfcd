import ArabicText
import BayanCore
import Foundation
import SQLKit

/// An email waiting in the outbox. It is written in the same transaction as the
/// endorsement it belongs to, so a sign-on is never stored without its confirmation mail
/// nor the other way round; a background service delivers it.
public struct OutboxMessage: Sendable, Equatable {
    public var id: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var attempts: Int

    public init(id: String = "", recipient: String, subject: String, body: String, attempts: Int = 0) {
        self.id = id
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.attempts = attempts
    }
}

public enum JoinRefusal: String, Sendable, Error {
    case notPublished, duplicateEmail, duplicateOrganization
    /// The form's stamp was already used by another submission: a replayed form.
    case formUsed
}

/// Joining after publication, email confirmation, the outbox and rate limits: everything
/// shared by several instances lives here, in the database.
extension SQLStore {
    /// Records a join: an organisation (awaiting moderation) or an individual (awaiting
    /// email confirmation), with its confirmation mail in the outbox.
    public func join(
        statementID: String, _ new: NewEndorsement, emailKey: String?, confirmTokenHash: String?,
        signerTokenHash: String, stampHash: String? = nil, origin: JoinOrigin? = nil, mail: OutboxMessage?
    ) async throws(StoreError) -> Endorsement {
        let env = self.env
        // Only the keyed hash of the address is stored and compared.
        let emailKey = emailKey.map(contacts.lookupKey)
        // Individuals, the bulk of a burst, go through the batcher.
        if new.signerKind == .individual, let emailKey {
            return try await Self.wrap {
                let name = try Limits.displayName(new.displayName)
                let e = Endorsement(
                    id: env.newID(), signerKind: .individual, displayName: name, place: new.place,
                    contact: new.contact, versionHash: new.versionHash, state: .pending,
                    visibility: new.visibility, createdAt: env.now())
                // Sealed here, in the request's task: the single writer only writes.
                var sealed = e
                sealed.contact = contacts.seal(e.contact)
                var sealedMail = mail
                if let mail { sealedMail?.recipient = contacts.seal(mail.recipient) }
                var stored = try await joinBatcher.submit(
                    statementID: statementID, endorsement: sealed, nameKey: CollationKey(name).storageKey,
                    emailKey: emailKey,
                    confirmTokenHash: confirmTokenHash, signerTokenHash: signerTokenHash, stampHash: stampHash, origin: origin,
                    mail: sealedMail)
                stored.contact = e.contact
                return stored
            }
        }
        return try await Self.wrap {
            let name = try Limits.displayName(new.displayName)
            return try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                guard statement.acceptsJoins else { throw StoreError.join(.notPublished) }
                let current = try await Self.currentAuthoritative(db, statementID: statementID)
                guard current.contentHash == new.versionHash else { throw StoreError.staleVersion }
                let at = env.now()
                if let stampHash,
                    let holder = try await db.raw("SELECT signer_token_hash FROM endorsements WHERE stamp_hash = \(bind: stampHash)").first(),
                    try holder.decode(column: "signer_token_hash", as: String?.self) != signerTokenHash
                {
                    throw StoreError.join(.formUsed)
                }
                if let emailKey,
                    try await db.raw("SELECT id FROM endorsements WHERE statement_id = \(bind: statementID) AND email_key = \(bind: emailKey)")
                        .first() != nil
                {
                    throw StoreError.join(.duplicateEmail)
                }
                var orgID: String?
                if new.signerKind == .organization {
                    let org = try await Self.findOrCreateOrganization(db, env: env, name: name, latinName: new.latinName, place: new.place, at: at)
                    if try await db.raw("SELECT id FROM endorsements WHERE statement_id = \(bind: statementID) AND organization_id = \(bind: org.id)")
                        .first() != nil
                    {
                        throw StoreError.join(.duplicateOrganization)
                    }
                    orgID = org.id
                }
                let e = Endorsement(
                    id: env.newID(), signerKind: new.signerKind, organizationID: orgID, displayName: name, place: new.place,
                    signerName: new.signerName, signerRole: new.signerRole, contact: new.contact,
                    versionHash: new.versionHash, state: .pending, visibility: new.visibility, createdAt: at)
                try await Self.insertEndorsement(db, self.contacts, statementID: statementID, e)
                try await db.raw(
                    """
                    UPDATE endorsements SET signer_token_hash = \(bind: signerTokenHash), email_key = \(bind: emailKey),
                      confirm_token_hash = \(bind: confirmTokenHash), stamp_hash = \(bind: stampHash),
                      join_network = \(bind: origin?.network), email_domain = \(bind: origin?.domain) WHERE id = \(bind: e.id)
                    """
                ).run()
                if let mail { try await self.enqueue(db, mail, id: env.newID(), at: at) }
                // Held: the public log shows the name once the sign-on is accepted (LogPrivacy).
                try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .endorsementAdded, at: at,
                    payload: [
                        "id": e.id, "kind": e.signerKind.rawValue, "name": name, "place": e.place ?? "",
                        "visibility": e.visibility.rawValue, "versionHash": e.versionHash.hex, "state": "pending", "via": "join",
                        LogPrivacy.heldKey: "1",
                    ])
                return e
            }
        }
    }

    /// The state of the individual endorsement made with this address, if any.
    public func joinState(statementID: String, emailKey: String) async throws(StoreError) -> EndorsementState {
        try await Self.wrap {
            try await self.handle.read { db in
                guard
                    let row = try await db.raw(
                        """
                        SELECT state FROM endorsements
                        WHERE statement_id = \(bind: statementID) AND email_key = \(bind: self.contacts.lookupKey(emailKey))
                        """
                    ).first()
                else { throw StoreError.notFound("join") }
                return try row.decode(column: "state", as: EndorsementState.self)
            }
        }
    }

    /// An individual who joined with this address and has not confirmed yet asks for the
    /// mail again (the first was lost, or its answer page was). Their links are replaced by
    /// the ones in `mail`, which supersede the old; the same links again (a retried resend)
    /// change nothing and write no second mail. Refused with `.join(.duplicateEmail)` when
    /// the address has already confirmed, `.notFound` when it never joined.
    public func resendConfirmation(
        statementID: String, emailKey: String, confirmTokenHash: String, signerTokenHash: String,
        mail: OutboxMessage
    ) async throws(StoreError) -> SubmissionOutcome {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                guard
                    let row = try await db.raw(
                        """
                        SELECT id, state, confirm_token_hash FROM endorsements
                        WHERE statement_id = \(bind: statementID) AND email_key = \(bind: self.contacts.lookupKey(emailKey))
                          AND signer_kind = 'individual'
                        """
                    ).first()
                else { throw StoreError.notFound("join") }
                guard try row.decode(column: "state", as: String.self) == EndorsementState.pending.rawValue else {
                    throw StoreError.join(.duplicateEmail)
                }
                if try row.decode(column: "confirm_token_hash", as: String?.self) == confirmTokenHash { return .repeated }
                let at = env.now()
                try await db.raw(
                    """
                    UPDATE endorsements SET confirm_token_hash = \(bind: confirmTokenHash), signer_token_hash = \(bind: signerTokenHash),
                      updated_at = \(bind: at.millis) WHERE id = \(bind: try row.decode(column: "id", as: String.self))
                    """
                ).run()
                try await self.enqueue(db, mail, id: env.newID(), at: at)
                return .created
            }
        }
    }

    /// Puts one mail in the outbox, inside the caller's transaction (so the write it belongs
    /// to is never stored without it), its recipient sealed like every contact.
    func enqueue(_ db: any SQLDatabase, _ mail: OutboxMessage, id: String, at: Date) async throws {
        try await db.raw(
            """
            INSERT INTO outbox (id, recipient, subject, body, created_at, attempts, next_attempt_at)
            VALUES (\(bind: id), \(bind: contacts.seal(mail.recipient)), \(bind: mail.subject), \(bind: mail.body),
              \(bind: at.millis), 0, \(bind: at.millis))
            """
        ).run()
    }

    /// An individual confirms by the link in their email: pending → confirmed (counted).
    public func confirm(tokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement) {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                var (statementID, e) = try await Self.endorsement(
                    db, self.contacts, by: .confirmation, hash: tokenHash, what: "confirmation",
                    lockingStatement: true)
                if e.state == .pending {
                    let accepted = LogPrivacy.accepts(from: e.state, to: .confirmed)
                    e.state = .confirmed
                    let at = env.now()
                    try await db.raw("UPDATE endorsements SET state = 'confirmed', updated_at = \(bind: at.millis) WHERE id = \(bind: e.id)").run()
                    try await Self.appendEvent(
                        db, env: env, statementID: statementID, kind: .endorsementStateChanged, at: at,
                        payload: ["id": e.id, "state": "confirmed", "reason": "email"].merging(accepted ? LogPrivacy.accepted(e) : [:]) { a, _ in a })
                }
                return (try await Self.fetchStatement(db, id: statementID), e)
            }
        }
    }

    public func endorsementForConfirmation(tokenHash: String) async throws(StoreError) -> (StatementRecord, Endorsement) {
        try await Self.wrap {
            try await self.handle.read { db in
                let (statementID, e) = try await Self.endorsement(db, self.contacts, by: .confirmation, hash: tokenHash, what: "confirmation")
                return (try await Self.fetchStatement(db, id: statementID), e)
            }
        }
    }

    public func pruneRateLimits() async throws(StoreError) -> Int {
        try await Self.wrap {
            guard try await self.handle.read({ db in try await db.raw("SELECT 1 AS x FROM rate_limits LIMIT 1").first() }) != nil else {
                return 0
            }
            let cutoff = self.env.now().millis - 86_400_000
            return try await self.write { db in
                try await db.raw("DELETE FROM rate_limits WHERE window_start < \(bind: cutoff) RETURNING window_start").all().count
            }
        }
    }

    /// Counts a hit in a fixed window and says whether it is within `limit`. Counters
    /// live in the database so every instance sees the same ones.
    public func allow(bucket: String, window: TimeInterval, limit: Int) async throws(StoreError) -> Bool {
        try await allow([RateBudget(bucket, window: window, limit: limit)])
    }

    public func allow(_ budgets: [RateBudget]) async throws(StoreError) -> Bool {
        guard !budgets.isEmpty else { return true }
        let now = env.now().millis
        // Each counter once (a counter named twice counts once; one PostgreSQL statement
        // cannot update a row twice), with the lowest limit named for it, in bucket order,
        // so that two statements counting overlapping counters lock their rows in the same
        // order (no deadlock).
        var named: [String: (bucket: String, start: Int64, end: Int64, limit: Int)] = [:]
        for b in budgets {
            let size = max(1, Int64(b.window * 1000))
            let start = now - now % size
            let key = "\(b.bucket)|\(start)"
            named[key] = (b.bucket, start, start + size, min(named[key]?.limit ?? .max, b.limit))
        }
        let counted = named.values.sorted { ($0.bucket, $0.start) < ($1.bucket, $1.start) }
        // SQLite means one instance: its counters can live in memory. Several instances
        // (PostgreSQL) share them through the database.
        if handle.dialect == .sqlite {
            return localRateLimits.withLock { counters in
                var within = true
                for c in counted where counters.count("\(c.bucket)|\(c.start)", until: c.end, now: now) > c.limit { within = false }
                return within
            }
        }
        // One statement in its own transaction: the counters' rows, which every join of a
        // burst increments, are locked only while it runs (a transaction of three statements
        // per counter held each row across five round trips and serialised PostgreSQL joins
        // at ~400/s). Ended windows are pruned by the retention run, not here. Not a store
        // write: it changes nothing a page shows, so the page cache stays valid.
        let rows: [SQLQueryString] = counted.map { "(\(bind: $0.bucket), \(bind: $0.start), 1)" }
        let limitOf = named.mapValues(\.limit)
        return try await Self.wrap {
            try await self.handle.read { db in
                let returned = try await db.raw(
                    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES " + rows.joined(separator: ", ")
                        + " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING bucket, window_start, hits"
                ).all()
                guard returned.count == limitOf.count else { throw StoreError.database("rate limits: \(returned.count) counts returned") }
                return try returned.allSatisfy { row in
                    let key = "\(try row.decode(column: "bucket", as: String.self))|\(try row.decode(column: "window_start", as: Int64.self))"
                    return try row.decode(column: "hits", as: Int.self) <= limitOf[key, default: 0]
                }
            }
        }
    }

    /// The instance secret (for signed form timestamps), created once and shared by all
    /// instances through the database.
    public func secret() async throws(StoreError) -> String {
        if let known = cachedSecret.withLock({ $0 }) { return known }
        let value = try await loadSecret()
        cachedSecret.withLock { $0 = value }
        return value
    }

    func loadSecret() async throws(StoreError) -> String {
        try await Self.wrap {
            if let row = try await self.handle.read({ db in try await db.raw("SELECT value FROM settings WHERE key = 'secret'").first() }) {
                return try row.decode(column: "value", as: String.self)
            }
            var rng = SystemRandomNumberGenerator()
            let fresh = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
            return try await self.write { db in
                try await db.raw("INSERT INTO settings (key, value) VALUES ('secret', \(bind: fresh)) ON CONFLICT (key) DO NOTHING").run()
                return try await db.raw("SELECT value FROM settings WHERE key = 'secret'").first()!.decode(column: "value", as: String.self)
            }
        }
    }

    // MARK: Outbox

    /// Claims up to `limit` due messages for `lease` seconds, so two instances never send
    /// the same message at once; a crashed sender's claim simply expires.
    public func claimOutbox(limit: Int, lease: TimeInterval, perHour: Int) async throws(StoreError) -> [OutboxMessage] {
        let now = env.now().millis
        return try await Self.wrap {
            try await self.write { db in
                // The hourly cap: mail sent in the last hour and mail being sent now count.
                let busy = try await db.raw(
                    """
                    SELECT (SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND sent_at > \(bind: now - 3_600_000))
                         + (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND claimed_until >= \(bind: now)) AS n
                    """
                ).first()!.decode(column: "n", as: Int.self)
                let limit = min(limit, perHour - busy)
                guard limit > 0 else { return [] }
                let rows = try await db.raw(
                    """
                    SELECT id, recipient, subject, body, attempts FROM outbox
                    WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= \(bind: now)
                      AND (claimed_until IS NULL OR claimed_until < \(bind: now))
                    ORDER BY next_attempt_at LIMIT \(bind: limit)
                    """
                ).all()
                var out: [OutboxMessage] = []
                for row in rows {
                    let id = try row.decode(column: "id", as: String.self)
                    try await db.raw("UPDATE outbox SET claimed_until = \(bind: now + Int64(lease * 1000)) WHERE id = \(bind: id)").run()
                    out.append(
                        OutboxMessage(
                            id: id, recipient: try self.contacts.open(try row.decode(column: "recipient", as: String.self)),
                            subject: try row.decode(column: "subject", as: String.self),
                            body: try row.decode(column: "body", as: String.self),
                            attempts: try row.decode(column: "attempts", as: Int.self)))
                }
                return out
            }
        }
    }

    public enum DeliveryOutcome: Sendable {
        case sent
        /// Try again after `retryAfter`; `permanent` gives up (the relay refused for good).
        case failed(error: String, retryAfter: TimeInterval, permanent: Bool)
    }

    public func recordDelivery(id: String, _ outcome: DeliveryOutcome) async throws(StoreError) {
        let now = env.now().millis
        try await Self.wrap {
            try await self.write { db in
                switch outcome {
                case .sent:
                    // The body held live confirmation and private links: not kept once sent.
                    try await db.raw(
                        "UPDATE outbox SET sent_at = \(bind: now), attempts = attempts + 1, claimed_until = NULL, body = '' WHERE id = \(bind: id)"
                    ).run()
                case .failed(let error, let retryAfter, let permanent):
                    let next = now + Int64(retryAfter * 1000)
                    try await db.raw(
                        """
                        UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = \(bind: String(error.prefix(500))),
                          next_attempt_at = \(bind: next), failed_at = \(bind: permanent ? now : nil),
                          body = CASE WHEN \(bind: permanent) THEN '' ELSE body END
                        WHERE id = \(bind: id)
                        """
                    ).run()
                }
            }
        }
    }

    public func outboxCounts() async throws(StoreError) -> (waiting: Int, sent: Int, failed: Int) {
        try await Self.wrap {
            try await self.handle.read { db in
                let row = try await db.raw(
                    """
                    SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS waiting,
                           COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent,
                           COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed
                    FROM outbox
                    """
                ).first()!
                return (
                    try row.decode(column: "waiting", as: Int.self), try row.decode(column: "sent", as: Int.self),
                    try row.decode(column: "failed", as: Int.self)
                )
            }
        }
    }
}

extension SQLStore {
    /// Adds `count` individual endorsers (confirmed, or pending to fill the moderation
    /// queue) in large batches: for benchmarks and load tests (`bayan dev seed-individuals`),
    /// never for real data.
    public func seedIndividuals(
        statementID: String, count: Int, state: EndorsementState = .confirmed,
        batch: Int = 1000
    ) async throws(StoreError) {
        let env = self.env
        try await Self.wrap {
            let hash = try await self.currentVersion(of: statementID).contentHash.hex
            // A run-unique prefix, so seeding twice never collides with earlier rows.
            let run = String(UUID().uuidString.prefix(8)).lowercased()
            var done = 0
            while done < count {
                let n = min(batch, count - done)
                let start = done
                try await self.write { db in
                    let at = env.now().millis
                    var insert = db.insert(into: "endorsements").columns(
                        "id", "statement_id", "signer_kind", "display_name", "place", "contact", "version_hash", "state",
                        "visibility", "name_key", "created_at", "updated_at", "email_key")
                    for i in start..<(start + n) {
                        let values: [any Encodable & Sendable] = [
                            "seed-\(run)-\(i)", statementID, "individual", "مؤيد تجريبي \(i)", "مدينة \(i % 50)",
                            self.contacts.seal("seed-\(run)-\(i)@example.org"), hash, state.rawValue, i % 10 == 0 ? "counted-only" : "public", "",
                            at + Int64(i), at, self.contacts.lookupKey("seed-\(run)-\(i)@example.org"),
                        ]
                        insert = insert.values(values.map { SQLBind($0) as any SQLExpression })
                    }
                    try await insert.run()
                    try await Self.appendEvent(
                        db, env: env, statementID: statementID, kind: .endorsementAdded, at: Date(millis: at),
                        payload: [
                            "seeded": String(n), "kind": "individual", "state": state.rawValue,
                            "named": String((start..<(start + n)).filter { $0 % 10 != 0 }.count),
                        ])
                }
                done += n
            }
        }
    }

    public func joinSignals(statementID: String, since: Date) async throws(StoreError) -> JoinSignals {
        try await Self.wrap {
            try await self.handle.read { db in
                func rows(_ column: String) async throws -> [JoinSignals.Row] {
                    try await db.raw(
                        """
                        SELECT \(unsafeRaw: column) AS value, COUNT(*) AS n, MAX(created_at) AS last FROM endorsements
                        WHERE statement_id = \(bind: statementID) AND join_network IS NOT NULL AND created_at >= \(bind: since.millis)
                        GROUP BY \(unsafeRaw: column) ORDER BY n DESC, value LIMIT 10
                        """
                    ).all().map {
                        JoinSignals.Row(
                            value: try $0.decode(column: "value", as: String?.self) ?? "", count: try $0.decode(column: "n", as: Int.self),
                            last: Date(millis: try $0.decode(column: "last", as: Int64.self)))
                    }
                }
                return JoinSignals(networks: try await rows("join_network"), domains: try await rows("email_domain"))
            }
        }
    }

    public func invalidateJoins(statementID: String, _ selection: JoinSelection, reason: String) async throws(StoreError) -> [String] {
        let env = self.env
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let which: SQLQueryString
                var payload = ["reason": reason]
                switch selection {
                case .network(let network):
                    which = "join_network = \(bind: network)"
                    payload["network"] = network
                case .domain(let domain):
                    which = "email_domain = \(bind: domain)"
                    payload["domain"] = domain
                case .window(let from, let to):
                    which = "created_at >= \(bind: from.millis) AND created_at < \(bind: to.millis)"
                    payload["from"] = String(from.millis)
                    payload["to"] = String(to.millis)
                case .name(let key):
                    which = "name_key = \(bind: key)"
                    payload["nameKey"] = key
                }
                let ids = try await db.raw(
                    """
                    SELECT id FROM endorsements WHERE statement_id = \(bind: statementID) AND join_network IS NOT NULL AND
                      (state IN ('pending', 'confirmed') OR (state = 'approved' AND signer_kind = 'individual')) AND
                    """ + " " + which + " ORDER BY created_at, id"
                ).all().map { try $0.decode(column: "id", as: String.self) }
                guard !ids.isEmpty else { return [] }
                let at = env.now()
                for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                    try await db.raw(
                        "UPDATE endorsements SET state = 'rejected', updated_at = \(bind: at.millis) WHERE id IN (\(binds: chunk))"
                    ).run()
                }
                payload["ids"] = ids.joined(separator: " ")
                payload["count"] = String(ids.count)
                try await Self.appendEvent(db, env: env, statementID: statementID, kind: .joinsInvalidated, at: at, payload: payload)
                return ids
            }
        }
    }

    /// Both signer kinds are named so the (statement, kind, state) index serves the query:
    /// without them it reads every endorsement of the statement (370 ms at 1,000,000).
    public func repeatedPendingNames(statementID: String) async throws(StoreError) -> [RepeatedName] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    """
                    SELECT name_key, MIN(display_name) AS name, COUNT(*) AS n FROM endorsements
                    WHERE statement_id = \(bind: statementID) AND signer_kind IN ('organization', 'individual') AND state = 'pending'
                    GROUP BY name_key HAVING COUNT(*) > 1 ORDER BY n DESC, name_key LIMIT 10
                    """
                ).all().map {
                    RepeatedName(
                        name: try $0.decode(column: "name", as: String.self), key: try $0.decode(column: "name_key", as: String.self),
                        count: try $0.decode(column: "n", as: Int.self))
                }
            }
        }
    }
}
