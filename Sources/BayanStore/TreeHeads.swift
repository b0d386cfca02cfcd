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

    /// The public keys used before the current one, with their endorsements
    /// (`signing-keys.json`, public: it is served as it is).
    public static let historyName = "signing-keys.json"

    /// The keys `/.well-known/bayan/keys.json` lists: those used before, then `current`.
    public static func published(directory: String, current: SigningKey) throws -> KeysFile {
        let file = (directory as NSString).appendingPathComponent(historyName)
        var keys: [KeysFile.Key] = []
        if let data = FileManager.default.contents(atPath: file) {
            do { keys = try JSONDecoder().decode(KeysFile.self, from: data).keys } catch {
                throw StoreError.database("\(file): not a keys file (\(error))")
            }
        }
        if !keys.contains(where: { $0.id == current.publicKey.id }) { keys.append(KeysFile.Key(current.publicKey)) }
        return KeysFile(keys: keys)
    }

    /// `bayan key rotate`: a new key replaces the one in `directory`, which endorses it and
    /// stays listed (its private half is deleted: it signs nothing more). The list is
    /// written before the key is replaced, so a crash between the two leaves the old key
    /// signing and the new one listed, never a key that is not listed.
    public static func rotate(directory: String, atMillis: Int64) throws -> (old: PublicSigningKey, new: PublicSigningKey) {
        guard let old = try read(directory: directory) else { throw StoreError.notFound("\(path(in: directory)) (no signing key to rotate)") }
        let fresh = SigningKey.generate()
        let next = path(in: directory) + ".next"
        if FileManager.default.fileExists(atPath: next) { try FileManager.default.removeItem(atPath: next) }
        try SecretFile.create(fresh.text + "\n", at: next)
        var listed = try published(directory: directory, current: old)
        for i in listed.keys.indices where listed.keys[i].id == old.publicKey.id { listed.keys[i].retired = true }
        var entry = KeysFile.Key(fresh.publicKey)
        entry.endorsedBy = old.publicKey.id
        entry.since = atMillis
        entry.endorsement = old.endorse(fresh.publicKey, atMillis: atMillis)
        listed.keys.append(entry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(listed).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(historyName)), options: .atomic)
        guard rename(next, path(in: directory)) == 0 else {
            throw StoreError.database("cannot put the new key in place: \(String(cString: strerror(errno)))")
        }
        return (old.publicKey, fresh.publicKey)
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
            let size = Revision.eventCount(try await revision(slug: statement.slug))
            let last = try await latestTreeHead(of: statement.id)?.size ?? 0
            guard size > last else { continue }
            let root = try await treeRoot(of: statement.id, size: size)
            try await addTreeHead(TreeHead.sign(statementID: statement.id, size: size, root: root, atMillis: env.now().millis, key: key))
            signed += 1
        }
        return signed
    }
}

extension SQLStore {
    /// Each statement's state by id: a read of the small statements table, for noticing a
    /// publication or another state change soon after it happens.
    public func statementStates() async throws(StoreError) -> [String: String] {
        try await Self.wrap {
            try await self.handle.read { db in
                var out: [String: String] = [:]
                for row in try await db.raw("SELECT id, state FROM statements").all() {
                    out[try row.decode(column: "id", as: String.self)] = try row.decode(column: "state", as: String.self)
                }
                return out
            }
        }
    }
}
