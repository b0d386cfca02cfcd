import ArgumentParser
import BayanCore
import BayanStore
import BayanWeb
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
        guard (1...365).contains(days) else { throw CLIError("--days must be between 1 and 365") }
        try await dataOptions.withStore { store in
            do {
                let statement = try await store.statement(slug: slug)
                var out = ""
                for name in names {
                    let token = Tokens.make()
                    _ = try await store.createInvitation(statementID: statement.id, organizationName: name, tokenHash: Tokens.hash(token),
                                                         expiresAt: Date().addingTimeInterval(Double(days) * 86_400))
                    out += "\(name)\t/i/\(token)\n"
                }
                FileHandle.standardOutput.write(Data(out.utf8))
            } catch {
                throw CLIError("\(error)")
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
        try await dataOptions.withStore { store in
            do {
                let statement = try await store.statement(slug: slug)
                let record = try await store.changeState(statementID: statement.id, to: next, foundingOrder: order.flatMap(FoundingOrder.init(rawValue:)))
                print("\(slug): \(record.state.rawValue)")
            } catch {
                throw CLIError("\(error)")
            }
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
        try await dataOptions.withStore { store in
            do {
                let statement = try await store.statement(slug: slug)
                let all = try await store.endorsements(of: statement.id).filter { $0.state != .rejected }
                let flagged = Set(ArabicTextDuplicates.flagged(all.map(\.displayName)).map { all[$0].id })
                var approved = 0
                for e in all where e.state == .confirmed && !flagged.contains(e.id) {
                    _ = try await store.setEndorsementState(statementID: statement.id, endorsementID: e.id, to: .approved, reason: nil)
                    approved += 1
                }
                print("approved \(approved); held back for review \(all.filter { $0.state == .confirmed && flagged.contains($0.id) }.count)")
            } catch {
                throw CLIError("\(error)")
            }
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
        let source: SQLStore, target: SQLStore
        do {
            source = try await SQLStore.open(.sqlite(directory: from))
            target = try await SQLStore.open(.postgres(url: to))
        } catch { throw CLIError("\(error)") }
        do {
            let report = try await DataMigration.copy(from: source, to: target)
            await source.close(); await target.close()
            print(report)
        } catch {
            await source.close(); await target.close()
            throw CLIError("\(error)")
        }
    }
}
