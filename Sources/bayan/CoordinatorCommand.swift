import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator", abstract: "Manage coordinator accounts.",
        subcommands: [Create.self, List.self, Disable.self, Password.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a coordinator account (the first one should be an admin).")
        @Option(help: "Email address used to sign in.") var email: String
        @Option(help: "admin (all statements and the directory) or coordinator (granted statements).")
        var role: CoordinatorRole = .admin
        @Flag(help: "Read the password from standard input instead of asking for it.") var passwordStdin = false
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let email = email.trimmingCharacters(in: .whitespaces).lowercased()
            guard email.contains("@"), email.split(separator: "@").count == 2, !email.contains(" ") else {
                throw CLIError("'\(email)' is not a valid email address")
            }
            let password = try readPassword(for: email, fromStandardInput: passwordStdin)
            let cost = bcryptCost()
            try await dataOptions.withStore { store in
                do {
                    _ = try await store.createCoordinator(email: email, passwordHash: Passwords.hash(password, cost: cost), role: role)
                } catch {
                    throw CLIError("\(error)")
                }
                print("created \(role.rawValue) \(email); sign in at /login")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List coordinator accounts.")
        @OptionGroup var dataOptions: DataOptions
        func run() async throws {
            try await dataOptions.withStore { store in
                let rows = try await store.coordinators().map { [$0.email, $0.role.rawValue, $0.disabled ? "disabled" : "active"] }
                print(Table.render(header: ["EMAIL", "ROLE", "STATUS"], rows: rows))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a coordinator account and end its sessions.")
        @Option(help: "Email address of the account.") var email: String
        @OptionGroup var dataOptions: DataOptions
        func run() async throws {
            try await dataOptions.withStore { store in
                do { try await store.setCoordinatorDisabled(email: email, disabled: true) } catch { throw CLIError("\(error)") }
                print("disabled \(email)")
            }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a coordinator's password (one forgotten or leaked) and end all of their sessions.")
        @Option(help: "Email address of the account.") var email: String
        @Flag(help: "Read the password from standard input instead of asking for it.") var passwordStdin = false
        @OptionGroup var dataOptions: DataOptions
        func run() async throws {
            let email = email.trimmingCharacters(in: .whitespaces).lowercased()
            let password = try readPassword(for: email, fromStandardInput: passwordStdin)
            let hash = Passwords.hash(password, cost: bcryptCost())
            try await dataOptions.withStore { store in
                do { try await store.setPassword(email: email, passwordHash: hash, keeping: nil) } catch { throw CLIError("\(error)") }
                print("new password set for \(email); every session of theirs has ended")
            }
        }
    }
}

/// A password from standard input or the terminal (not echoed), checked by the one rule.
func readPassword(for email: String, fromStandardInput: Bool) throws -> String {
    let password: String
    if fromStandardInput {
        password = readLine(strippingNewline: true) ?? ""
    } else {
        guard let raw = getpass("Password for \(email): ") else { throw CLIError("no password given") }
        password = String(cString: raw)
    }
    guard PasswordRule.accepts(password) else {
        throw CLIError("the password must have between \(PasswordRule.minimumLength) and \(PasswordRule.maximumLength) characters")
    }
    return password
}

/// `BAYAN_BCRYPT_COST`, read in one place for the CLI and `serve`.
func bcryptCost() -> UInt8 { UInt8(clamping: Settings.reader.int(forKey: "bayan.bcrypt.cost", default: Int(Passwords.defaultCost))) }

extension CoordinatorRole: ExpressibleByArgument {}
