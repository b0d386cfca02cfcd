import ArgumentParser
import BayanCore
import Foundation

/// `bayan key show`: the instance's signing key, to publish or compare by eye.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "The instance's Ed25519 key that signs each statement's tree heads.", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the signing key's id, public key and fingerprint.")
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard let key = try dataOptions.signingKey(creating: false) else {
                throw CLIError("\(dataOptions.directory) holds no signing.key yet: bayan serve makes it at its first start")
            }
            let p = key.publicKey
            print("key id: \(p.id)\npublic key (Ed25519, base64): \(p.base64)\nfingerprint (SHA-256): \(p.fingerprint)")
        }
    }
}
