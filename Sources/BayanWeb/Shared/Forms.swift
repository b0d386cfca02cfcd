import BayanCore
import Foundation
import Hummingbird

/// One text field of a submitted form. A field the browser did not send reads as empty,
/// as an input left blank does, so a form struct states its fields without optionals and
/// each handler's validation decides what is required.
@propertyWrapper
struct Field: Decodable, Sendable, Equatable {
    var wrappedValue: String

    init(wrappedValue: String = "") { self.wrappedValue = wrappedValue }

    init(from decoder: any Decoder) throws { wrappedValue = try decoder.singleValueContainer().decode(String.self) }
}

extension KeyedDecodingContainer {
    /// Absent is empty (see `Field`); a present field of another shape is still an error.
    func decode(_: Field.Type, forKey key: Key) throws -> Field { try decodeIfPresent(Field.self, forKey: key) ?? Field() }
}

/// A submitted `application/x-www-form-urlencoded` body, read once and decoded with
/// Hummingbird's URL-encoded form decoder into the form struct its handler declares.
/// A broken percent-encoding, a repeated field or a field of the wrong shape makes the
/// request a 400 with a message in the visitor's language, never a silently empty field.
struct FormBody: Sendable {
    let text: String

    static let byteLimit = 256 * 1024

    /// Reads the request body: over `byteLimit` is a 413 with a message.
    static func read(_ request: Request) async throws -> FormBody {
        do {
            return FormBody(text: String(buffer: try await request.body.collect(upTo: byteLimit)))
        } catch {
            // The language is negotiated only to refuse: this runs on every sign-on.
            throw HTTPError(.contentTooLarge, message: Page.language(of: request).text("error.formTooLarge"))
        }
    }

    /// The body as `T`, or a 400 that says the form could not be read.
    func decode<T: Decodable>(_: T.Type, _ request: Request) throws -> T {
        // Hummingbird's decoder turns bytes that are not UTF-8 into U+FFFD; Foundation's
        // refuses them. Field boundaries are ASCII, so the whole body decodes exactly when
        // every field does.
        guard Self.decodesAsUTF8(text) else {
            throw HTTPError(.badRequest, message: Page.language(of: request).text("error.encoding"))
        }
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: text)
        } catch {
            throw HTTPError(.badRequest, message: Page.language(of: request).text("error.encoding"))
        }
    }

    /// Whether the percent-decoded body is UTF-8. One pass over the bytes into a buffer the
    /// standard library validates (Foundation's `removingPercentEncoding` did the same at
    /// several times the cost, on every sign-on: Arabic text is all escapes). A `%` not
    /// followed by two hex digits is broken too.
    static func decodesAsUTF8(_ text: String) -> Bool {
        var bytes: [UInt8] = []
        var escaped = false
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(ContentHash.hexValue), let low = utf8.next().flatMap(ContentHash.hexValue) else {
                return false
            }
            bytes.append(high << 4 | low)
            escaped = true
        }
        return !escaped || String(validating: bytes, as: UTF8.self) != nil
    }

    /// Reads and decodes in one step, for handlers with one form.
    static func read<T: Decodable>(_: T.Type, _ request: Request) async throws -> T {
        try await read(request).decode(T.self, request)
    }
}
