import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Configuration
import Foundation

@main
struct Bayan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bayan",
        abstract: "Joint statements with numbered lists of signatory organisations.",
        subcommands: [
            Serve.self, CoordinatorCommand.self, Import.self, Export.self, Statements.self, Invite.self, State.self,
            Approve.self, Verify.self, KeyCommand.self, WatchCommand.self, MirrorCommand.self, MigrateData.self, BackupCommand.self,
            RestoreCommand.self, Contacts.self, TokenCommand.self,
            Doctor.self,
            Names.self, Dev.self,
        ])
}

/// `--data DIR`, shared by every command that opens the database. Precedence: the flag,
/// then `BAYAN_DATA` (through swift-configuration), then `./bayan-data`.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory holding bayan.sqlite (default: $BAYAN_DATA or ./bayan-data).")
    var data: String?

    @Option(name: .long, help: "Use PostgreSQL instead of SQLite: postgres://user:password@host:port/db (default: $BAYAN_DATABASE_URL).")
    var database: String?

    var directory: String {
        data ?? Settings.reader.string(forKey: "bayan.data", default: "./bayan-data")
    }

    var location: StoreLocation {
        StoreLocation(
            databaseURL: database ?? Settings.reader.string(forKey: "bayan.database.url", isSecret: true),
            dataDirectory: directory)
    }

    /// The contacts key: `BAYAN_CONTACTS_KEY` when set (several PostgreSQL instances share
    /// it), else `contacts.key` in the data directory, made on first start.
    func contactKeys() throws -> ContactKeySource {
        guard let text = Settings.reader.string(forKey: "bayan.contacts.key", isSecret: true), !text.isEmpty else {
            return .file(directory: directory)
        }
        do { return .given(try ContactKey(text: text)) } catch { throw CLIError("BAYAN_CONTACTS_KEY: \(error)") }
    }

    /// The instance's signing key: `BAYAN_SIGNING_KEY` when set, else `signing.key` in the
    /// data directory (made there with `creating`, as `bayan serve` does).
    /// The keys this instance lists: those it used before (`signing-keys.json` beside the
    /// key) and the current one; nil without a key.
    func publishedKeys() throws -> KeysFile? {
        guard let key = try signingKey(creating: false) else { return nil }
        do { return try SigningKeyFile.published(directory: directory, current: key) } catch { throw CLIError("\(error)") }
    }

    func signingKey(creating: Bool) throws -> SigningKey? {
        if let text = Settings.reader.string(forKey: "bayan.signing.key", isSecret: true), !text.isEmpty {
            do { return try SigningKey(text: text) } catch { throw CLIError("BAYAN_SIGNING_KEY: \(error)") }
        }
        do { return creating ? try SigningKeyFile.load(directory: directory) : try SigningKeyFile.read(directory: directory) } catch {
            throw CLIError("\(error)")
        }
    }

    /// Opens the store, runs `body`, and closes the store before returning, also when
    /// `body` throws (a `defer` cannot await the close).
    func withStore(_ body: (SQLStore) async throws -> Void) async throws {
        let store = try await openStore()
        do {
            try await body(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Opens the store and runs `body` with the application layer over it, acting as the
    /// server's operator on the statement `slug` (an unknown slug is a clear error).
    func managing(_ slug: String, _ body: (Coordination, ManagedStatement) async throws -> Void) async throws {
        try await withStore { store in
            let app = Coordination(store: store, tokens: DerivedTokens(store: store))
            let statement: ManagedStatement
            do { statement = try await app.manage(slug: slug, by: .serverOperator) } catch { throw CLIError("\(slug): \(error)") }
            do { try await body(app, statement) } catch let error as AppError { throw CLIError("\(slug): \(error)") }
        }
    }

    func openStore() async throws -> SQLStore {
        let level = Settings.reader.string(forKey: "bayan.sqlite.synchronous", default: "full").uppercased()
        guard let synchronous = SQLiteSynchronous(rawValue: level) else {
            throw CLIError("BAYAN_SQLITE_SYNCHRONOUS must be full or normal, not \(level.lowercased())")
        }
        let keys = try contactKeys()
        do { return try await SQLStore.open(location, synchronous: synchronous, contactKeys: keys) } catch {
            throw CLIError("\(location.description): \(error)")
        }
    }
}

/// Settings from the environment (`BAYAN_*`), read through swift-configuration.
enum Settings {
    static let reader = ConfigReader(provider: EnvironmentVariablesProvider())
}

/// A CLI failure with a message for the person at the terminal; exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Writes to standard error (warnings, progress), keeping standard output for data.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
