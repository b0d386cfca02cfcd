import ArgumentParser
import BayanCore
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
            Signers' contacts in it are sealed with the instance's contacts key, which the backup does not \
            hold: keep a copy of the key (DATA/contacts.key) somewhere other than the backups, or they \
            restore without their contacts.
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
    @Option(name: .customLong("contacts-key"), help: "The key file the backup's contacts are sealed with (default: $BAYAN_CONTACTS_KEY).")
    var contactsKey: String?
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: file) else { throw CLIError("\(file) does not exist") }
        let key: ContactKey?
        if let contactsKey {
            do {
                guard let read = try ContactKeyFile.read(contactsKey) else { throw CLIError("\(contactsKey) does not exist") }
                key = read
            } catch let error as CLIError { throw error } catch { throw CLIError("\(error)") }
        } else if case .given(let given) = try dataOptions.contactKeys() {
            key = given
        } else {
            key = nil
        }
        do {
            let report = try await Backup.restore(file, into: dataOptions.location, key: key)
            print(report)
            // A PostgreSQL instance finds the key in its data directory unless it is given.
            if case .postgres = dataOptions.location, case .file(let directory) = try dataOptions.contactKeys() {
                let path = ContactKeyFile.path(in: directory)
                if try ContactKeyFile.read(path) == nil {
                    try FileManager.default.createDirectory(
                        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                    try ContactKeyFile.write(report.contactKey, to: path)
                }
            }
            print("contacts key \(report.contactKey.id)")
        } catch let error as StoreError {
            guard case .contactKey = error else { throw CLIError("\(error)") }
            throw CLIError("\(error)\ngive the key the backup was made with: --contacts-key FILE (the instance's contacts.key)")
        } catch { throw CLIError("\(error)") }
    }
}
