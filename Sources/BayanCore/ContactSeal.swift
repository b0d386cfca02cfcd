import Crypto
import Foundation

/// The key that seals signers' contact details. It lives outside the database (a key
/// file in the data directory, or `BAYAN_CONTACTS_KEY`), so a copied database file or a
/// backup reveals no address or phone number.
public struct ContactKey: Sendable, Equatable {
    /// 32 random bytes.
    let material: SymmetricKey
    /// Names the key without revealing it (recorded in the database and in every sealed
    /// value, so a wrong key is recognised before anything is opened).
    public let id: String

    public init(material: SymmetricKey) {
        self.material = material
        let digest = SHA256.hash(data: Data("bayan contacts key id\n".utf8) + material.withUnsafeBytes { Data($0) })
        id = ContentHash.hex(digest.prefix(8))
    }

    /// A new random key.
    public static func generate() -> ContactKey { ContactKey(material: SymmetricKey(size: .bits256)) }

    /// Reads the text form (base64 of 32 bytes, surrounding white space ignored).
    public init(text: String) throws(ContactKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed), data.count == 32 else { throw .malformedKey }
        self.init(material: SymmetricKey(data: data))
    }

    /// The text form kept in a key file or an environment variable.
    public var text: String { material.withUnsafeBytes { Data($0).base64EncodedString() } }

    public static func == (a: ContactKey, b: ContactKey) -> Bool { a.id == b.id }
}

public enum ContactKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedKey
    /// A sealed value names a key this instance does not hold.
    case unknownKey(sealedWith: String, held: String)
    /// A value that is not sealed where a sealed one belongs, or one altered since sealing.
    case unreadable
    /// The database's contacts are sealed and the key file is not where it belongs.
    case missingKeyFile(path: String, sealedWith: String)

    public var description: String {
        switch self {
        case .malformedKey: "a contacts key is 32 random bytes written in base64 (44 characters); this one is not"
        case .unknownKey(let sealedWith, let held):
            "contact details sealed with key \(sealedWith), but this instance holds key \(held): give it the key the database was written with"
        case .unreadable: "a stored contact detail does not open with the contacts key: it was altered or written by something else"
        case .missingKeyFile(let path, let sealedWith):
            "this database's contact details are sealed with key \(sealedWith) and \(path) is missing: "
                + "put the key file back (from where you keep it, apart from the backups) or set BAYAN_CONTACTS_KEY"
        }
    }
}

/// Seals and opens contact details (ChaCha20-Poly1305, a random nonce per value) and
/// makes the keyed hash that finds "one endorsement per email" without the address.
public struct ContactSeal: Sendable {
    public let key: ContactKey
    let lookup: SymmetricKey

    public static let prefix = "c1."

    public init(key: ContactKey) {
        self.key = key
        // A key of its own for the lookup hash: the sealing key is used for one purpose.
        lookup = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key.material, info: Data("bayan email lookup".utf8), outputByteCount: 32)
    }

    /// `c1.<key id>.<base64 of nonce, ciphertext and tag>`.
    public func seal(_ plain: String) -> String {
        // ChaChaPoly.seal only fails for a nonce of the wrong size; it makes its own.
        let box = try! ChaChaPoly.seal(Data(plain.utf8), using: key.material)
        return Self.prefix + key.id + "." + box.combined.base64EncodedString()
    }

    public func seal(_ plain: String?) -> String? { plain.map { seal($0) } }

    public func open(_ sealed: String) throws(ContactKeyError) -> String {
        let parts = sealed.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard sealed.hasPrefix(Self.prefix), parts.count == 3 else { throw .unreadable }
        guard parts[1] == key.id else { throw .unknownKey(sealedWith: String(parts[1]), held: key.id) }
        guard let data = Data(base64Encoded: String(parts[2])), let box = try? ChaChaPoly.SealedBox(combined: data),
            let plain = try? ChaChaPoly.open(box, using: key.material), let text = String(data: plain, encoding: .utf8)
        else { throw .unreadable }
        return text
    }

    public func open(_ sealed: String?) throws(ContactKeyError) -> String? {
        guard let sealed else { return nil }
        return try open(sealed)
    }

    /// Whether `value` is sealed with this key (a legacy clear value is not).
    public func isSealed(_ value: String) -> Bool { value.hasPrefix(Self.prefix + key.id + ".") }

    /// The keyed hash of a normalised email: equal addresses give equal keys, and without
    /// the contacts key no address can be tried against it.
    public func lookupKey(_ normalized: String) -> String {
        "k1." + ContentHash.hex(HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: lookup))
    }
}
