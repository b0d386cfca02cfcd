import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import SQLKit
import Testing

/// Issue 14, acceptance 2: signers' contacts are sealed at rest with a key kept outside
/// the database; a wrong or missing key is a clear error.
@Suite struct ContactSealing {
    static let addresses = ["salma.k@example.org", "amal@union.example", "x.y+z@exile.example"]
    static let phone = "+963 11 555 0199"

    @Test func aSealedValueOpensWithItsKeyOnly() throws {
        let seal = ContactSeal(key: .generate())
        let sealed = seal.seal("salma@example.org")
        #expect(!sealed.contains("salma") && sealed != seal.seal("salma@example.org"))
        #expect(try seal.open(sealed) == "salma@example.org")
        let other = ContactSeal(key: .generate())
        #expect(throws: ContactKeyError.unknownKey(sealedWith: seal.key.id, held: other.key.id)) { try other.open(sealed) }
        // One character of the ciphertext changed: refused, never garbage.
        var bytes = Array(sealed.utf8)
        bytes[bytes.count - 5] = bytes[bytes.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: ContactKeyError.unreadable) { try seal.open(String(decoding: bytes, as: UTF8.self)) }
        #expect(throws: ContactKeyError.unreadable) { try seal.open("salma@example.org") }
        // The lookup key: equal for equal addresses, different under another key.
        #expect(seal.lookupKey("a@b.example") == seal.lookupKey("a@b.example"))
        #expect(seal.lookupKey("a@b.example") != other.lookupKey("a@b.example") && !seal.lookupKey("a@b.example").contains("b.example"))
        #expect(try ContactKey(text: seal.key.text) == seal.key)
        #expect(throws: ContactKeyError.malformedKey) { try ContactKey(text: "c2hvcnQ=") }
    }

