import BayanCore
import Foundation

/// Random capability tokens and their stored hashes.
public enum Tokens {
    /// 32 random bytes, base64url without padding: unguessable, safe in URLs and cookies.
    public static func make() -> String {
        base64url(SecureRandom.bytes(32))
    }

    private static let base64urlDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// RFC 4648 §5 without padding, written directly (Foundation's base64 and a character
    /// map cost ~5 µs a token, and a sign-on makes two).
    public static func base64url(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(base64urlDigits[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(base64urlDigits[Int((n >> 18) & 63)])
            out.append(base64urlDigits[Int((n >> 12) & 63)])
            if rest == 2 { out.append(base64urlDigits[Int((n >> 6) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A token that sorts by creation time: 12 hex digits of milliseconds, a dot, then
    /// `make()`'s 32 random bytes. Its stored form (`hash`) keeps the time prefix, so a
    /// burst of sign-ons appends to the token indexes instead of writing a random index page
    /// per token (measured: two of the three random page writes of each stored join).
    /// The prefix is not secret; the random part is what makes the token unguessable.
    public static func makeOrdered(at date: Date = Date()) -> String {
        timePrefix(at: date) + make()
    }

    /// 12 hex digits of milliseconds and a dot: the sortable part of an ordered token.
    public static func timePrefix(at date: Date) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let digits = Array("0123456789abcdef".utf8)
        let prefix = (0..<12).map { digits[Int((millis >> UInt64(4 * (11 - $0))) & 0xF)] }
        return String(decoding: prefix, as: UTF8.self) + "."
    }

    /// What is stored and looked up for a token: its SHA-256, behind the time prefix of
    /// an ordered token.
    public static func hash(_ token: String) -> String {
        var token = token
        let digest = token.withUTF8 { ContentHash.sha256Hex(UnsafeRawBufferPointer($0)) }
        let bytes = token.utf8
        guard bytes.count > 13, let dot = bytes.firstIndex(of: UInt8(ascii: ".")), bytes.distance(from: bytes.startIndex, to: dot) == 12,
            bytes[..<dot].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return digest }
        return String(token[..<dot]) + "." + digest
    }

    /// Compares secrets in time independent of where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
