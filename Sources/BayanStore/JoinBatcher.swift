import BayanCore
import Foundation
import SQLKit
import Synchronization

/// Batches individual joins: whatever joins are waiting are checked and written with a
/// handful of queries in one transaction (one read of the statement's state, text and
/// chain head; one multi-row INSERT for the endorsements, one for their mails; one event
/// for the batch), instead of ~8 queries each. This is what keeps a burst of thousands of
/// sign-ons near the HTTP stack's own speed.
final class JoinBatcher: Sendable {
    /// `StatementState.joinable` as an SQL list: the join rule restated inside the insert,
    /// generated from the one predicate.
    static let joinableStates = StatementState.joinable.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    struct Request: Sendable {
        let statementID: String
        let endorsement: Endorsement
        /// Computed by the caller, off the single writer.
        let nameKey: String
        let emailKey: String
        let confirmTokenHash: String?
        let signerTokenHash: String
        let stampHash: String?
        let origin: JoinOrigin?
        let mail: OutboxMessage?
        let done: CheckedContinuation<Endorsement, any Error>
    }

    private let queue: BatchQueue<Request>

    init(store: SQLStore) {
        queue = BatchQueue(maximumBatch: 500, executor: store.handle.writeExecutor) { [weak store] batch in
            guard let store else {
                for r in batch { r.done.resume(throwing: StoreError.database("the store is closed")) }
                return
            }
            let outcomes: [Result<Endorsement, any Error>]
            do {
                outcomes = try await store.writeJoins(
                    batch.map {
                        (
                            $0.statementID, $0.endorsement, $0.nameKey, $0.emailKey, $0.confirmTokenHash,
                            $0.signerTokenHash, $0.stampHash, $0.origin, $0.mail
                        )
                    })
            } catch {
                outcomes = batch.map { _ in .failure(error) }
            }
            for (r, outcome) in zip(batch, outcomes) { r.done.resume(with: outcome) }
        }
    }

    func submit(
        statementID: String, endorsement: Endorsement, nameKey: String, emailKey: String, confirmTokenHash: String?,
        signerTokenHash: String, stampHash: String?, origin: JoinOrigin?, mail: OutboxMessage?
    ) async throws -> Endorsement {
        try await withCheckedThrowingContinuation { continuation in
            queue.add(
                Request(
                    statementID: statementID, endorsement: endorsement, nameKey: nameKey, emailKey: emailKey,
                    confirmTokenHash: confirmTokenHash, signerTokenHash: signerTokenHash, stampHash: stampHash, origin: origin,
                    mail: mail, done: continuation))
        }
    }
}

extension SQLStore {
    typealias JoinRow = (
        statementID: String, endorsement: Endorsement, nameKey: String, emailKey: String, confirmTokenHash: String?,
        signerTokenHash: String, stampHash: String?, origin: JoinOrigin?, mail: OutboxMessage?
    )

