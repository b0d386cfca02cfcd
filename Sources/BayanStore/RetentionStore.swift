import BayanCore
import Foundation
import SQLKit

/// Erasing signers' contact details while the list and its log stay: what a signer's
/// address, its normalised copy kept to refuse a second join, and the network and email
/// domain a join came from are cleared; names, numbers, states and every event remain,
/// and an event records the erasure so the log explains the missing details.
extension SQLStore {
    /// The fields cleared; any of them still set means contacts remain.
    static let contactColumns = ["contact", "email_key", "join_network", "email_domain"]

    public func closedWithContacts() async throws(StoreError) -> [(statement: StatementRecord, closedAt: Date)] {
        let remaining = Self.contactColumns.map { "x.\($0) IS NOT NULL" }.joined(separator: " OR ")
        return try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    """
                    SELECT s.*, (SELECT MAX(e.at) FROM events e WHERE e.statement_id = s.id AND e.kind = 'statement.state') AS closed_at
                    FROM statements s WHERE s.state = 'closed'
                      AND EXISTS (SELECT 1 FROM endorsements x WHERE x.statement_id = s.id AND (\(unsafeRaw: remaining)))
                    ORDER BY s.id
                    """
                ).all().map { row in
                    (try row.record(StatementRow.self), Date(millis: try row.decode(column: "closed_at", as: Int64?.self) ?? 0))
                }
            }
        }
    }

    public func purgeContacts(statementID: String, reason: String) async throws(StoreError) -> Int {
        let env = self.env
        let remaining = Self.contactColumns.map { "\($0) IS NOT NULL" }.joined(separator: " OR ")
        let cleared = Self.contactColumns.map { "\($0) = NULL" }.joined(separator: ", ")
        return try await Self.wrap {
            try await self.write { db in
                try await Self.lockStatement(db, id: statementID)
                let count = try await db.raw(
                    "SELECT COUNT(*) AS n FROM endorsements WHERE statement_id = \(bind: statementID) AND (\(unsafeRaw: remaining))"
                ).first()!.decode(column: "n", as: Int.self)
                guard count > 0 else { return 0 }
                try await db.raw(
                    "UPDATE endorsements SET \(unsafeRaw: cleared) WHERE statement_id = \(bind: statementID) AND (\(unsafeRaw: remaining))"
                ).run()
                _ = try await Self.appendEvent(
                    db, env: env, statementID: statementID, kind: .contactsPurged, at: env.now(), payload: ["count": String(count), "reason": reason])
                return count
            }
        }
    }

    public func eraseContact(signerTokenHash: String) async throws(StoreError) -> Endorsement {
        let env = self.env
        let cleared = Self.contactColumns.map { "\($0) = NULL" }.joined(separator: ", ")
        return try await Self.wrap {
            try await self.write { db in
                guard
                    let row = try await db.raw("SELECT id, statement_id FROM endorsements WHERE signer_token_hash = \(bind: signerTokenHash)")
                        .first()
                else { throw StoreError.notFound("private link") }
                let id = try row.decode(column: "id", as: String.self)
                let statementID = try row.decode(column: "statement_id", as: String.self)
                try await Self.lockStatement(db, id: statementID)
                try await db.raw("UPDATE endorsements SET \(unsafeRaw: cleared) WHERE id = \(bind: id)").run()
                _ = try await Self.appendEvent(db, env: env, statementID: statementID, kind: .contactErased, at: env.now(), payload: ["id": id])
                return try await db.raw("SELECT * FROM endorsements WHERE id = \(bind: id)").first().map {
                    try Self.decodeEndorsement($0, self.contacts)
                }!
            }
        }
    }
}
