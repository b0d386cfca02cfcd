import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

/// `bayan contacts purge`: signers' contact details erased by hand.
struct Contacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signers' contact details (kept until BAYAN_CONTACT_RETENTION_DAYS after a statement closes).",
        subcommands: [Purge.self])

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase contact details: of one statement now, or of every statement closed longer than the retention time.",
            discussion: "Names, numbers and the event log stay; an event records each erasure. `bayan serve` does the second hourly.")
        @Argument(help: "The statement whose contacts to erase now, whatever its state (default: every statement past retention).")
        var slug: String?
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let rule = try contactRetention()
            try await dataOptions.withStore { store in
                let retention = Retention(store: store, rule: rule)
                do {
                    if let slug {
                        let statement = try await Coordination(store: store, tokens: DerivedTokens(store: store))
                            .manage(slug: slug, by: .serverOperator)
                        print("\(slug): contact details erased from \(try await retention.purge(statement)) sign-ons")
                    } else {
                        let purged = try await retention.purgeDue()
                        if purged.isEmpty { print("no closed statement is past \(rule.days) days with contact details left") }
                        for (slug, count) in purged { print("\(slug): contact details erased from \(count) sign-ons") }
                    }
                } catch let error as AppError {
                    throw CLIError("\(error)")
                }
            }
        }
    }
}

/// `BAYAN_CONTACT_RETENTION_DAYS` (90): days after closing that contacts are kept.
func contactRetention() throws -> ContactRetention {
    let days = Settings.reader.int(forKey: "bayan.contact.retention.days", default: ContactRetention.defaultDays)
    guard days > 0 else { throw CLIError("BAYAN_CONTACT_RETENTION_DAYS must be a positive number of days, not \(days)") }
    return ContactRetention(days: days)
}
