import BayanCore
import Foundation
import SQLKit

/// A whole instance as one portable file: a SQLite database with Bayan's schema, whatever
/// the store it came from, so a backup of a PostgreSQL instance restores into SQLite and
/// the other way round. Each copy is taken in one snapshot while the instance serves and is
/// checked (counts, every statement's log) before it is declared written. Sessions, rate
/// counters and the mail queue are not part of it (README, "Backups").
public enum Backup {
    public struct Report: Sendable, CustomStringConvertible {
        public var rows: [(table: String, count: Int)]
        public var statements: [InstanceCheck.Statement]
        public var bytes: Int
        /// The key the copy's contacts are sealed with (a restore of a backup made before
        /// contacts were sealed makes one).
        public var contactKey: ContactKey
        public var description: String {
            (rows.map { "\($0.table): \($0.count)" } + statements.map(\.description) + ["bytes: \(bytes)"]).joined(separator: "\n")
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case exists(String)
        case notABackup(String)
        case targetNotEmpty(String)
        case unverified([InstanceCheck.Statement])
        case unsealed(Int)
        public var description: String {
            switch self {
            case .exists(let path): "\(path) exists; choose a new file name (a backup never overwrites)"
            case .notABackup(let path): "\(path) is not a Bayan backup (not a SQLite database)"
            case .targetNotEmpty(let target): "\(target) is not empty; restore into a new directory or an empty database"
            case .unverified(let failed): "the copy does not verify:\n" + failed.map(\.description).joined(separator: "\n")
            case .unsealed(let count): "the copy holds \(count) contact details not sealed with the instance's key"
            }
        }
    }

    /// Writes a consistent copy of `store` to `file` (which must not exist). From SQLite,
    /// `VACUUM INTO` on a connection of its own: one snapshot, every commit before it and none
    /// after, while the writer goes on. From PostgreSQL, every table read in one
    /// REPEATABLE READ transaction into a new SQLite file. Either way the copy is opened
    /// and verified in a directory beside `file`, then renamed into place.
    public static func write(_ store: SQLStore, to file: String) async throws -> Report {
        let fm = FileManager.default
        guard !fm.fileExists(atPath: file) else { throw Failure.exists(file) }
        let work = file + ".partial"
        guard !fm.fileExists(atPath: work) else { throw Failure.exists(work) }
        try fm.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(atPath: work) }
        let copyPath = (work as NSString).appendingPathComponent(SQLiteHandle.fileName)
        if let sqlite = store.handle as? SQLiteHandle {
            try await sqlite.vacuum(into: copyPath)
        } else {
            _ = try await using(.sqlite(directory: work), keys: .given(store.contacts.key)) { target in
                try await DataMigration.copy(from: store, to: target)
            }
        }
        // Opened with the instance's key, never a key file beside the copy: a backup holds
        // sealed contacts only, and the key stays with the instance.
        let report = try await using(.sqlite(directory: work), keys: .given(store.contacts.key), check)
        try? fm.removeItem(atPath: copyPath + "-wal")
        try? fm.removeItem(atPath: copyPath + "-shm")
        try fm.moveItem(atPath: copyPath, toPath: file)
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        var written = report
        written.bytes = (try? fm.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        return written
    }

    /// Restores `file` into `location`, which must be empty: a new SQLite directory (the
    /// file is copied in, then migrated if it is older than this build) or an empty
    /// PostgreSQL database (the data moved in one transaction). Every statement's log and
    /// texts are verified after; a copy that does not verify is removed and refused.
    /// `key`: the contacts key the backup was sealed with, written as the new directory's
    /// key file; without it a backup with sealed contacts is refused (a key file already
    /// in place, as after `bayan restore` of a copy, does not count: the target is empty).
    public static func restore(_ file: String, into location: StoreLocation, key: ContactKey?) async throws -> Report {
        let fm = FileManager.default
        // The header only: a backup may be gigabytes.
        let header = FileHandle(forReadingAtPath: file).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.read(upToCount: 16)
        }
        guard header == Data("SQLite format 3\u{0}".utf8) else { throw Failure.notABackup(file) }
        switch location {
        case .sqlite(let directory):
            if let entries = try? fm.contentsOfDirectory(atPath: directory), !entries.isEmpty { throw Failure.targetNotEmpty(directory) }
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let path = (directory as NSString).appendingPathComponent(SQLiteHandle.fileName)
            do {
                try fm.copyItem(atPath: file, toPath: path)
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                if let key { try ContactKeyFile.write(key, to: ContactKeyFile.path(in: directory)) }
                return try await using(location, keys: .file(directory: directory), check)
            } catch {
                for entry in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
                    try? fm.removeItem(atPath: (directory as NSString).appendingPathComponent(entry))
                }
                throw error
            }
        case .postgres:
            // The file opened as a store of its own (migrated to this build's schema), then
            // moved as `bayan migrate-data` does.
            let work = NSTemporaryDirectory() + "bayan-restore-\(UUID().uuidString)"
            try fm.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? fm.removeItem(atPath: work) }
            try fm.copyItem(atPath: file, toPath: (work as NSString).appendingPathComponent(SQLiteHandle.fileName))
            if let key { try ContactKeyFile.write(key, to: ContactKeyFile.path(in: work)) }
            do {
                return try await using(.sqlite(directory: work), keys: .file(directory: work)) { source in
                    try await using(location, keys: .given(source.contacts.key)) { target in
                        _ = try await DataMigration.copy(from: source, to: target)
                        return try await check(target)
                    }
                }
            } catch DataMigration.Failure.targetNotEmpty {
                throw Failure.targetNotEmpty(location.description)
            }
        }
    }

    /// Opens the store at `location`, runs `body`, and closes the store on every path (a
    /// `defer` cannot await the close).
    static func using<T>(_ location: StoreLocation, keys: ContactKeySource?, _ body: (SQLStore) async throws -> T) async throws -> T {
        let store = try await SQLStore.open(location, contactKeys: keys)
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch {
            await store.close()
            throw error
        }
    }

    /// Counts every table and verifies every statement; a statement that does not verify
    /// makes the copy a failure.
    static func check(_ store: SQLStore) async throws -> Report {
        var rows: [(String, Int)] = []
        for table in DataMigration.tables { rows.append((table.name, try await DataMigration.count(table.name, in: store))) }
        let statements = try await InstanceCheck.all(store)
        let failed = statements.filter { !$0.isValid }
        guard failed.isEmpty else { throw Failure.unverified(failed) }
        let unsealed = try await store.contactsNotSealed()
        guard unsealed == 0 else { throw Failure.unsealed(unsealed) }
        return Report(rows: rows, statements: statements, bytes: 0, contactKey: store.contacts.key)
    }
}

