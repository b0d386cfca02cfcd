import ArgumentParser
import BayanStore
import Foundation

/// `bayan backup`: a consistent copy of the whole instance while it serves.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, verified copy of the whole instance (SQLite or PostgreSQL) to one portable file.",
        discussion: """
            Safe while `bayan serve` runs. The file is a SQLite database with Bayan's schema; \
            `bayan restore` brings it back into a new data directory or an empty PostgreSQL database. \
            It holds signers' contacts: keep it as carefully as the data directory (it is written 0600).
            """)
    @Option(help: "The file to write (must not exist).") var output: String
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        if case .sqlite(let directory) = dataOptions.location,
            !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(SQLiteHandle.fileName))
        {
            throw CLIError("\(directory) holds no \(SQLiteHandle.fileName): nothing to back up")
        }
        try await dataOptions.withStore { store in
            do { print(try await Backup.write(store, to: output)) } catch { throw CLIError("\(error)") }
        }
    }
}

/// `bayan restore`: a backup into a new data directory or an empty PostgreSQL database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a file written by `bayan backup` into an empty target, then verify every statement.")
    @Argument(help: "The backup file.") var file: String
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: file) else { throw CLIError("\(file) does not exist") }
        do { print(try await Backup.restore(file, into: dataOptions.location)) } catch { throw CLIError("\(error)") }
    }
}
