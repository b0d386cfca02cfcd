import BayanCore
import Foundation
import SQLKit

/// Where an instance finds the key that seals signers' contact details.
public enum ContactKeySource: Sendable {
    /// `contacts.key` in the directory, made (owner-only) for a database that has no key yet.
    case file(directory: String)
    /// Given by the operator (`BAYAN_CONTACTS_KEY`), the same to every instance; never written.
    case given(ContactKey)
}

/// The key file: the key's text form and a newline, readable by its owner alone.
public enum ContactKeyFile {
    public static let name = "contacts.key"
    /// A new key written before the database is re-sealed with it (see `ContactKeys.rotate`).
    static let next = "contacts.key.next"

    public static func path(in directory: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The key in `path`, nil when there is no such file.
    public static func read(_ path: String) throws -> ContactKey? { try SecretFile.read(path) { try ContactKey(text: $0) } }

    /// Writes a new key file (never over an existing one) and flushes it to disk before
    /// anything is sealed with the key.
    public static func write(_ key: ContactKey, to path: String) throws { try SecretFile.create(key.text + "\n", at: path) }
}

/// A file only its owner reads (0600), created once and flushed before anything relies on it.
enum SecretFile {
    /// The file's text parsed by `parse`, nil when there is no file; a text `parse` refuses
    /// is an error naming the file.
    static func read<T>(_ path: String, _ parse: (String) throws -> T) throws -> T? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do { return try parse(text) } catch { throw StoreError.database("\(path): \(error)") }
    }

