import BayanApp
import BayanCore
import BayanStore
import Foundation
import Hummingbird

/// A submitted `application/x-www-form-urlencoded` form. A field whose percent-encoding
/// is broken makes the whole form a 400 with a message, never a silently empty field.
struct Form: Sendable {
    var fields: [String: String]

    subscript(_ key: String) -> String { fields[key] ?? "" }

    static let byteLimit = 256 * 1024

    /// The first value of each field; nil when an encoding is malformed.
    static func parse(_ body: String) -> Form? {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
            if fields[key] == nil { fields[key] = value }
        }
        return Form(fields: fields)
    }

    static func decode(_ s: Substring) -> String? {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Reads the request body as a form: over `byteLimit` is a 413, a broken encoding a
    /// 400, each with a message in the visitor's language.
    static func read(_ request: Request) async throws -> Form {
        // The language is negotiated only to refuse: this runs on every sign-on.
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: byteLimit)
        } catch {
            throw HTTPError(.contentTooLarge, message: Page.language(of: request).text("error.formTooLarge"))
        }
        guard let form = parse(String(buffer: buffer)) else {
            throw HTTPError(.badRequest, message: Page.language(of: request).text("error.encoding"))
        }
        return form
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
