import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

/// `bayan invite`: invitation links from the command line, for large coalitions that keep
/// their member lists in files.
struct Invite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create invitation links for organisations (one name per line); prints NAME<TAB>/i/TOKEN.",
        discussion: "Each token is printed once and only its hash is stored; prefix the path with the public address.")
    @Argument(help: "The statement's slug.") var slug: String
    @Option(help: "File with one organisation name per line (default: standard input).") var file: String?
    @Option(help: "Days the links stay valid.") var days: Int = 30
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        let names = try readNames(file).map(\.text)
        let lifetime: InvitationLifetime
        do { lifetime = try InvitationLifetime(days: days) } catch { throw CLIError("--days: \(error)") }
        try await dataOptions.managing(slug) { app, statement in
            let batch = try await app.invite(statement, names: names, lifetime: lifetime)
            FileHandle.standardOutput.write(Data(batch.links.map { "\($0.name)\t/i/\($0.token)\n" }.joined().utf8))
            // Not an error: the others were invited; the coordinator learns who was not.
            for name in batch.alreadyInvited {
                FileHandle.standardError.write(Data("already invited, not invited again: \(name)\n".utf8))
            }
        }
    }
}

/// `bayan state`: the lifecycle from the command line (the web asks for confirmation).
struct State: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move a statement to circulating, draft, published or closed.")
    @Argument(help: "The statement's slug.") var slug: String
    @Option(help: "circulating, draft, published or closed.") var to: String
    @Option(help: "Founding list order at publication: arabic or signing.") var order: String?
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        guard let next = StatementState(rawValue: to) else { throw CLIError("unknown state '\(to)'") }
        let foundingOrder: FoundingOrder?
        if let order {
            guard let known = FoundingOrder(rawValue: order) else { throw CLIError("unknown order '\(order)': arabic or signing") }
            foundingOrder = known
        } else {
            foundingOrder = nil
        }
        try await dataOptions.managing(slug) { app, statement in
            let record = try await app.changeState(statement, to: next, order: foundingOrder)
            print("\(slug): \(record.state.rawValue)")
        }
    }
}

/// `bayan approve`: approve every sign-on that awaits review and has no duplicate
/// candidate; the ones with candidates stay for a person to decide.
struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve awaiting sign-ons that have no probable duplicate; prints how many were approved and held back.")
    @Argument(help: "The statement's slug.") var slug: String
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        try await dataOptions.managing(slug) { app, statement in
            let (approved, heldBack) = try await app.approveUnambiguous(statement)
            print("approved \(approved); held back for review \(heldBack)")
        }
    }
}

/// `bayan migrate-data`: move a whole SQLite instance into an empty PostgreSQL database.
struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Move a whole instance from a SQLite data directory to an empty PostgreSQL database, then verify it.")
    @Option(help: "The SQLite data directory to read.") var from: String
    @Option(help: "The PostgreSQL URL to write (postgres://user:password@host:port/db).") var to: String

    func run() async throws {
        guard FileManager.default.fileExists(atPath: (from as NSString).appendingPathComponent(SQLiteHandle.fileName)) else {
            throw CLIError("\(from) holds no \(SQLiteHandle.fileName)")
        }
        let source: SQLStore
        let target: SQLStore
        do {
            source = try await SQLStore.open(.sqlite(directory: from), contactKeys: try DataOptions.parse(["--data", from]).contactKeys())
            // Sealed contacts move as they are: the target holds the source's key.
            target = try await SQLStore.open(.postgres(url: to), contactKeys: .given(source.contacts.key))
        } catch { throw CLIError("\(error)") }
        do {
            let report = try await DataMigration.copy(from: source, to: target)
            await source.close()
            await target.close()
            print(report)
            print("contacts key \(source.contacts.key.id): give every instance \(ContactKeyFile.path(in: from)) or BAYAN_CONTACTS_KEY")
        } catch {
            await source.close()
            await target.close()
            throw CLIError("\(error)")
        }
    }
}
