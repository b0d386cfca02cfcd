import ArgumentParser
import BayanCore
import BayanWeb
import Foundation

/// `bayan mirror SLUG --output DIR`: a static copy of a public statement to carry
/// elsewhere (`StaticMirror`).
struct MirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Write a self-contained static copy of a public statement: pages, downloads, manifest, log, keys.")
    @Argument(help: "The statement's slug.") var slug: String
    @Option(help: "The directory to write (made if missing).") var output: String
    @Option(help: "The instance's public address, where the join link points (default: $BAYAN_PUBLIC_URL).") var instance: String?
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        guard let raw = instance ?? Settings.reader.string(forKey: "bayan.public.url"), let address = PublicAddress.validated(raw) else {
            throw CLIError("the mirror's join link needs the instance's address: --instance https://… or BAYAN_PUBLIC_URL")
        }
        // The instance's key, made now if `bayan serve` has not made it yet.
        guard let key = try dataOptions.signingKey(creating: true) else { throw CLIError("no signing key") }
        try await dataOptions.withStore { store in
            let files: [String: [UInt8]]
            do {
                files = try await StaticMirror.files(
                    slug: slug, store: store, key: key, keys: try dataOptions.publishedKeys(), instance: address, now: Date())
            } catch {
                throw CLIError("\(error)")
            }
            try StaticMirror.write(files, to: output)
            print("wrote \(files.count) files to \(output); check them with: bayan verify --offline \(output)")
        }
    }
}
