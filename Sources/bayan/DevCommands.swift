import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

/// Helpers for benchmarks and load tests; not for real statements.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Development helpers for benchmarks (never use on real data).",
        subcommands: [SeedIndividuals.self, SeedLog.self, FormStampsCommand.self])

    struct SeedIndividuals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-individuals", abstract: "Add N generated individual endorsers (confirmed, or pending) to a statement.")
        @Argument(help: "The statement's slug.") var slug: String
        @Option(help: "How many.") var count: Int
        @Option(help: "confirmed (counted on the page) or pending (waiting in the moderation queue).") var state: String = "confirmed"
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard count > 0 && count <= 5_000_000 else { throw CLIError("--count must be between 1 and 5,000,000") }
            guard let seeded = EndorsementState(rawValue: state), seeded == .confirmed || seeded == .pending else {
                throw CLIError("--state must be confirmed or pending")
            }
            try await dataOptions.withStore { store in
                do {
                    let statement = try await store.statement(slug: slug)
                    let start = ContinuousClock.now
                    try await store.seedIndividuals(statementID: statement.id, count: count, state: seeded)
                    print("seeded \(count) \(seeded.rawValue) individuals in \(ContinuousClock.now - start)")
                } catch { throw CLIError("\(error)") }
            }
        }
    }

    struct SeedLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-log", abstract: "Append N empty events to a statement's log (a log of a million events to measure proofs).")
        @Argument(help: "The statement's slug.") var slug: String
        @Option(help: "How many.") var count: Int
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard count > 0 && count <= 5_000_000 else { throw CLIError("--count must be between 1 and 5,000,000") }
            try await dataOptions.withStore { store in
                do {
                    let statement = try await store.statement(slug: slug)
                    let start = ContinuousClock.now
                    try await store.seedLog(statementID: statement.id, count: count)
                    print("appended \(count) events in \(ContinuousClock.now - start)")
                } catch { throw CLIError("\(error)") }
            }
        }
    }

    /// Join-form stamps as page loads would have them, for a load generator that sends
    /// each form once (stamps are one-use): issued in order, one every `--interval-ms`,
    /// the last a second ago.
    struct FormStampsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "form-stamps", abstract: "Print N valid join-form stamps of a statement, one a line, oldest first.")
        @Argument(help: "The statement's slug.") var slug: String
        @Option(help: "How many.") var count: Int
        @Option(name: .customLong("interval-ms"), help: "Milliseconds between two stamps' serving times.") var intervalMs: Double = 0.1
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard count > 0 && count <= 5_000_000 else { throw CLIError("--count must be between 1 and 5,000,000") }
            guard intervalMs >= 0 && intervalMs <= 60_000 else { throw CLIError("--interval-ms must be between 0 and 60000") }
            try await dataOptions.withStore { store in
                do {
                    _ = try await store.statement(slug: slug)
                    let stamps = FormStamps(tokens: DerivedTokens(store: store))
                    let last = Date().addingTimeInterval(-1)
                    var out = ""
                    out.reserveCapacity(count * 100)
                    for i in 0..<count {
                        let at = last.addingTimeInterval(-Double(count - 1 - i) * intervalMs / 1000)
                        out += try await stamps.issue(slug: slug, at: at)
                        out += "\n"
                    }
                    FileHandle.standardOutput.write(Data(out.utf8))
                } catch { throw CLIError("\(error)") }
            }
        }
    }
}
