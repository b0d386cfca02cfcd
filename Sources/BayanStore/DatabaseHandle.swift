import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit

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
}

/// The few schema differences between the databases, kept in one place.
public enum SchemaDialect: String, Sendable {
    case sqlite, postgres
}

/// Serializes async critical sections (the single SQLite writer).
actor AsyncLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}

/// SQLite in WAL mode: one writer connection (writes are serialized, so the event chain
/// and founding numbers cannot race) and one reader connection that never waits for it.
public final class SQLiteHandle: DatabaseHandle {
    public let dialect = SchemaDialect.sqlite
    public let path: String
    let writer: SQLiteConnection
    let reader: SQLiteConnection
    let lock = AsyncLock()

    init(path: String, writer: SQLiteConnection, reader: SQLiteConnection) {
        self.path = path
        self.writer = writer
        self.reader = reader
    }

    public static let fileName = "bayan.sqlite"

    /// Opens (creating if needed) `DIR/bayan.sqlite`. The directory is created owner-only
    /// (0700) and the file 0600: it holds signers' private contacts.
    public static func open(directory: String, logger: Logger = Logger(label: "bayan.sqlite")) async throws -> SQLiteHandle {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if !fm.fileExists(atPath: directory, isDirectory: &isDir) {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
        } else if !isDir.boolValue {
            throw StoreError.database("\(directory) exists and is not a directory")
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                           "PRAGMA busy_timeout=10000"] {
                try await writer.sql().raw(SQLQueryString(pragma)).run()
            }
            try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for pragma in ["PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000", "PRAGMA query_only=ON"] {
                try await reader.sql().raw(SQLQueryString(pragma)).run()
            }
            return SQLiteHandle(path: path, writer: writer, reader: reader)
        } catch {
            try? await writer.close()
            throw error
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        await lock.acquire()
        let db = writer.sql()
        do {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                await lock.release()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        } catch {
            await lock.release()
            throw error
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await body(reader.sql())
    }

    public func close() async throws {
        try await reader.close()
        try await writer.close()
    }
}
