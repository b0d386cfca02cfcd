import ArgumentParser
import BayanCore
import BayanStore
import Foundation

/// `bayan key show`: the instance's signing key, to publish or compare by eye.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "The instance's Ed25519 key that signs each statement's tree heads.", subcommands: [Show.self, Rotate.self])

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

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the signing key with a new one that the old one endorses; the old key stays listed.",
            discussion: """
                Stop bayan serve first and start it again after: it reads the key when it starts. What the old key
                signed still verifies (it stays in /.well-known/bayan/keys.json, marked retired), and watchers that
                trusted it follow its endorsement to the new key. Its private half is deleted.
                """)
        @OptionGroup var dataOptions: DataOptions

        func run() async throws {
            guard Settings.reader.string(forKey: "bayan.signing.key", isSecret: true) == nil else {
                throw CLIError(
                    "BAYAN_SIGNING_KEY is set: rotate the key files of one data directory (unset it there), then give every instance the new key")
            }
            let rotated: (old: PublicSigningKey, new: PublicSigningKey)
            do { rotated = try SigningKeyFile.rotate(directory: dataOptions.directory, atMillis: Date().millis) } catch {
                throw CLIError("\(error)")
            }
            print("retired key: \(rotated.old.id)\nnew key id: \(rotated.new.id)\nfingerprint (SHA-256): \(rotated.new.fingerprint)")
            print("restart bayan serve to sign with the new key")
        }
    }
}
