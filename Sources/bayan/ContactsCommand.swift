import ArgumentParser
import BayanApp
import BayanCore
import BayanStore
import Foundation

/// `bayan contacts purge`: signers' contact details erased by hand.
struct Contacts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Signers' contact details (kept until BAYAN_CONTACT_RETENTION_DAYS after a statement closes).",
        subcommands: [Purge.self, RotateKey.self])

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Seal every contact detail with a new key (stop `bayan serve` first, on every instance).",
            discussion: """
                With the key file, the new key replaces DATA/contacts.key and the old one is kept as \
                DATA/contacts.key.retired-ID: backups made before now open only with it (delete it if \
                the old key leaked). With BAYAN_CONTACTS_KEY, the new key is written to --new-key-file: \
                set BAYAN_CONTACTS_KEY to its content on every instance before starting them.
                """)
        @Option(help: "Where to write the new key when the key comes from BAYAN_CONTACTS_KEY (must not exist).")
        var newKeyFile: String?
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            let source = try dataOptions.contactKeys()
            if case .given = source, newKeyFile == nil {
                throw CLIError("the key comes from BAYAN_CONTACTS_KEY: name a file for the new one with --new-key-file")
            }
            let store = try await dataOptions.openStore()
            let old = store.contacts.key.id
            do {
                let (key, rows) = try await store.rotateContactKey(source: source, newKeyFile: newKeyFile)
                await store.close()
                print("contact details in \(rows) rows sealed again: key \(old) replaced by key \(key.id)")
                if case .file(let directory) = source {
                    print("the old key is kept as \(directory)/contacts.key.retired-\(old) for older backups")
                } else if let newKeyFile {
                    print("the new key is in \(newKeyFile): set BAYAN_CONTACTS_KEY to it before starting Bayan")
                }
            } catch {
                await store.close()
                throw CLIError("\(error)")
            }
        }
    }

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