    /// Joins, a sign-on and a directory entry with known contacts, on either database:
    /// the stored columns hold none of them, the store reads them all back.
    @Test(arguments: TestDatabase.available)
    func storedColumnsHoldNoContactInClear(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await Self.writeContacts(store)
            let raw = try await store.handle.read { db in
                try await db.raw(
                    """
                    SELECT contact, email_key FROM endorsements UNION ALL SELECT recipient, NULL FROM outbox
                    UNION ALL SELECT contact, NULL FROM organizations
                    """
                ).all()
                    .map { row in
                        [try row.decode(column: "contact", as: String?.self), try row.decode(column: "email_key", as: String?.self)]
                            .compactMap { $0 }.joined(separator: " ")
                    }.joined(separator: "\n")
            }
            for address in Self.addresses + [Self.phone, "example"] { #expect(!raw.contains(address), "\(address) stored in clear") }
            let contacts = Set(try await store.endorsements(of: record.id).compactMap(\.contact))
            #expect(contacts == Set(Self.addresses))
            // One endorsement per email still holds, through the keyed hash.
            await #expect(throws: StoreError.join(.duplicateEmail)) {
                try await Self.join(store, record, "سلمى مرة ثانية", Self.addresses[0], token: "again")
            }
            #expect(try await store.claimOutbox(limit: 10, lease: 60, perHour: 100).map(\.recipient).sorted() == Self.addresses.sorted())
            #expect(try await store.contactsNotSealed() == 0)
        }
    }

    @Test func theDatabaseFileItsWALAndABackupHoldNoContactAndTheKeyIsRequired() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        let store = try await SQLStore.openSQLite(directory: data)
        let key = store.contacts.key
        do {
            _ = try await Self.writeContacts(store)
            // While the instance serves: the WAL holds the latest writes.
            #expect(FileManager.default.fileExists(atPath: data + "/bayan.sqlite-wal"))
            try Self.expectNoContact(in: [data + "/bayan.sqlite", data + "/bayan.sqlite-wal"])
            let report = try await Backup.write(store, to: dir.file("backup.sqlite"))
            #expect(report.contactKey == key)
            try Self.expectNoContact(in: [dir.file("backup.sqlite")])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        try Self.expectNoContact(in: [data + "/bayan.sqlite"])
        let keyFile = ContactKeyFile.path(in: data)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // A wrong key: refused, naming both keys.
        let other = ContactKey.generate()
        await #expect(throws: StoreError.contactKey(.unknownKey(sealedWith: key.id, held: other.id))) {
            try await SQLStore.openSQLite(directory: data, contactKeys: .given(other))
        }
        // A missing key file: refused (a new key is never made for a database that has one).
        try FileManager.default.moveItem(atPath: keyFile, toPath: dir.file("kept.key"))
        await #expect(throws: StoreError.contactKey(.missingKeyFile(path: keyFile, sealedWith: key.id))) {
            try await SQLStore.openSQLite(directory: data)
        }
        #expect(!FileManager.default.fileExists(atPath: keyFile))
        // A damaged key file: refused with what a key looks like.
        try "not a key\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        await #expect(throws: StoreError.self) { try await SQLStore.openSQLite(directory: data) }
        try FileManager.default.removeItem(atPath: keyFile)
        // The key given instead of the file (BAYAN_CONTACTS_KEY): contacts read back.
        let reopened = try await SQLStore.openSQLite(directory: data, contactKeys: .given(try ContactKey(text: key.text)))
        let statement = try await reopened.statement(slug: "joint-statement")
        let read = Set(try await reopened.endorsements(of: statement.id).compactMap(\.contact))
        await reopened.close()
        #expect(read == Set(Self.addresses))
        // The backup restores with the key only.
        await #expect(throws: StoreError.self) {
            try await Backup.restore(dir.file("backup.sqlite"), into: .sqlite(directory: dir.file("r1")), key: nil)
        }
        _ = try await Backup.restore(dir.file("backup.sqlite"), into: .sqlite(directory: dir.file("r2")), key: key)
        let restored = try await SQLStore.openSQLite(directory: dir.file("r2"))
        let back = Set(try await restored.endorsements(of: statement.id).compactMap(\.contact))
        await restored.close()
        #expect(back == Set(Self.addresses))
    }

    @Test func rotationSealsEverythingWithANewKeyAndKeepsTheOldOneForOlderBackups() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let old = store.contacts.key
        let record = try await Self.writeContacts(store)
        let (key, rows) = try await store.rotateContactKey(source: .file(directory: dir.path), newKeyFile: nil)
        await store.close()
        #expect(rows >= 4 && key != old)
        #expect(try ContactKeyFile.read(ContactKeyFile.path(in: dir.path)) == key)
        #expect(try ContactKeyFile.read(dir.file("contacts.key.retired-\(old.id)")) == old)
        let rotated = try await SQLStore.openSQLite(directory: dir.path)
        do {
            let unsealed = try await rotated.contactsNotSealed()
            #expect(rotated.contacts.key == key && unsealed == 0)
            #expect(Set(try await rotated.endorsements(of: record.id).compactMap(\.contact)) == Set(Self.addresses))
            await #expect(throws: StoreError.join(.duplicateEmail)) {
                try await Self.join(rotated, record, "سلمى مرة ثانية", Self.addresses[1], token: "again")
            }
        } catch {
            await rotated.close()
            throw error
        }
        await rotated.close()
        await #expect(throws: StoreError.self) { try await SQLStore.openSQLite(directory: dir.path, contactKeys: .given(old)) }
    }

    /// A rotation that committed and stopped before its key file was put in place: the
    /// next start finishes it.
    @Test func anInterruptedRotationIsFinishedAtTheNextStart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let old = store.contacts.key
        let record = try await Self.writeContacts(store)
        let next = ContactKey.generate()
        try ContactKeyFile.write(next, to: dir.file("contacts.key.next"))
        _ = try await store.reseal(with: next)
        await store.close()
        let reopened = try await SQLStore.openSQLite(directory: dir.path)
        let read = Set(try await reopened.endorsements(of: record.id).compactMap(\.contact))
        await reopened.close()
        #expect(reopened.contacts.key == next && read == Set(Self.addresses))
        #expect(try ContactKeyFile.read(dir.file("contacts.key.retired-\(old.id)")) == old)
        #expect(!FileManager.default.fileExists(atPath: dir.file("contacts.key.next")))
    }

    /// A database of a build that stored contacts in clear: sealed at the first start, and
    /// the file rewritten so no free page keeps the old values.
    @Test func anEarlierBuildsClearContactsAreSealedAtTheFirstStart() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/266d616/bayan.sqlite").path
        let address = "seed-99b16dcd-24@example.org"
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture)).range(of: Data(address.utf8)) != nil)
        try FileManager.default.copyItem(atPath: fixture, toPath: dir.file(SQLiteHandle.fileName))
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let contacts = try await store.statementSummaries().asyncFlatMap { try await store.endorsements(of: $0.statement.id) }
            .compactMap(\.contact)
        #expect(contacts.contains(address))
        #expect(try await store.contactsNotSealed() == 0)
        await store.close()
        for file in [dir.file(SQLiteHandle.fileName), dir.file(SQLiteHandle.fileName + "-wal")]
        where FileManager.default.fileExists(atPath: file) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)).range(of: Data(address.utf8)) == nil, "\(file)")
        }
    }

    // MARK: Helpers

    static func writeContacts(_ store: SQLStore) async throws -> StatementRecord {
        let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
        for (i, address) in addresses.enumerated() { try await join(store, record, "مؤيد \(i)", address, token: "t\(i)") }
        _ = try await store.saveOrganization(name: "نقابة المعلمين", latinName: nil, place: nil, kind: nil, contact: phone)
        return record
    }

    static func join(_ store: SQLStore, _ record: StatementRecord, _ name: String, _ address: String, token: String) async throws {
        let hash = try await store.currentVersion(of: record.id).contentHash
        _ = try await store.join(
            statementID: record.id,
            NewEndorsement(signerKind: .individual, displayName: name, contact: address, versionHash: hash, visibility: .public),
            emailKey: address, confirmTokenHash: "c-\(token)", signerTokenHash: "s-\(token)",
            mail: OutboxMessage(recipient: address, subject: "s", body: "b"))
    }

    static func expectNoContact(in files: [String]) throws {
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.count > 0)
            for needle in addresses + [phone] {
                #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) in clear in \(file)")
            }
            // Nor any part of an address (the domains are kept only for the join signals).
            #expect(bytes.range(of: Data("salma.k".utf8)) == nil)
        }
    }
}

extension Array {
    func asyncFlatMap<T>(_ transform: (Element) async throws -> [T]) async throws -> [T] {
        var out: [T] = []
        for element in self { out += try await transform(element) }
        return out
    }
}

/// Rate-limit windows name client addresses: PostgreSQL keeps them in a table, pruned a
/// day after they end (by `bayan serve`'s hourly retention run).
@Suite struct RateLimitPruning {
    @Test(arguments: TestDatabase.available)
    func windowsOlderThanADayAreForgotten(db: TestDatabase) async throws {
        try await withStore(db) { store in
            #expect(try await store.pruneRateLimits() == 0)
            let now = Int64(1_780_000_000_000)
            try await store.handle.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO rate_limits (bucket, window_start, hits) VALUES
                    ('join-ip:192.0.2.7', \(bind: now - 3 * 86_400_000), 3), ('join-ip:192.0.2.8', \(bind: now - 3_600_000), 1)
                    """
                ).run()
            }
            #expect(try await store.pruneRateLimits() == 1)
            let left = try await store.handle.read { db in
                try await db.raw("SELECT bucket FROM rate_limits").all().map { try $0.decode(column: "bucket", as: String.self) }
            }
            #expect(left == ["join-ip:192.0.2.8"])
        }
    }
}
