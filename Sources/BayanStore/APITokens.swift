import BayanCore
import Foundation
import SQLKit

/// Coordinators' API tokens (issue 17), migration 0016.
extension SQLStore {
    public func createAPIToken(
        coordinatorID: String, name: String, tokenHash: String, statementIDs: Set<String>, mayWrite: Bool, expiresAt: Date
    ) async throws(StoreError) -> APIToken {
        let env = self.env
        let token = APIToken(
            id: env.newID(), coordinatorID: coordinatorID, name: name, statementIDs: statementIDs, mayWrite: mayWrite,
            createdAt: env.now(), expiresAt: expiresAt, revokedAt: nil)
        try await Self.wrap {
            try await self.write { db in
                try await db.raw(
                    """
                    INSERT INTO api_tokens (id, coordinator_id, name, token_hash, statement_ids, may_write, created_at, expires_at)
                    VALUES (\(bind: token.id), \(bind: coordinatorID), \(bind: name), \(bind: tokenHash),
                      \(bind: statementIDs.sorted().joined(separator: " ")), \(bind: mayWrite ? 1 : 0),
                      \(bind: token.createdAt.millis), \(bind: expiresAt.millis))
                    """
                ).run()
            }
        }
        return token
    }

    public func apiToken(tokenHash: String) async throws(StoreError) -> APIToken {
        try await Self.wrap {
            try await self.handle.read { db in
                guard let row = try await db.raw("SELECT * FROM api_tokens WHERE token_hash = \(bind: tokenHash)").first() else {
                    throw StoreError.notFound("api token")
                }
                return try Self.decodeAPIToken(row)
            }
        }
    }

    public func apiTokens(coordinatorID: String) async throws(StoreError) -> [APIToken] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT * FROM api_tokens WHERE coordinator_id = \(bind: coordinatorID) ORDER BY created_at DESC, id").all()
                    .map(Self.decodeAPIToken)
            }
        }
    }

    public func revokeAPIToken(id: String, coordinatorID: String) async throws(StoreError) {
        let now = env.now()
        try await Self.wrap {
            try await self.write { db in
                guard
                    try await db.raw("SELECT id FROM api_tokens WHERE id = \(bind: id) AND coordinator_id = \(bind: coordinatorID)").first()
                        != nil
                else { throw StoreError.notFound("api token") }
                try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: now.millis) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
            }
        }
    }

    static func decodeAPIToken(_ row: any SQLRow) throws -> APIToken {
        APIToken(
            id: try row.decode(column: "id", as: String.self), coordinatorID: try row.decode(column: "coordinator_id", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            statementIDs: Set(try row.decode(column: "statement_ids", as: String.self).split(separator: " ").map(String.init)),
            mayWrite: try row.decode(column: "may_write", as: Int.self) != 0,
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            expiresAt: Date(millis: try row.decode(column: "expires_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)))
    }
}
