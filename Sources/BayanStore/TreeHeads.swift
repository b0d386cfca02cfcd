import BayanCore
import Foundation
import SQLKit

/// The instance's signing key file, `signing.key` in the data directory (0600), made at the
/// first start; several instances share one through `BAYAN_SIGNING_KEY`.
public enum SigningKeyFile {
    public static let name = "signing.key"

    public static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The key in `directory`, nil when there is none.
    public static func read(directory: String) throws -> SigningKey? { try SecretFile.read(path(in: directory)) { try SigningKey(text: $0) } }

    /// The key in `directory`, made there when there is none yet.
    public static func load(directory: String) throws -> SigningKey {
        if let key = try read(directory: directory) { return key }
        let key = SigningKey.generate()
        try SecretFile.create(key.text + "\n", at: path(in: directory))
        return key
    }
}

/// Signed tree heads of each statement's log (issue 13).
extension SQLStore {
    public func latestTreeHead(of statementID: String) async throws(StoreError) -> TreeHead? {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw(
                    "SELECT * FROM tree_heads WHERE statement_id = \(bind: statementID) ORDER BY size DESC LIMIT 1"
                ).first().map { row in
                    TreeHead(
                        statementID: statementID, size: try row.decode(column: "size", as: Int.self),
                        root: try row.decode(column: "root", as: String.self), atMillis: try row.decode(column: "at", as: Int64.self),
                        keyID: try row.decode(column: "key_id", as: String.self),
                        signature: try row.decode(column: "signature", as: String.self))
                }
            }
        }
    }

    public func addTreeHead(_ head: TreeHead) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                try await db.raw(
                    """
                    INSERT INTO tree_heads (statement_id, size, root, at, key_id, signature)
                    VALUES (\(bind: head.statementID), \(bind: head.size), \(bind: head.root), \(bind: head.atMillis),
                            \(bind: head.keyID), \(bind: head.signature))
                    ON CONFLICT (statement_id, size) DO NOTHING
                    """
                ).run()
            }
        }
    }

    /// Signs a head for every statement whose log grew since its last one; returns how
    /// many. Off the request path: `bayan serve` runs it every minute. The clock is read
    /// only for a head to sign.
    public func signTreeHeads(with key: SigningKey) async throws(StoreError) -> Int {
        var signed = 0
        for summary in try await statementSummaries() {
            let statement = summary.statement
            let size = Int(try await revision(slug: statement.slug).split(separator: ":").last ?? "0") ?? 0
            let last = try await latestTreeHead(of: statement.id)?.size ?? 0
            guard size > last else { continue }
            let events = try await events(of: statement.id)
            try await addTreeHead(TreeHead.sign(statementID: statement.id, events: events, atMillis: env.now().millis, key: key))
            signed += 1
        }
        return signed
    }
}
