import Foundation

/// What a statement's public page asserts, as canonical JSON signed by the instance
/// (`/s/SLUG/manifest.json`, issue 13): its texts and their hashes, the founding and
/// later lists with their numbers, the counts, and the signed tree head of the log it
/// reflects. Checked against that log (`ManifestCheck`), every name and number on the page
/// is either vouched for by the log or named as a difference.
public struct Manifest: Sendable, Equatable, Codable {
    public static let format = "bayan-manifest-1"

    public struct Text: Sendable, Equatable, Codable {
        public var language: String
        public var title: String
        public var body: String
        /// `ContentHash.of(title:body:)` in hex: what signers agreed to.
        public var hash: String
        /// The version's number; nil for a translation.
        public var number: Int?

        public init(language: String, title: String, body: String, hash: String, number: Int?) {
            self.language = language
            self.title = title
            self.body = body
            self.hash = hash
            self.number = number
        }
    }

    public var format = Manifest.format
    public var statement: String
    public var slug: String
    public var state: String
    public var publishedAt: Int64?
    public var text: Text
    public var translations: [Text]
    public var founding: [LogReplay.ListEntry]
    public var later: [LogReplay.ListEntry]
    public var individuals: IndividualCount
    /// The signed head of the log this manifest reflects: the page was read with exactly
    /// `head.size` events in the log.
    public var head: TreeHead
    public var keyID = ""
    /// Base64 Ed25519 over `signedBytes`.
    public var signature = ""

    public init(
        statement: String, slug: String, state: String, publishedAt: Int64?, text: Text, translations: [Text],
        founding: [LogReplay.ListEntry], later: [LogReplay.ListEntry], individuals: IndividualCount, head: TreeHead
    ) {
        self.statement = statement
        self.slug = slug
        self.state = state
        self.publishedAt = publishedAt
        self.text = text
        self.translations = translations
        self.founding = founding
        self.later = later
        self.individuals = individuals
        self.head = head
    }

    /// Sorted keys, no insignificant space, no escaped slashes: the bytes served, and
    /// (without the signature) the bytes signed.
    public var canonical: [UInt8] { CanonicalJSON.encode(self) }

    /// A label and the SHA-256 of the canonical manifest with an empty signature.
    public var signedBytes: [UInt8] {
        var unsigned = self
        unsigned.signature = ""
        return Array("bayan manifest v1\n\(ContentHash.sha256Hex(unsigned.canonical))\n".utf8)
    }

    public mutating func sign(with key: SigningKey) {
        keyID = key.publicKey.id
        signature = ""
        signature = key.sign(signedBytes)
    }

    public func isSigned(by keys: [PublicSigningKey]) -> Bool {
        keys.first(where: { $0.id == keyID })?.isValid(signature: signature, for: signedBytes) == true
    }

    public static func decode(_ bytes: [UInt8]) throws(VerificationError) -> Manifest {
        do { return try JSONDecoder().decode(Manifest.self, from: Data(bytes)) } catch {
            throw .unreadable("manifest", "\(error)")
        }
    }
}

/// A file a verifier could not use, with what was wrong.
public enum VerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .unreadable(let what, let why): "\(what) cannot be read: \(why)"
        }
    }
}

/// The differences between what a page asserts and what its log adds up to.
public enum ListComparison {
    /// Each number's entry on the page against the log's, named by list and number: a
    /// renamed entry, one the log does not hold (inserted), one the page leaves out
    /// (deleted), a changed status.
    public static func differences(list: String, page: [LogReplay.ListEntry], log: [LogReplay.ListEntry]) -> [String] {
        let logged = Dictionary(log.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        let shown = Dictionary(page.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [String] = []
        if shown.count != page.count { out.append("\(list) list: a number appears twice") }
        for entry in page {
            guard let expected = logged[entry.number] else {
                out.append("\(list) signatory \(entry.number) (\(entry.name)) is not in the log (inserted)")
                continue
            }
            if entry.name != expected.name {
                out.append("\(list) signatory \(entry.number) is \(entry.name) here, \(expected.name) in the log (renamed outside the log)")
            }
            if entry.place != expected.place, expected.place != nil {
                out.append("\(list) signatory \(entry.number) (\(expected.name)): place \(entry.place ?? "none") here, \(expected.place!) in the log")
            }
            if entry.status != expected.status {
                out.append("\(list) signatory \(entry.number) (\(expected.name)) is \(entry.status) here, \(expected.status) in the log")
            }
        }
        for entry in log where shown[entry.number] == nil {
            out.append("\(list) signatory \(entry.number) (\(entry.name)) is in the log but missing here (deleted)")
        }
        return out
    }

    /// Counts against the log's: an inflated or deflated count.
    public static func differences(individuals page: IndividualCount, log: IndividualCount) -> [String] {
        var out: [String] = []
        if page.counted != log.counted {
            out.append("individuals: \(page.counted) counted here, \(log.counted) in the log\(page.counted > log.counted ? " (inflated)" : "")")
        }
        if page.named != log.named { out.append("individuals listed by name: \(page.named) here, \(log.named) in the log") }
        return out
    }
}
