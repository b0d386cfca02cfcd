import BayanApp
import BayanCore
import BayanDocument
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
    static func parse(_ body: String) -> Form? { FormFields.parse(body).map(Form.init) }

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