    /// Creates the file (never over an existing one), and its directory owner-only if it
    /// does not exist yet (a PostgreSQL instance's data directory).
    static func create(_ text: String, at path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw StoreError.database("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw StoreError.database("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Brings the database and the contacts key together when a store opens, and re-seals
/// everything under a new key.
enum ContactKeys {
    static let setting = "contacts_key"

    /// The seal for the database behind `handle`. The first key a database meets is
    /// recorded by its id; from then on only that key opens it (a wrong or missing key is
    /// a clear error, never garbage). Clear contacts an earlier version stored are sealed
    /// then, in one transaction, and the SQLite file is rewritten so no old page keeps them.
    static func prepare(_ handle: any DatabaseHandle, source: ContactKeySource) async throws -> ContactSeal {
        let recorded = try await handle.read { db in
            try await db.raw("SELECT value FROM settings WHERE key = \(bind: setting)").first()?.decode(column: "value", as: String.self)
        }
        let key: ContactKey
        switch source {
        case .given(let given): key = given
        case .file(let directory):
            let path = ContactKeyFile.path(in: directory)
            let nextPath = (directory as NSString).appendingPathComponent(ContactKeyFile.next)
            if let found = try ContactKeyFile.read(path) {
                if let recorded, recorded != found.id, let next = try ContactKeyFile.read(nextPath), next.id == recorded {
                    // A rotation committed and stopped before putting its key in place.
                    try retire(found, in: directory)
                    try FileManager.default.moveItem(atPath: nextPath, toPath: path)
                    key = next
                } else {
                    key = found
                }
            } else if let recorded {
                throw ContactKeyError.missingKeyFile(path: path, sealedWith: recorded)
            } else {
                key = ContactKey.generate()
                try ContactKeyFile.write(key, to: path)
            }
        }
        if let recorded {
            guard recorded == key.id else { throw ContactKeyError.unknownKey(sealedWith: recorded, held: key.id) }
            return ContactSeal(key: key)
        }
        let seal = ContactSeal(key: key)
        let sealedRows = try await handle.transaction { db -> Int in
            let inserted = try await db.raw(
                "INSERT INTO settings (key, value) VALUES (\(bind: setting), \(bind: key.id)) ON CONFLICT (key) DO NOTHING RETURNING value"
            ).first()
            guard inserted != nil else {
                // Another instance recorded its key first.
                let winner = try await db.raw("SELECT value FROM settings WHERE key = \(bind: setting)").first()!
                    .decode(column: "value", as: String.self)
                guard winner == key.id else { throw ContactKeyError.unknownKey(sealedWith: winner, held: key.id) }
                return 0
            }
            return try await reseal(db, open: { $0 }, with: seal)
        }
        if sealedRows > 0, let sqlite = handle as? SQLiteHandle { try await sqlite.compact() }
        return seal
    }

    /// Rewrites every contact detail: `open` reads the stored form, `seal` writes the new
    /// one, and the email lookup keys are made again from the addresses. Returns the rows
    /// rewritten.
    static func reseal(_ db: any SQLDatabase, open: (String) throws -> String, with seal: ContactSeal) async throws -> Int {
        var count = 0
        for row in try await db.raw("SELECT id, contact, email_key FROM endorsements WHERE contact IS NOT NULL OR email_key IS NOT NULL")
            .all()
        {
            let contact = try row.decode(column: "contact", as: String?.self).map(open)
            let emailKey = try row.decode(column: "email_key", as: String?.self)
            // The lookup key is the hash of the address the person joined with (their contact).
            let lookup = emailKey == nil ? nil : contact.map(seal.lookupKey)
            try await db.raw(
                """
                UPDATE endorsements SET contact = \(bind: seal.seal(contact)), email_key = \(bind: lookup)
                WHERE id = \(bind: try row.decode(column: "id", as: String.self))
                """
            ).run()
            count += 1
        }
        // Every other sealed column: one value per row, re-sealed as it is.
        for (table, column) in Self.otherSealedColumns {
            for row in try await db.raw("SELECT id, \(ident: column) AS value FROM \(ident: table) WHERE \(ident: column) IS NOT NULL").all() {
                let value = try open(try row.decode(column: "value", as: String.self))
                try await db.raw(
                    """
                    UPDATE \(ident: table) SET \(ident: column) = \(bind: seal.seal(value))
                    WHERE id = \(bind: try row.decode(column: "id", as: String.self))
                    """
                ).run()
                count += 1
            }
        }
        return count
    }

    /// The sealed columns besides an endorsement's contact (whose lookup key is re-made too).
    static let otherSealedColumns = [("organizations", "contact"), ("outbox", "recipient"), ("webhooks", "secret")]

    /// Keeps a replaced key beside the new one under its id: backups made before the
    /// rotation open only with it. Whoever rotated because the key leaked deletes it.
    static func retire(_ key: ContactKey, in directory: String) throws {
        let path = ContactKeyFile.path(in: directory)
        let retired = (directory as NSString).appendingPathComponent("contacts.key.retired-\(key.id)")
        if FileManager.default.fileExists(atPath: retired) {
            try FileManager.default.removeItem(atPath: path)
        } else {
            try FileManager.default.moveItem(atPath: path, toPath: retired)
        }
    }
}

extension SQLStore {
    /// Contact details in the database that are not sealed with this store's key (zero,
    /// unless something wrote past the store): a backup and a restore check it.
    public func contactsNotSealed() async throws(StoreError) -> Int {
        let pattern = ContactSeal.prefix + contacts.key.id + ".%"
        return try await Self.wrap {
            try await self.handle.read { db in
                var total = 0
                for (table, column) in [("endorsements", "contact")] + ContactKeys.otherSealedColumns {
                    let row = try await db.raw(
                        "SELECT COUNT(*) AS n FROM \(ident: table) WHERE \(ident: column) IS NOT NULL AND \(ident: column) NOT LIKE \(bind: pattern)"
                    ).first()!
                    total += try row.decode(column: "n", as: Int.self)
                }
                return total
            }
        }
    }

    public func contactLookupKey(_ normalized: String) -> String { contacts.lookupKey(normalized) }

    /// Re-seals every contact detail with `newKey` in one transaction and records it as the
    /// database's key. The store keeps sealing with the old key: close it afterwards and
    /// open with the new one.
    public func reseal(with newKey: ContactKey) async throws(StoreError) -> Int {
        let old = contacts
        let seal = ContactSeal(key: newKey)
        return try await Self.wrap {
            try await self.write { db in
                let recorded = try await db.raw("SELECT value FROM settings WHERE key = \(bind: ContactKeys.setting)").first()?
                    .decode(column: "value", as: String.self)
                guard recorded == old.key.id else {
                    throw ContactKeyError.unknownKey(sealedWith: recorded ?? "none", held: old.key.id)
                }
                let count = try await ContactKeys.reseal(db, open: { try old.open($0) }, with: seal)
                try await db.raw("UPDATE settings SET value = \(bind: newKey.id) WHERE key = \(bind: ContactKeys.setting)").run()
                return count
            }
        }
    }

    /// Key rotation: a new key, every contact detail re-sealed with it, the old key kept as
    /// `contacts.key.retired-<id>` (`.file`) or the new key written to `newKeyFile`
    /// (`.given`: set `BAYAN_CONTACTS_KEY` to it before the next start). A crash at any
    /// point leaves either key in charge, never neither. Close the store afterwards: it
    /// still seals with the old key.
    public func rotateContactKey(source: ContactKeySource, newKeyFile: String?) async throws -> (key: ContactKey, rows: Int) {
        let key = ContactKey.generate()
        switch source {
        case .file(let directory):
            let next = (directory as NSString).appendingPathComponent(ContactKeyFile.next)
            if FileManager.default.fileExists(atPath: next) { try FileManager.default.removeItem(atPath: next) }
            try ContactKeyFile.write(key, to: next)
            let rows = try await reseal(with: key)
            try ContactKeys.retire(contacts.key, in: directory)
            try FileManager.default.moveItem(atPath: next, toPath: ContactKeyFile.path(in: directory))
            return (key, rows)
        case .given:
            guard let newKeyFile else { throw StoreError.database("the key comes from BAYAN_CONTACTS_KEY: name a file for the new key") }
            try ContactKeyFile.write(key, to: newKeyFile)
            let rows = try await reseal(with: key)
            return (key, rows)
        }
    }
}
