import BayanCore
import Crypto
import Foundation

/// The stamp a public join form carries: when the form was served (a submission that comes
/// back faster than a person can read is refused, one older than a day has expired), a
/// random part unique to one page load, and an HMAC under the instance secret, so it cannot
/// be forged. The stamp is also the form's one-use key: `useKey` is what the store keeps
/// to refuse the same form sent twice.
public struct FormStamps: Sendable {
    let tokens: DerivedTokens

    public init(tokens: DerivedTokens) { self.tokens = tokens }

    /// How long a served form may be sent: a day (the join and the resend form alike).
    public static let lifetime: TimeInterval = 86_400

    /// A new stamp for `slug`'s form, served at `date`. Two pages served in the same
    /// millisecond must not share a stamp, hence the random part.
    public func issue(slug: String, at date: Date = Date()) async throws -> String {
        let issued = Int64(date.timeIntervalSince1970 * 1000)
        let nonce = ContentHash.hex(SecureRandom.bytes(8))
        return "\(issued).\(nonce).\(try await mac("\(issued)|\(nonce)|\(slug)"))"
    }

    /// When the stamped form was served, or nil if the stamp is forged, malformed, for
    /// another statement, or older than `lifetime` at `now`. The MAC is checked by
    /// swift-crypto's constant-time comparison.
    public func servedAt(_ stamp: String, slug: String, now: Date = Date()) async throws -> Date? {
        let parts = stamp.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let issued = Int64(parts[0]), parts[1].count == 16, parts[1].allSatisfy(\.isHexDigit),
            let code = ContentHash.bytes(hex: parts[2]), code.count == SHA256.byteCount,
            HMAC<SHA256>.isValidAuthenticationCode(
                code, authenticating: Data("\(issued)|\(parts[1])|\(slug)".utf8), using: try await tokens.key())
        else { return nil }
        let served = Date(timeIntervalSince1970: Double(issued) / 1000)
        return now.timeIntervalSince(served) < Self.lifetime ? served : nil
    }

    /// What the store keeps of a used stamp (unique: a replayed form is refused): its hash
    /// behind the time the form was served, so that a burst of joins, whose forms were
    /// served in about the order they are sent, appends to the index on it instead of
    /// writing a page at a random place of it for every join (see BENCHMARKS.md).
    public static func useKey(_ stamp: String, servedAt: Date) -> String {
        Tokens.hash(Tokens.timePrefix(at: servedAt) + "stamp \(stamp)")
    }

    func mac(_ text: String) async throws -> String {
        ContentHash.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: try await tokens.key()))
    }
}
