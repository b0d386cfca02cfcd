import Foundation

/// The canonical JSON of an event, written directly: an object with sorted keys, no
/// insignificant space, strings escaped as Foundation's `JSONEncoder` escapes them with
/// `.sortedKeys` and `.withoutEscapingSlashes`. Event hashes cover these bytes, so they
/// must stay byte-identical to what `JSONEncoder` wrote for the events already stored; a
/// differential test against `JSONEncoder` holds them to it. Encoding two events per
/// sign-on with `JSONEncoder` was ~25 µs each, most of a burst's per-row writer time.
public enum CanonicalJSON {
    /// A whole value as JSON with sorted keys and unescaped slashes: how manifests, logs,
    /// receipts and keys files are served, and the bytes a manifest's signature covers.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The public files hold strings, integers and arrays of them, which always encode.
        return Array(try! encoder.encode(value))
    }

    /// `{"k":"v",...}` with keys in code-point order.
    public static func object(_ fields: [String: String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for key in fields.keys.sorted() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            string(key, into: &out)
            out.append(UInt8(ascii: ":"))
            string(fields[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `["v",null,...]`: an array of strings and nulls.
    public static func array(_ values: [String?], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (n, value) in values.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            if let value { string(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(UInt8(ascii: "]"))
    }

    public static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escaping: copied in one go.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
