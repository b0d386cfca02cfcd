import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

/// `bayan token`: a coordinator's API tokens from the command line (issue 17).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list or revoke a coordinator's API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    /// The coordinator `email` names, or a clear error.
    static func coordinator(_ email: String, in store: SQLStore) async throws -> Coordinator {
        do { return try await store.coordinator(email: email) } catch { throw CLIError("no coordinator \(email)") }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token and print it once (only its hash is kept).")
        @Option(help: "The coordinator it acts for.") var email: String
        @Option(help: "A name to recognise it by.") var name: String = "api"
        @Option(help: "A statement it may act on (repeat; none: every statement the coordinator manages).") var statement: [String] = []
        @Flag(help: "Allow changes, not only reading.") var write = false
        @Option(help: "Days it stays valid (1-365).") var days: Int = 90
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            try await dataOptions.withStore { store in
                let coordinator = try await TokenCommand.coordinator(email, in: store)
                let app = Coordination(store: store, tokens: DerivedTokens(store: store))
                do {
                    let made = try await app.createAPIToken(
                        by: .coordinator(coordinator), name: name, slugs: statement, write: write, days: days)
                    FileHandle.standardOutput.write(Data((made.token + "\n").utf8))
                } catch { throw CLIError("\(error)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a coordinator's tokens (never their values).")
        @Option(help: "The coordinator.") var email: String
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            try await dataOptions.withStore { store in
                let coordinator = try await TokenCommand.coordinator(email, in: store)
                for t in try await store.apiTokens(coordinatorID: coordinator.id) {
                    let state = t.unusable(at: Date())?.rawValue ?? "active"
                    let scope = t.statementIDs.isEmpty ? "all" : "\(t.statementIDs.count) statement(s)"
                    print("\(t.id)\t\(t.name)\t\(t.mayWrite ? "write" : "read")\t\(scope)\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (from `bayan token list`).")
        @Option(help: "The coordinator.") var email: String
        @Argument(help: "The token's id.") var id: String
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            try await dataOptions.withStore { store in
                let coordinator = try await TokenCommand.coordinator(email, in: store)
                let app = Coordination(store: store, tokens: DerivedTokens(store: store))
                do { try await app.revokeAPIToken(id: id, by: .coordinator(coordinator)) } catch { throw CLIError("no token \(id) of \(email)") }
            }
        }
    }
}
