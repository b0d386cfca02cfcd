import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// A database the store runs on: serialized write transactions and concurrent reads.
/// SQLite and PostgreSQL differ only here and in `SchemaDialect`; the store's queries are
/// the same for both.
public protocol DatabaseHandle: Sendable {
    var dialect: SchemaDialect { get }
    /// Runs `body` in one transaction; everything in it commits or nothing does.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs read-only queries outside any write transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async throws
    /// Where write work should run, if the handle has a thread of its own for it.
    var writeExecutor: (any TaskExecutor)? { get }
}

/// The few schema differences between the databases, kept in one place.
public enum SchemaDialect: String, Sendable {
    case sqlite, postgres
}

/// When a commit is acknowledged (WAL mode). Both survive `kill -9` of Bayan: the WAL
/// is written before a commit is acknowledged. `FULL` also waits until the WAL is fsynced,
/// so an acknowledged sign-on survives a power cut or kernel crash; `NORMAL` may lose the
/// last commits then. Default: `FULL`. Bayan does FULL's fsync itself (`WALSyncer`), beside
/// the writer and shared by every batch committed meanwhile, instead of SQLite's
/// `synchronous=FULL` fsync inside each COMMIT; the guarantee is the same.
public enum SQLiteSynchronous: String, Sendable, CaseIterable {
    case full = "FULL"
    case normal = "NORMAL"
}

/// SQLite in WAL mode: one writer connection (writes are serialized, so the event chain
/// and founding numbers cannot race) and one reader connection that never waits for it.
public final class SQLiteHandle: DatabaseHandle {
    public let dialect = SchemaDialect.sqlite
    public let path: String
    let writer: SQLiteConnection
    let reader: SQLiteConnection
    let committer: GroupCommitter
    let writerExecutor: WriterExecutor
    public var writeExecutor: (any TaskExecutor)? { writerExecutor }

    let checkpointer: Checkpointer

    let syncer: WALSyncer?
    /// Set by `close`: a write after it fails at once instead of waiting for a writer
    /// thread that is gone (a background service still polling, a test that closed it).
    private let closed = Atomic<Bool>(false)

    init(
        path: String, writer: SQLiteConnection, reader: SQLiteConnection, writerExecutor: WriterExecutor, checkpointer: Checkpointer,
        syncer: WALSyncer?
    ) {
        self.path = path
        self.syncer = syncer
        self.checkpointer = checkpointer
        self.writer = writer
        self.reader = reader
        self.writerExecutor = writerExecutor
        self.committer = GroupCommitter(
            database: writer.sql(), executor: writerExecutor, syncer: syncer,
            committed: { await checkpointer.committed() })
    }

    public static let fileName = "bayan.sqlite"

    /// Opens (creating if needed) `DIR/bayan.sqlite`. The directory is created owner-only
    /// (0700) and the file 0600: it holds signers' private contacts.
    public static func open(
        directory: String, synchronous: SQLiteSynchronous = .full,
        logger: Logger = Logger(label: "bayan.sqlite")
    ) async throws -> SQLiteHandle {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if !fm.fileExists(atPath: directory, isDirectory: &isDir) {
            try fm.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } else if !isDir.boolValue {
            throw StoreError.database("\(directory) exists and is not a directory")
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        let writerExecutor = WriterExecutor()
        let writer: SQLiteConnection
        do {
            writer = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: writerExecutor.sqliteThread, logger: logger,
                on: writerExecutor.loop
            ).get()
        } catch {
            await writerExecutor.shutdown()
            throw error
        }
        do {
            for pragma in [
                "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=10000",
                // Statement journals of multi-row inserts stay in memory, and the
                // writer keeps the hot index pages of a burst cached (32 MB at most).
                "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-32768",
                // The checkpointer below does this, off the commit path.
                "PRAGMA wal_autocheckpoint=0",
                // A WAL that grew in a burst is cut back to 64 MB when it restarts.
                "PRAGMA journal_size_limit=67108864",
            ] {
                try await writer.sql().raw(SQLQueryString(pragma)).run()
            }
            try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let checkpointer: Checkpointer
            do {
                for pragma in ["PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000", "PRAGMA query_only=ON"] {
                    try await reader.sql().raw(SQLQueryString(pragma)).run()
                }
                checkpointer = try await Checkpointer.open(path: path)
            } catch {
                try? await reader.closeEvenIfCancelled()
                throw error
            }
            return SQLiteHandle(
                path: path, writer: writer, reader: reader, writerExecutor: writerExecutor, checkpointer: checkpointer,
                syncer: synchronous == .full ? WALSyncer(databasePath: path, executor: writerExecutor) : nil)
        } catch {
            try? await writer.closeEvenIfCancelled()
            await writerExecutor.shutdown()
            throw error
        }
    }

    /// Writes go through the group committer: concurrent transactions share one commit.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        guard !closed.load(ordering: .acquiring) else { throw StoreError.database("the database is closed") }
        let value = try await committer.submit { db in try await body(db) }
        return value as! T
    }

    /// How many commits served how many transactions (for tests and benchmarks).
    public var groupCommitStatistics: (batches: Int, jobs: Int) {
        get async { committer.statistics }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(reader.sql())
    }

    /// A consistent copy of the database in a new file, while writers go on: `VACUUM INTO`
    /// reads one snapshot. On a connection of its own, because the reader is query-only
    /// and the writer's transactions would contain it.
    public func vacuum(into file: String) async throws {
        try await withOwnConnection { db in try await db.raw("VACUUM INTO \(bind: file)").run() }
    }

    /// Rewrites the file without free pages and empties the WAL: after clear values were
    /// overwritten (contacts sealed), no old page or WAL frame keeps them.
    func compact() async throws {
        try await withOwnConnection { db in
            try await db.raw("VACUUM").run()
            try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        }
    }

    /// Runs `body` on a connection opened for it (waiting up to 10 s for locks) and
    /// closes it on every path.
    private func withOwnConnection(_ body: (any SQLDatabase) async throws -> Void) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: path)).get()
        do {
            try await connection.sql().raw("PRAGMA busy_timeout=10000").run()
            try await body(connection.sql())
        } catch {
            try? await connection.closeEvenIfCancelled()
            throw error
        }
        try await connection.closeEvenIfCancelled()
    }

    public func close() async throws {
        // Once: a second close would ask the writer's event loop, shut down by the first,
        // to answer, and wait forever.
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await checkpointer.close()
        await syncer?.shutdown()
        try await reader.closeEvenIfCancelled()
        try await writer.closeEvenIfCancelled()
        await writerExecutor.shutdown()
    }
}

extension SQLiteConnection {
    /// Closes the connection even when the calling task is cancelled: the async `close()`
    /// throws at once on a cancelled task and leaves the connection open (a process stopping
    /// during a backup crashed on SQLiteNIO's "not closed before deinitializing" check). The
    /// future is not cut short by cancellation.
    func closeEvenIfCancelled() async throws {
        let closing: EventLoopFuture<Void> = close()
        try await closing.get()
    }
}