    /// Writes a batch of individual joins in one transaction; each gets its own outcome
    /// (a refused one does not stop the others).
    func writeJoins(_ rows: [JoinRow]) async throws -> [Result<Endorsement, any Error>] {
        let env = self.env
        return try await write { db in
            var outcomes = [Result<Endorsement, any Error>?](repeating: nil, count: rows.count)
            for statementID in Set(rows.map(\.statementID)) {
                let indices = rows.indices.filter { rows[$0].statementID == statementID }
                try await Self.lockStatement(db, id: statementID)
                let at = env.now()
                // One INSERT for the batch, its rows passed as one JSON array bound to one
                // parameter: the statement text stays short and the same (SQLite parses
                // ~500 placeholders otherwise, and each bind goes through the encoder). The
                // statement's state and current text are checked in the same statement,
                // and RETURNING brings back the head of the event chain: one round trip.
                // A row missing from RETURNING was refused: an address already on the
                // statement (or twice in the batch), a retried form whose links already
                // exist, a stale text, or a closed statement. Any unique index may refuse a
                // row without failing the batch.
                var json: [UInt8] = [UInt8(ascii: "[")]
                json.reserveCapacity(indices.count * 512)
                for (n, i) in indices.enumerated() {
                    let e = rows[i].endorsement
                    if n > 0 { json.append(UInt8(ascii: ",")) }
                    // One row: a JSON array in column order (read by position below, cheaper
                    // than by key), null for a missing value.
                    CanonicalJSON.array(
                        [
                            e.id, e.displayName, e.place, e.contact, e.versionHash.hex, e.visibility.rawValue, rows[i].nameKey,
                            String(e.createdAt.millis), rows[i].signerTokenHash, rows[i].emailKey, rows[i].confirmTokenHash,
                            rows[i].stampHash, rows[i].origin?.network, rows[i].origin?.domain,
                        ], into: &json)
                }
                json.append(UInt8(ascii: "]"))
                let source: SQLQueryString =
                    db.dialect.name == "postgresql"
                    ? "jsonb_array_elements(CAST(\(bind: String(decoding: json, as: UTF8.self)) AS jsonb)) AS j(value)"
                    : "jsonb_each(jsonb(\(bind: String(decoding: json, as: UTF8.self)))) AS j"
                let restQuery: SQLQueryString = """
                     WHERE (SELECT s.state IN (\(unsafeRaw: JoinBatcher.joinableStates)) AND s.published_at IS NOT NULL
                       FROM statements s WHERE s.id = \(bind: statementID))
                      AND j.value ->> 4 = (SELECT v.content_hash FROM statement_versions v
                        WHERE v.statement_id = \(bind: statementID) AND v.translation_of IS NULL ORDER BY v.number DESC LIMIT 1)
                    ON CONFLICT DO NOTHING
                    RETURNING id,
                      (SELECT e.seq FROM events e WHERE e.statement_id = \(bind: statementID) ORDER BY e.seq DESC LIMIT 1) AS head_seq,
                      (SELECT e.hash FROM events e WHERE e.statement_id = \(bind: statementID) ORDER BY e.seq DESC LIMIT 1) AS head_hash
                    """
                let insert: SQLQueryString = """
                    INSERT INTO endorsements (id, statement_id, signer_kind, display_name, place, contact, version_hash, state, founding,
                      visibility, imported, name_key, created_at, updated_at, signer_token_hash, email_key, confirm_token_hash, stamp_hash,
                      join_network, email_domain)
                    SELECT j.value ->> 0, \(bind: statementID), 'individual', j.value ->> 1, j.value ->> 2, j.value ->> 3,
                      j.value ->> 4, 'pending', 0, j.value ->> 5, 0, j.value ->> 6, CAST(j.value ->> 7 AS BIGINT),
                      CAST(j.value ->> 7 AS BIGINT), j.value ->> 8, j.value ->> 9, j.value ->> 10, j.value ->> 11,
                      j.value ->> 12, j.value ->> 13
                    FROM
                    """ + " " + source + " " + restQuery
                let returned = try await db.raw(insert).all()
                let stored = Set(try returned.map { try $0.decode(column: "id", as: String.self) })
                // Why the others were refused (rare: only then is this read).
                var refusal = StoreError.join(.duplicateEmail)
                var currentHash: ContentHash?
                if stored.count < indices.count {
                    guard
                        let state = try await db.raw(
                            """
                            SELECT s.state, s.published_at,
                              (SELECT v.content_hash FROM statement_versions v WHERE v.statement_id = s.id AND v.translation_of IS NULL
                                 ORDER BY v.number DESC LIMIT 1) AS current_hash
                            FROM statements s WHERE s.id = \(bind: statementID)
                            """
                        ).first()
                    else { throw StoreError.notFound("statement \(statementID)") }
                    let record = StatementRecord(
                        id: statementID, slug: "", state: try state.decode(column: "state", as: StatementState.self), language: "",
                        foundingOrder: .arabic, createdAt: Date(timeIntervalSince1970: 0),
                        publishedAt: try state.decode(column: "published_at", as: Int64?.self).map(Date.init(millis:)))
                    let published = record.acceptsJoins
                    currentHash = try state.decode(column: "current_hash", as: String?.self).map(ContentHash.init(hex:))
                    if !published || currentHash == nil { refusal = .join(.notPublished) }
                }
                // Stamps already used by another submission (a replayed form): whose signer
                // link holds each, read only when something was refused.
                var stampHolders: [String: String] = [:]
                let refusedStamps = indices.filter { !stored.contains(rows[$0].endorsement.id) }.compactMap { rows[$0].stampHash }
                if !refusedStamps.isEmpty {
                    for row in try await db.raw(
                        "SELECT stamp_hash, signer_token_hash FROM endorsements WHERE stamp_hash IN (\(binds: refusedStamps))"
                    ).all() {
                        stampHolders[try row.decode(column: "stamp_hash", as: String.self)] =
                            try row.decode(
                                column: "signer_token_hash", as: String?.self) ?? ""
                    }
                }
                let joined = indices.filter { i in
                    guard !stored.contains(rows[i].endorsement.id) else { return true }
                    if case .join(.notPublished) = refusal {
                        outcomes[i] = .failure(refusal)
                    } else if let stamp = rows[i].stampHash, let holder = stampHolders[stamp], holder != rows[i].signerTokenHash {
                        outcomes[i] = .failure(StoreError.join(.formUsed))
                    } else if rows[i].endorsement.versionHash != currentHash {
                        outcomes[i] = .failure(StoreError.staleVersion)
                    } else {
                        outcomes[i] = .failure(refusal)
                    }
                    return false
                }
                guard let head = returned.first, let first = joined.first else { continue }
                let headSequence = try head.decode(column: "head_seq", as: Int?.self) ?? 0
                let headHash = try head.decode(column: "head_hash", as: String?.self) ?? Event.genesisHash
                let versionHash = rows[first].endorsement.versionHash.hex
                let mails: [SQLQueryString] = joined.compactMap { i in
                    rows[i].mail.map { mail in
                        let m: [any Encodable & Sendable] = [env.newID(), mail.recipient, mail.subject, mail.body, at.millis, 0, at.millis]
                        return "(\(binds: m))"
                    }
                }
                if !mails.isEmpty {
                    try await db.raw(
                        "INSERT INTO outbox (id, recipient, subject, body, created_at, attempts, next_attempt_at) VALUES "
                            + mails.joined(separator: ", ")
                    ).run()
                }
                // One event records the whole batch: every id that joined, bound to the
                // text they agreed to. (One event per person was a third of the writer's
                // work in a burst; the log still names each endorsement exactly once.)
                var payload = [
                    "ids": joined.map { rows[$0].endorsement.id }.joined(separator: " "), "count": String(joined.count),
                    "kind": "individual", "versionHash": versionHash, "state": "pending", "via": "join",
                    LogPrivacy.heldKey: "1",
                ]
                // The names, in the order of `ids` (null for one counted only), held: the
                // public log shows a commitment until each person confirms (LogPrivacy), and
                // `listed` says in the open who chose to be listed by name.
                let listed = joined.map { rows[$0].endorsement }.map { $0.visibility == .public ? $0 : nil }
                payload["listed"] = String(listed.map { $0 == nil ? "0" : "1" })
                if listed.contains(where: { $0 != nil }) {
                    var names: [UInt8] = []
                    var places: [UInt8] = []
                    CanonicalJSON.array(listed.map { $0?.displayName }, into: &names)
                    CanonicalJSON.array(listed.map { $0.map { $0.place ?? "" } }, into: &places)
                    payload["names"] = String(decoding: names, as: UTF8.self)
                    payload["places"] = String(decoding: places, as: UTF8.self)
                }
                let event = Event.next(
                    afterSequence: headSequence, hash: headHash, kind: .endorsementAdded, at: at,
                    payload: LogPrivacy.salted(kind: .endorsementAdded, payload, salt: env.salt))
                for i in joined { outcomes[i] = .success(rows[i].endorsement) }
                try await db.raw(
                    """
                    INSERT INTO events (statement_id, seq, kind, at, payload, prev_hash, hash) VALUES
                    (\(bind: statementID), \(bind: event.sequence), \(bind: event.kind), \(bind: event.atMillis), \(bind: event.payloadJSON),
                     \(bind: event.prevHash), \(bind: event.hash))
                    """
                ).run()
            }
            return outcomes.map { $0 ?? .failure(StoreError.database("join not processed")) }
        }
    }
}
