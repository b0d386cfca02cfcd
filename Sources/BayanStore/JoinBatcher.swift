import ArabicText
import BayanCore
import Foundation
import SQLKit
import Synchronization

/// Batches individual joins: whatever joins are waiting are validated and written with a
/// handful of set-based queries in one transaction (one multi-row INSERT for the
/// endorsements, one for their mails, one for their events), instead of ~8 queries each.
/// This is what keeps a burst of thousands of sign-ons near the HTTP stack's own speed.
actor JoinBatcher {
    struct Request: Sendable {
        let statementID: String
        let endorsement: Endorsement
        let emailKey: String
        let confirmTokenHash: String?
        let signerTokenHash: String
        let mail: OutboxMessage?
        let done: CheckedContinuation<Endorsement, any Error>
    }

    private var waiting: [Request] = []
    private var draining = false
    private let maximumBatch = 500
    private weak var store: SQLStore?

    init(store: SQLStore) { self.store = store }

    func submit(statementID: String, endorsement: Endorsement, emailKey: String, confirmTokenHash: String?,
                signerTokenHash: String, mail: OutboxMessage?) async throws -> Endorsement {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Request(statementID: statementID, endorsement: endorsement, emailKey: emailKey,
                                   confirmTokenHash: confirmTokenHash, signerTokenHash: signerTokenHash, mail: mail, done: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maximumBatch))
            waiting.removeFirst(batch.count)
            guard let store else {
                for r in batch { r.done.resume(throwing: StoreError.database("the store is closed")) }
                continue
            }
            let outcomes: [Result<Endorsement, any Error>]
            do {
                outcomes = try await store.writeJoins(batch.map { ($0.statementID, $0.endorsement, $0.emailKey, $0.confirmTokenHash,
                                                                   $0.signerTokenHash, $0.mail) })
            } catch {
                outcomes = batch.map { _ in .failure(error) }
            }
            for (r, outcome) in zip(batch, outcomes) { r.done.resume(with: outcome) }
        }
        draining = false
    }
}

extension SQLStore {
    typealias JoinRow = (statementID: String, endorsement: Endorsement, emailKey: String, confirmTokenHash: String?,
                         signerTokenHash: String, mail: OutboxMessage?)

    /// Writes a batch of individual joins in one transaction; each gets its own outcome
    /// (a refused one does not stop the others).
    func writeJoins(_ rows: [JoinRow]) async throws -> [Result<Endorsement, any Error>] {
        let env = self.env
        return try await write { db in
            var outcomes = [Result<Endorsement, any Error>?](repeating: nil, count: rows.count)
            for statementID in Set(rows.map(\.statementID)) {
                let indices = rows.indices.filter { rows[$0].statementID == statementID }
                try await Self.lockStatement(db, id: statementID)
                let statement = try await Self.fetchStatement(db, id: statementID)
                let current = try await Self.currentAuthoritative(db, statementID: statementID)
                guard statement.publishedAt != nil, statement.state == .published else {
                    for i in indices { outcomes[i] = .failure(StoreError.join(.notPublished)) }
                    continue
                }
                let emails = indices.map { rows[$0].emailKey }
                var taken = Set<String>()
                for chunk in stride(from: 0, to: emails.count, by: 200) {
                    let part = Array(emails[chunk..<min(chunk + 200, emails.count)])
                    let found = try await db.select().column("email_key").from("endorsements")
                        .where("statement_id", .equal, statementID)
                        .where("email_key", .in, part).all()
                    for row in found { taken.insert(try row.decode(column: "email_key", as: String.self)) }
                }
                var accepted: [Int] = []
                for i in indices {
                    if rows[i].endorsement.versionHash != current.contentHash { outcomes[i] = .failure(StoreError.staleVersion); continue }
                    if !taken.insert(rows[i].emailKey).inserted { outcomes[i] = .failure(StoreError.join(.duplicateEmail)); continue }
                    accepted.append(i)
                }
                guard !accepted.isEmpty else { continue }
                let at = env.now()
                var insert = db.insert(into: "endorsements").columns(
                    "id", "statement_id", "signer_kind", "display_name", "place", "contact", "version_hash", "state", "founding",
                    "visibility", "imported", "name_key", "created_at", "updated_at", "signer_token_hash", "email_key", "confirm_token_hash")
                var mails = db.insert(into: "outbox").columns("id", "recipient", "subject", "body", "created_at", "attempts", "next_attempt_at")
                var hasMail = false
                for i in accepted {
                    let e = rows[i].endorsement
                    let values: [any Encodable & Sendable] = [
                        e.id, statementID, "individual", e.displayName, e.place, e.contact, e.versionHash.hex, "pending", 0,
                        e.visibility.rawValue, 0, CollationKey(e.displayName).storageKey, e.createdAt.millis, e.createdAt.millis,
                        rows[i].signerTokenHash, rows[i].emailKey,
                        rows[i].confirmTokenHash,
                    ]
                    insert = insert.values(values.map { SQLBind($0) as any SQLExpression })
                    if let mail = rows[i].mail {
                        hasMail = true
                        let m: [any Encodable & Sendable] = [env.newID(), mail.recipient, mail.subject, mail.body, at.millis, 0, at.millis]
                        mails = mails.values(m.map { SQLBind($0) as any SQLExpression })
                    }
                }
                try await insert.run()
                if hasMail { try await mails.run() }
                // The chain is extended in memory from its head, then written in one go.
                let head = try await db.raw("SELECT * FROM events WHERE statement_id = \(bind: statementID) ORDER BY seq DESC LIMIT 1").first()
                var previous = try head.map(Self.decodeEvent)
                var events = db.insert(into: "events").columns("statement_id", "seq", "kind", "at", "payload", "prev_hash", "hash")
                for i in accepted {
                    let e = rows[i].endorsement
                    let event = Event.next(after: previous, kind: .endorsementAdded, at: at, payload: [
                        "id": e.id, "kind": "individual", "name": "", "versionHash": e.versionHash.hex, "state": "pending", "via": "join",
                    ])
                    let values: [any Encodable & Sendable] = [statementID, event.sequence, event.kind, event.atMillis, event.payloadJSON,
                                                              event.prevHash, event.hash]
                    events = events.values(values.map { SQLBind($0) as any SQLExpression })
                    previous = event
                    outcomes[i] = .success(e)
                }
                try await events.run()
            }
            return outcomes.map { $0 ?? .failure(StoreError.database("join not processed")) }
        }
    }
}
