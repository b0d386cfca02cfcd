import BayanCore
import Foundation
import SQLKit

/// Moves a whole instance from one store to another (in practice SQLite → PostgreSQL):
/// every table in dependency order, read in one snapshot of the source and written in one
/// transaction on the target, then checks row counts and every statement's event chain
/// on the target. Sessions are not moved:
/// coordinators sign in again.
public enum DataMigration {
    public struct Report: Sendable, CustomStringConvertible {
        public var rows: [(table: String, count: Int)]
        public var chains: Int
        public var description: String {
            rows.map { "\($0.table): \($0.count)" }.joined(separator: "\n") + "\nevent chains verified: \(chains)"
        }
    }

    /// Columns of each table, `true` for integer columns. Order matters: parents first.
    static let tables: [(name: String, columns: [(String, Bool)], order: String)] = [
        (
            "statements",
            [
                ("id", false), ("slug", false), ("state", false), ("language", false), ("founding_order", false),
                ("created_at", true), ("published_at", true),
            ], "id"
        ),
        (
            "statement_versions",
            [
                ("id", false), ("statement_id", false), ("number", true), ("language", false), ("title", false),
                ("body", false), ("content_hash", false), ("author", false), ("created_at", true),
                ("translation_of", false), ("reason", false),
            ], "id"
        ),
        (
            "organizations",
            [
                ("id", false), ("display_name", false), ("latin_name", false), ("place", false), ("kind", false),
                ("contact", false), ("name_key", false), ("match_key", false), ("created_at", true),
            ], "id"
        ),
        (
            "coordinators",
            [
                ("id", false), ("email", false), ("password_hash", false), ("role", false), ("disabled", true),
                ("created_at", true),
            ], "id"
        ),
        ("statement_coordinators", [("statement_id", false), ("coordinator_id", false)], "statement_id, coordinator_id"),
        (
            "endorsements",
            [
                ("id", false), ("statement_id", false), ("signer_kind", false), ("organization_id", false),
                ("display_name", false), ("place", false), ("signer_name", false), ("signer_role", false),
                ("contact", false), ("version_hash", false), ("state", false), ("founding", true), ("number", true),
                ("visibility", false), ("imported", true), ("name_key", false), ("created_at", true),
                ("updated_at", true), ("signer_token_hash", false), ("email_key", false), ("confirm_token_hash", false),
                ("stamp_hash", false), ("join_network", false), ("email_domain", false),
            ], "id"
        ),
        (
            "invitations",
            [
                ("id", false), ("statement_id", false), ("organization_id", false), ("organization_name", false),
                ("token_hash", false), ("created_at", true), ("expires_at", true), ("revoked", true),
                ("opened_at", true), ("uses", true), ("endorsement_id", false),
            ], "id"
        ),
        (
            "events",
            [
                ("statement_id", false), ("seq", true), ("kind", false), ("at", true), ("payload", false),
                ("prev_hash", false), ("hash", false),
            ], "statement_id, seq"
        ),
        ("embed_origins", [("statement_id", false), ("origin", false)], "statement_id, origin"),
        (
            "api_tokens",
            [
                ("id", false), ("coordinator_id", false), ("name", false), ("token_hash", false), ("statement_ids", false),
                ("may_write", true), ("created_at", true), ("expires_at", true), ("revoked_at", true),
            ], "id"
        ),
        (
            "webhooks",
            [
                ("id", false), ("statement_id", false), ("url", false), ("secret", false), ("sends_contacts", true),
                ("created_at", true), ("delivered_through", true), ("failures", true), ("next_attempt_at", true),
                ("claimed_until", true), ("last_error", false), ("last_delivered_at", true), ("disabled_at", true),
                ("disabled_reason", false),
            ], "id"
        ),
        (
            "tree_heads",
            [
                ("statement_id", false), ("size", true), ("root", false), ("at", true), ("key_id", false), ("signature", false),
            ], "statement_id, size"
        ),
    ]

    public enum Failure: Error, CustomStringConvertible {
        case targetNotEmpty(String)
        case countMismatch(table: String, source: Int, target: Int)
        case brokenChain(slug: String, ChainVerification)
        public var description: String {
            switch self {
            case .targetNotEmpty(let table): "the target database is not empty (table \(table) has rows); migrate into an empty database"
            case .countMismatch(let table, let source, let target): "after the move \(table) has \(target) rows, the source \(source)"
            case .brokenChain(let slug, let result): "the event chain of \(slug) does not verify on the target: \(result)"
            }
        }
    }

    public static func copy(from source: SQLStore, to target: SQLStore) async throws -> Report {
        // Sealed contacts move as they are: both ends must hold the same key.
        guard source.contacts.key == target.contacts.key else {
            throw ContactKeyError.unknownKey(sealedWith: source.contacts.key.id, held: target.contacts.key.id)
        }
        for table in ["statements", "organizations", "coordinators"] where try await count(table, in: target) > 0 {
            throw Failure.targetNotEmpty(table)
        }
        // Every table read in one snapshot, so a copy taken while the source serves is
        // consistent (its counts and logs agree with each other).
        let postgres = source.handle.dialect == .postgres
        let rowsByTable: [String: [[(any Encodable & Sendable)]]] = try await source.handle.read { db in
            try await db.raw(postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN").run()
            do {
                var read: [String: [[(any Encodable & Sendable)]]] = [:]
                for table in tables {
                    let columns = table.columns
                    let list = columns.map(\.0).joined(separator: ", ")
                    read[table.name] = try await db.raw("SELECT \(unsafeRaw: list) FROM \(unsafeRaw: table.name) ORDER BY \(unsafeRaw: table.order)")
                        .all().map { row in
                            try columns.map { column, isInt -> any Encodable & Sendable in
                                isInt ? try row.decode(column: column, as: Int64?.self) : try row.decode(column: column, as: String?.self)
                            }
                        }
                }
                try await db.raw("COMMIT").run()
                return read
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
        try await target.handle.transaction { db in
            for table in tables {
                let rows = rowsByTable[table.name] ?? []
                for chunk in stride(from: 0, to: rows.count, by: 500) {
                    var insert = db.insert(into: table.name).columns(table.columns.map(\.0))
                    for row in rows[chunk..<min(chunk + 500, rows.count)] {
                        insert = insert.values(row.map { SQLBind($0) as any SQLExpression })
                    }
                    try await insert.run()
                }
            }
        }
        var report: [(String, Int)] = []
        for table in tables {
            let s = rowsByTable[table.name]?.count ?? 0
            let t = try await count(table.name, in: target)
            guard s == t else { throw Failure.countMismatch(table: table.name, source: s, target: t) }
            report.append((table.name, t))
        }
        let statements = try await target.statementSummaries()
        for s in statements {
            let result = EventChain.verify(try await target.events(of: s.statement.id))
            guard result.isValid else { throw Failure.brokenChain(slug: s.statement.slug, result) }
        }
        return Report(rows: report, chains: statements.count)
    }

    static func count(_ table: String, in store: SQLStore) async throws -> Int {
        try await store.handle.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
    }
}
