import Crypto
import Foundation

/// The instance's Ed25519 signing key. It signs each statement's tree heads, so a head
/// remembered outside the database (by `bayan verify`, a watcher, a mirror) pins the log:
/// a truncated or rewritten history no longer matches it.
public struct SigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    public init(privateKey: Curve25519.Signing.PrivateKey) { self.privateKey = privateKey }

    public static func generate() -> SigningKey { SigningKey(privateKey: .init()) }

    /// Reads the text form (base64 of the 32-byte private key).
    public init(text: String) throws(TreeHeadError) {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data)
        else { throw .malformedKey }
        privateKey = key
    }

    public var text: String { privateKey.rawRepresentation.base64EncodedString() }
    public var publicKey: PublicSigningKey { PublicSigningKey(raw: Array(privateKey.publicKey.rawRepresentation)) }

    /// This key's word that `successor` follows it (`PublicSigningKey.rotationBytes`).
    public func endorse(_ successor: PublicSigningKey, atMillis: Int64) -> String {
        sign(PublicSigningKey.rotationBytes(from: publicKey.id, to: successor, atMillis: atMillis))
    }

    func sign(_ bytes: [UInt8]) -> String {
        // Signing fails only for a malformed key, which `init` refuses.
        (try! privateKey.signature(for: bytes)).base64EncodedString()
    }
}

/// A public key as `/.well-known/bayan/keys.json` lists it.
public struct PublicSigningKey: Sendable, Equatable, Codable {
    /// The 32-byte Ed25519 public key.
    public let raw: [UInt8]

    public init(raw: [UInt8]) { self.raw = raw }

    public init(base64: String) throws(TreeHeadError) {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { throw .malformedKey }
        raw = Array(data)
    }

    /// First 8 bytes of SHA-256 over a label and the key, in hex: how heads name it.
    public var id: String { ContentHash.hex(SHA256.hash(data: Array("bayan signing key\n".utf8) + raw).prefix(8)) }
    public var base64: String { Data(raw).base64EncodedString() }
    /// The whole SHA-256 of the key, for comparing by eye or over the phone.
    public var fingerprint: String { ContentHash.hex(SHA256.hash(data: raw)) }

    /// What an old key signs when it hands over to `successor` (`bayan key rotate`), so
    /// that whoever trusted the old key can trust the new one: a label, both ids, the new
    /// key and the time.
    public static func rotationBytes(from old: String, to successor: PublicSigningKey, atMillis: Int64) -> [UInt8] {
        Array("bayan key rotation v1\n\(old)\n\(successor.id)\n\(successor.base64)\n\(atMillis)\n".utf8)
    }

    /// Whether this key handed over to `successor` with `signature`.
    public func endorses(_ successor: PublicSigningKey, atMillis: Int64, signature: String) -> Bool {
        isValid(signature: signature, for: Self.rotationBytes(from: id, to: successor, atMillis: atMillis))
    }

    func isValid(signature: String, for bytes: [UInt8]) -> Bool {
        guard let sig = Data(base64Encoded: signature), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            return false
        }
        return key.isValidSignature(sig, for: bytes)
    }
}

public enum TreeHeadError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedKey
    public var description: String { "a signing key is 32 bytes written in base64; this one is not" }
}

/// A signed tree head: the statement's log of `size` events has Merkle root `root`, as
/// the key `keyID` said at `atMillis`.
public struct TreeHead: Sendable, Equatable, Codable {
    public var statementID: String
    public var size: Int
    /// Hex.
    public var root: String
    public var atMillis: Int64
    public var keyID: String
    /// Base64 Ed25519 signature over `signedBytes`.
    public var signature: String

    public init(statementID: String, size: Int, root: String, atMillis: Int64, keyID: String, signature: String) {
        self.statementID = statementID
        self.size = size
        self.root = root
        self.atMillis = atMillis
        self.keyID = keyID
        self.signature = signature
    }

    /// What is signed: a label and each field on its own line.
    public var signedBytes: [UInt8] { Array("bayan tree head v1\n\(statementID)\n\(size)\n\(root)\n\(atMillis)\n\(keyID)\n".utf8) }

    /// The head of `events` (all of a statement's, in order), signed now.
    public static func sign(statementID: String, events: [Event], atMillis: Int64, key: SigningKey) -> TreeHead {
        sign(statementID: statementID, leaves: events.map(\.leafHash), atMillis: atMillis, key: key)
    }

    /// The head of a log whose leaves are `leaves`, signed now.
    public static func sign(statementID: String, leaves: [MerkleTree.Hash], atMillis: Int64, key: SigningKey) -> TreeHead {
        sign(statementID: statementID, size: leaves.count, root: MerkleTree.root(leaves), atMillis: atMillis, key: key)
    }

    /// The head of a log of `size` events with Merkle root `root`, signed now.
    public static func sign(statementID: String, size: Int, root: MerkleTree.Hash, atMillis: Int64, key: SigningKey) -> TreeHead {
        var head = TreeHead(
            statementID: statementID, size: size, root: ContentHash.hex(root),
            atMillis: atMillis, keyID: key.publicKey.id, signature: "")
        head.signature = key.sign(head.signedBytes)
        return head
    }

    /// Whether one of `keys` signed this head.
    public func isSigned(by keys: [PublicSigningKey]) -> Bool {
        keys.first(where: { $0.id == keyID })?.isValid(signature: signature, for: signedBytes) == true
    }

    /// What is wrong between this head and the log `events` (empty: nothing), checked
    /// against the keys the instance lists: a signature by no listed key, a log shorter
    /// than the head (truncated), or a first `size` events other than those signed
    /// (history rewritten, even with every chain hash recomputed).
    public func problems(events: [Event], keys: [PublicSigningKey]) -> [String] {
        problems(events: events, leaves: events.map(\.leafHash), keys: keys)
    }

    /// The same, with the events' leaves already computed (`bayan verify` makes each
    /// event's public form once for the head and the lists).
    public func problems(events: [Event], leaves: [MerkleTree.Hash], keys: [PublicSigningKey]) -> [String] {
        guard let key = keys.first(where: { $0.id == keyID }) else {
            return ["a tree head (\(size) events) is signed by key \(keyID), which this instance does not list"]
        }
        guard key.isValid(signature: signature, for: signedBytes) else {
            return ["the tree head of \(size) events does not carry a valid signature of key \(keyID)"]
        }
        guard leaves.count >= size else {
            return ["log truncated: a head signed at \(Date(millis: atMillis).iso) covers \(size) events, the log has \(leaves.count)"]
        }
        let recomputed = ContentHash.hex(MerkleTree.root(leaves[..<size]))
        guard recomputed == root else {
            let first = firstDifference(events: events)
            return [
                "history rewritten: events 1…\(size) are not those the head signed at \(Date(millis: atMillis).iso) covered"
                    + (first.map { " (from event \($0) on)" } ?? "")
            ]
        }
        return []
    }

    /// Without the old leaves only the root is known. Where the rewrite left the chain
    /// broken (later hashes not recomputed), its first broken event says where it began.
    private func firstDifference(events: [Event]) -> Int? {
        EventChain.verify(Array(events.prefix(size))).brokenSequence
    }
}

extension ChainVerification {
    var brokenSequence: Int? { if case .broken(let sequence, _) = self { sequence } else { nil } }
}

extension Date {
    var iso: String { ISO8601DateFormatter().string(from: self) }
}
