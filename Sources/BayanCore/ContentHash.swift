import Crypto
import Foundation

/// SHA-256 of a statement's canonical text. A sign-on records the hash of the exact text
/// it agreed to, so any later change of the text is visible as a different hash.
public struct ContentHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Lower-case hex, 64 characters.
    public let hex: String

    public init(hex: String) { self.hex = hex }

    public static func of(text: String) -> ContentHash {
        ContentHash(hex: sha256Hex(Data(text.utf8)))
    }

    /// The hash of a version's title and body in canonical form.
    public static func of(title: String, body: String) -> ContentHash {
        of(text: canonicalText(title: title, body: body))
    }

    /// The canonical text: NFC, LF line ends, trailing spaces of each line removed,
    /// leading and trailing blank lines removed; title, blank line, body.
    public static func canonicalText(title: String, body: String) -> String {
        canonical(title) + "\n\n" + canonical(body)
    }

    public static func canonical(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping
            .replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
        let lines = nfc.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var l = Substring(line)
            while let last = l.last, last == " " || last == "\t" { l = l.dropLast() }
            return String(l)
        }
        var start = 0
        var end = lines.count
        while start < end && lines[start].isEmpty { start += 1 }
        while end > start && lines[end - 1].isEmpty { end -= 1 }
        return lines[start..<end].joined(separator: "\n")
    }

    /// The first 12 hex digits, grouped, for people to compare by eye.
    public var fingerprint: String {
        let p = Array(hex.prefix(12))
        return stride(from: 0, to: p.count, by: 4).map { String(p[$0..<min($0 + 4, p.count)]) }
            .joined(separator: "-")
    }

    public var description: String { hex }

    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex of bytes. (`String(format:)` per byte cost 15% of a sign-on burst.)
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one hex digit (either case), nil for any other byte.
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes of lower- or upper-case hex text, nil if it is not hex.
    public static func bytes<S: StringProtocol>(hex: S) -> [UInt8]? {
        let text = Array(hex.utf8)
        guard text.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var i = 0
        while i < text.count {
            guard let high = hexValue(text[i]), let low = hexValue(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = hexDigits
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One version of a statement's text. The primary-language version is authoritative;
/// a translation names the authoritative version it translates.
public struct StatementVersion: Sendable, Codable, Equatable {
    public var number: Int
    public var language: String
    public var title: String
    public var body: String
    public var contentHash: ContentHash
    public var author: String
    public var createdAt: Date
    /// For a translation: the hash of the authoritative version it translates.
    public var translationOf: ContentHash?
    /// For a correction after publication: why the text changed.
    public var reason: String?

    public init(
        number: Int, language: String, title: String, body: String, author: String,
        createdAt: Date, translationOf: ContentHash? = nil, reason: String? = nil
    ) {
        self.number = number
        self.language = language
        self.title = ContentHash.canonical(title)
        self.body = ContentHash.canonical(body)
        self.contentHash = ContentHash.of(title: title, body: body)
        self.author = author
        self.createdAt = createdAt
        self.translationOf = translationOf
        self.reason = reason
    }

    /// A version read back from storage: its fields and hash as stored, not recomputed
    /// (re-hashing every version on every read cost 3% of a sign-on burst).
    public init(
        stored number: Int, language: String, title: String, body: String, contentHash: ContentHash, author: String,
        createdAt: Date, translationOf: ContentHash?, reason: String?
    ) {
        self.number = number
        self.language = language
        self.title = title
        self.body = body
        self.contentHash = contentHash
        self.author = author
        self.createdAt = createdAt
        self.translationOf = translationOf
        self.reason = reason
    }

    public var isAuthoritative: Bool { translationOf == nil }
}
