import BayanApp
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

/// Runs a store call, turning `.notFound` into nil so handlers can answer 404 pages.
func found<T>(_ op: () async throws(StoreError) -> T) async throws -> T? {
    do {
        return try await op()
    } catch {
        if case .notFound = error { return nil }
        throw error
    }
}