/// What `bayan verify` checks of a statement: its hash-chained log holds, and each stored
/// text still hashes to the hash its signatories agreed to.
public enum InstanceCheck {
    public struct Statement: Sendable, CustomStringConvertible {
        public var slug: String
        public var chain: ChainVerification
        /// Versions whose text no longer matches their hash.
        public var altered: [Int]
        /// What the log contradicts of itself or of its last signed tree head: a
        /// back-dated event, a truncated or rewritten log, a head by an unknown key.
        public var headProblems: [String] = []
        public var isValid: Bool { chain.isValid && altered.isEmpty && headProblems.isEmpty }
        public var description: String {
            var line = "\(slug): \(chain)"
            if !altered.isEmpty {
                line += "\n\(slug): text of version \(altered.map(String.init).joined(separator: ", ")) does not match its hash (altered)"
            }
            for problem in headProblems { line += "\n\(slug): \(problem)" }
            return line
        }
    }

    /// `keys`: the signing keys the instance lists; with them, the log is also checked
    /// against its last signed tree head.
    public static func statement(_ record: StatementRecord, in store: any Store, keys: [PublicSigningKey]? = nil) async throws(StoreError)
        -> Statement
    {
        let events = try await store.events(of: record.id)
        let chain = EventChain.verify(events)
        let altered = try await store.versions(of: record.id).filter { ContentHash.of(title: $0.title, body: $0.body) != $0.contentHash }
            .map(\.number)
        var result = Statement(slug: record.slug, chain: chain, altered: altered)
        result.headProblems = EventChain.backDated(events).map { e in
            "event \(e.sequence) (\(e.kind)) is dated before an earlier event of the log: back-dated"
        }
        let publicEvents = events.map(\.publicEvent)
        if let keys, let head = try await store.latestTreeHead(of: record.id) {
            result.headProblems += head.problems(events: events, leaves: publicEvents.map(\.leafHash), keys: keys)
        }
        result.headProblems += try await tableProblems(record, publicEvents: publicEvents, in: store)
        return result
    }

    /// The tables against what the log adds up to (`LogReplay`): a sign-on inserted,
    /// deleted, renamed, renumbered or moved to another state without its event, or a
    /// count that differs, each named. Logs begun before they recorded every entry are
    /// held to the chain and heads only.
    static func tableProblems(_ record: StatementRecord, publicEvents: [PublicEvent], in store: any Store) async throws(StoreError) -> [String] {
        let replay = LogReplay(publicEvents)
        var out = replay.problems.map { "log: \($0)" }
        guard replay.recordsLists else { return out }
        let organizations = try await store.organizationEndorsements(of: record.id)
        for e in organizations {
            guard let logged = replay.entries[e.id] else {
                out.append("sign-on \(e.id) (\(e.displayName)) is in the tables but not in the log (inserted outside the log)")
                continue
            }
            if let name = logged.name, name != e.displayName {
                out.append("sign-on \(e.id) is \(e.displayName) in the tables, \(name) in the log (renamed outside the log)")
            }
            if logged.state != e.state {
                out.append("sign-on \(e.id) (\(e.displayName)) is \(e.state.rawValue) in the tables, \(logged.state.rawValue) in the log")
            }
            if logged.number != e.number || logged.founding != e.founding {
                out.append(
                    "sign-on \(e.id) (\(e.displayName)) carries number \(e.number.map(String.init) ?? "none") in the tables, "
                        + "\(logged.number.map(String.init) ?? "none") in the log")
            }
        }
        let stored = Set(organizations.map(\.id))
        for logged in replay.entries.values where logged.kind == .organization && !stored.contains(logged.id) {
            out.append("sign-on \(logged.id) (\(logged.name ?? "")) is in the log but not in the tables (deleted outside the log)")
        }
        let page = try await store.individuals(of: record.id, offset: 0, limit: 0)
        out += ListComparison.differences(individuals: IndividualCount(counted: page.total, named: page.shown), log: replay.individuals)
        return out
    }

    public static func all(_ store: any Store, keys: [PublicSigningKey]? = nil) async throws(StoreError) -> [Statement] {
        var out: [Statement] = []
        for summary in try await store.statementSummaries() { out.append(try await statement(summary.statement, in: store, keys: keys)) }
        return out
    }
}
