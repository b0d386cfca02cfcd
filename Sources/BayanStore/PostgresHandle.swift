import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through PostgresNIO's pooled client. Several Bayan instances share one
/// database: write transactions that touch a statement lock its row first
/// (`SQLStore.lockStatement`), so founding numbers and the event chain are decided by one
/// writer at a time per statement while other statements proceed in parallel.
public final class PostgresHandle: DatabaseHandle {
    public let dialect = SchemaDialect.postgres
    /// PostgreSQL writes wait on the network, not on a local writer thread.
    public var writeExecutor: (any TaskExecutor)? { nil }
    let client: PostgresClient
    let runner: Task<Void, Never>

    init(client: PostgresClient) {
        self.client = client
        runner = Task { await client.run() }
    }

    /// Pool housekeeping logs only errors; queries are not logged (they carry contacts).
    public static var quietLogger: Logger {
        var logger = Logger(label: "bayan.postgres")
        logger.logLevel = .error
        return logger
    }

    /// Opens a pool for `postgres://user:password@host:port/database[?sslmode=require]`.
    public static func open(url: String, logger: Logger = PostgresHandle.quietLogger) throws -> PostgresHandle {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw StoreError.database("not a PostgreSQL URL (postgres://user:password@host:port/database)")
        }
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS =
            switch sslmode {
            case "require", "verify-full": .require(.makeClientConfiguration())
            case "prefer": .prefer(.makeClientConfiguration())
            default: .disable
            }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 16
        return PostgresHandle(client: PostgresClient(configuration: configuration, backgroundLogger: logger))
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let db = connection.sql()
            try await db.raw("BEGIN").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql()) }
    }

    public func close() async throws {
        runner.cancel()
        _ = await runner.value
    }
}

/// Where the store lives: the embedded SQLite file by default, PostgreSQL when a URL is
/// configured (`--database` or `BAYAN_DATABASE_URL`).
public enum StoreLocation: Sendable, Equatable {
    case sqlite(directory: String)
    case postgres(url: String)

    public init(databaseURL: String?, dataDirectory: String) {
        if let url = databaseURL, !url.isEmpty { self = .postgres(url: url) } else { self = .sqlite(directory: dataDirectory) }
    }

    public var description: String {
        switch self {
        case .sqlite(let directory): return "SQLite \((directory as NSString).appendingPathComponent(SQLiteHandle.fileName))"
        case .postgres(let url):
            // Never print the password.
            if var c = URLComponents(string: url) {
                c.password = c.password == nil ? nil : "***"
                return "PostgreSQL \(c.string ?? "")"
            }
            return "PostgreSQL"
        }
    }
}

extension SQLStore {
    /// Opens the store at `location` and applies pending migrations (under an advisory
    /// lock on PostgreSQL, so instances starting together do not race). `contactKeys`
    /// defaults to the key file beside an SQLite database; PostgreSQL needs it named
    /// (every instance the same key).
    public static func open(
        _ location: StoreLocation, environment: StoreEnvironment = .init(),
        synchronous: SQLiteSynchronous = .full, contactKeys: ContactKeySource? = nil
    ) async throws(StoreError) -> SQLStore {
        switch location {
        case .sqlite(let directory):
            return try await openSQLite(directory: directory, environment: environment, synchronous: synchronous, contactKeys: contactKeys)
        case .postgres(let url):
            guard let contactKeys else {
                throw .database("PostgreSQL: name the contacts key (BAYAN_CONTACTS_KEY, or the key file in the data directory)")
            }
            return try await wrap {
                let handle = try PostgresHandle.open(url: url)
                do {
                    try await Migrations.run(on: handle)
                    let seal = try await ContactKeys.prepare(handle, source: contactKeys)
                    return SQLStore(handle: handle, environment: environment, contacts: seal)
                } catch {
                    try? await handle.close()
                    throw error
                }
            }
        }
    }
}
