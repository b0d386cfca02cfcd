import BayanCore
import BayanStore
import Foundation
import Hummingbird

/// A submitted `application/x-www-form-urlencoded` form.
struct Form: Sendable {
    var fields: [String: String]
    /// Repeated fields (`names=a&names=b`) in order.
    var all: [String: [String]]

    subscript(_ key: String) -> String { fields[key] ?? "" }

    static let byteLimit = 256 * 1024

    static func parse(_ body: String) -> Form {
        var fields: [String: String] = [:]
        var all: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            if fields[key] == nil { fields[key] = value }
            all[key, default: []].append(value)
        }
        return Form(fields: fields, all: all)
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// Reads the request body as a form, refusing bodies over `byteLimit` with 413.
    static func read(_ request: Request) async throws -> Form {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: byteLimit)
        } catch {
            throw HTTPError(.contentTooLarge, message: "The form is too large.")
        }
        return parse(String(buffer: buffer))
    }
}

/// Random capability tokens and their stored hashes.
public enum Tokens {
    /// 32 random bytes, base64url without padding: unguessable, safe in URLs and cookies.
    public static func make() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: rng.next()) { bytes.append(contentsOf: $0) } }
        // base64url without padding, mapped byte by byte (no string searching).
        let encoded = Data(bytes).base64EncodedString().utf8.compactMap { c -> UInt8? in
            switch c {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: c
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    public static func hash(_ token: String) -> String {
        ContentHash.sha256Hex(Data(token.utf8))
    }

    /// Compares secrets in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

/// Runs a store call, turning `.notFound` into nil so handlers can answer 404 pages.
func found<T>(_ op: () async throws(StoreError) -> T) async throws -> T? {
    do {
        return try await op()
    } catch {
        if case .notFound = error { return nil }
        throw error
    }
}
