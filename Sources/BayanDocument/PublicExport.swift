import BayanCore
import Foundation

/// The public data of a statement: what anyone may read and copy. Never holds contacts,
/// signer names or roles; those stay with coordinators.
///
/// JSON schema `bayan.statement/1` (field names are stable; new fields may be added):
/// ```
/// { "format": "bayan.statement/1", "slug": String, "state": "draft|circulating|published|closed",
///   "language": String, "title": String, "body": String (Markdown),
///   "version": { "number": Int, "hash": String (SHA-256 hex of the canonical text) },
///   "publishedAt": String? (ISO 8601 UTC),
///   "signatories": [ { "number": Int?, "name": String, "place": String?,
///                      "kind": "organization|individual", "list": "founding|later",
///                      "status": "signed|withdrawn" } ] }
/// ```
public struct PublicStatement: Codable, Equatable, Sendable {
    public var format = "bayan.statement/1"
    public var slug: String
    public var state: String
    public var language: String
    public var title: String
    public var body: String
    public var version: Version
    public var publishedAt: String?
    public var signatories: [Signatory]

    public struct Version: Codable, Equatable, Sendable {
        public var number: Int
        public var hash: String
        public init(number: Int, hash: String) {
            self.number = number
            self.hash = hash
        }
    }

    public struct Signatory: Codable, Equatable, Sendable {
        public var number: Int?
        public var name: String
        public var place: String?
        public var kind: String
        public var list: String
        public var status: String
        public init(number: Int?, name: String, place: String?, kind: String, list: String, status: String) {
            self.number = number
            self.name = name
            self.place = place
            self.kind = kind
            self.list = list
            self.status = status
        }
    }

    public init(
        slug: String, state: String, language: String, title: String, body: String,
        version: Version, publishedAt: String?, signatories: [Signatory]
    ) {
        self.slug = slug
        self.state = state
        self.language = language
        self.title = title
        self.body = body
        self.version = version
        self.publishedAt = publishedAt
        self.signatories = signatories
    }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(self)
    }

    /// The statement document (DESIGN.md section 3) of the current founding list.
    public var document: StatementDocument {
        StatementDocument(
            title: title, body: body,
            signatories: signatories.filter { $0.list == "founding" }.enumerated().map {
                .init(declaredNumber: $0.element.number ?? $0.offset + 1, name: $0.element.name)
            })
    }

    /// RFC 4180 CSV, UTF-8 with a BOM so spreadsheet programs show Arabic, CRLF line
    /// ends; cells that a spreadsheet would run as a formula are neutralised.
    public func csv() -> String {
        var out = "\u{FEFF}number,name,place,kind,list,status\r\n"
        for s in signatories {
            let cells = [s.number.map(String.init) ?? "", s.name, s.place ?? "", s.kind, s.list, s.status]
            out += cells.map(CSV.cell).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

public enum CSV {
    /// One CSV cell, always quoted: a spreadsheet that assumes `;` or a tab as separator
    /// (as many European and Turkish locales do) then still reads one cell, so no part of a
    /// name can become a cell of its own that starts a formula. Prefixed with `'` when a
    /// spreadsheet program could read it as a formula: its first character that is not a
    /// space or an invisible mark (which spreadsheets skip, and which a hostile name puts
    /// first) is one of `= + - @`, tab or CR, or their full-width forms.
    public static func cell(_ value: String) -> String {
        var v = value
        let lead = v.unicodeScalars.first {
            !($0.properties.isWhitespace && $0 != "\t" && $0 != "\r") && $0.properties.generalCategory != .format
        }
        if let lead, "=+-@\t\r＝＋－＠".unicodeScalars.contains(lead) { v = "'" + v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
