import BayanCore
import Foundation

/// A statement as coalitions write it by hand: a `# Title` line, body paragraphs, and a
/// numbered list of signatory organisations (DESIGN.md section 3).
public struct StatementDocument: Equatable, Sendable {
    public var title: String
    /// Markdown paragraphs separated by one blank line.
    public var body: String
    public var signatories: [Item]

    public struct Item: Equatable, Sendable {
        /// The number as written in the document (any script), if any.
        public var declaredNumber: Int
        public var name: String
        /// 1-based line of the source document.
        public var line: Int
        public init(declaredNumber: Int, name: String, line: Int = 0) {
            self.declaredNumber = declaredNumber
            self.name = name
            self.line = line
        }
        public static func == (a: Item, b: Item) -> Bool {
            a.declaredNumber == b.declaredNumber && a.name == b.name
        }
    }

    public init(title: String, body: String, signatories: [Item]) {
        self.title = title
        self.body = body
        self.signatories = signatories
    }

    /// Whether the list is numbered exactly 1...n in order.
    public var numberingIsClean: Bool {
        signatories.enumerated().allSatisfy { $0.element.declaredNumber == $0.offset + 1 }
    }

    /// The document in canonical form: what `export --format md` writes.
    public var markdown: String {
        var out = "# \(title)\n"
        if !body.isEmpty { out += "\n\(body)\n" }
        if !signatories.isEmpty {
            out += "\n"
            for item in signatories { out += "- \(item.declaredNumber) - \(item.name)\n" }
        }
        return out
    }
}

/// Something the importer accepted but a person should look at.
public struct DocumentWarning: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case skippedNumber(expected: Int, found: Int)
        case repeatedNumber(Int)
        /// Invisible characters removed from the line (or skipped around its number).
        case removedInvisible([InvisibleCharacter])
    }
    public let line: Int
    public let kind: Kind
    public init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }
    public var description: String {
        switch kind {
        case .skippedNumber(let expected, let found): "line \(line): numbering skips from \(expected) to \(found)"
        case .repeatedNumber(let n): "line \(line): number \(n) is repeated"
        case .removedInvisible(let characters):
            "line \(line): removed \(characters.map(\.description).joined(separator: ", "))"
        }
    }
    public var isRepeat: Bool { if case .repeatedNumber = kind { true } else { false } }
    public var isRemoval: Bool { if case .removedInvisible = kind { true } else { false } }
}

/// Why a document cannot be imported, naming the line where that is known.
public enum DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notUTF8(byteOffset: Int)
    case tooLarge(bytes: Int, limit: Int)
    case missingTitle(line: Int)
    case titleTooLong(line: Int, limit: Int)
    case nameTooLong(line: Int, limit: Int)
    case emptyName(line: Int)
    case unnumberedItem(line: Int)
    case unreadableLine(line: Int, text: String)
    case bodyTooLong(limit: Int)
    case noVisibleLetter(line: Int, text: String)
    case spoofingCharacter(line: Int, InvisibleCharacter, cleanedLine: String)
    case numberedLineInText(line: Int, listStart: Int?, separator: TextLine?)

    /// The line the error names, if it names one.
    public var line: Int? {
        switch self {
        case .empty, .notUTF8, .tooLarge, .bodyTooLong: nil
        case .missingTitle(let line), .titleTooLong(let line, _), .nameTooLong(let line, _), .emptyName(let line),
            .unnumberedItem(let line), .unreadableLine(let line, _), .noVisibleLetter(let line, _),
            .spoofingCharacter(let line, _, _), .numberedLineInText(let line, _, _):
            line
        }
    }

    public var description: String {
        switch self {
        case .empty: "the document is empty"
        case .notUTF8(let offset): "the document is not valid UTF-8 (first bad byte at offset \(offset)); save it as UTF-8 and try again"
        case .tooLarge(let bytes, let limit): "the document is \(bytes) bytes; the limit is \(limit) bytes"
        case .missingTitle(let line): "line \(line): expected the title, a line starting with '# '"
        case .titleTooLong(let line, let limit): "line \(line): the title is longer than \(limit) characters"
        case .nameTooLong(let line, let limit): "line \(line): the organisation name is longer than \(limit) characters"
        case .emptyName(let line): "line \(line): a list item without an organisation name"
        case .unnumberedItem(let line): "line \(line): a list item without a number (write it as '- N - Name')"
        case .unreadableLine(let line, let text): "line \(line): cannot read '\(text.prefix(40))' after the signatory list began"
        case .bodyTooLong(let limit): "the body is longer than \(limit) characters"
        case .noVisibleLetter(let line, let text): "line \(line): the signatory '\(text.prefix(40))' has no visible letter"
        case .spoofingCharacter(let line, let character, let cleaned):
            "line \(line): \(character) is an invisible character that can change the order in which the list is displayed; "
                + "remove it (the line then reads '\(cleaned.prefix(80))'), or import with --strip-controls to remove every such character"
        case .numberedLineInText(let line, let listStart, let separator):
            "line \(line): a numbered line in the statement's text, before the signatory list"
                + (listStart.map { " (which starts at line \($0))" } ?? "")
                + (separator.map { "; line \($0.line) ('\($0.text.prefix(40))') separates it from the list: if it is a signatory, number it" } ?? "")
                + ". If the numbered lines belong to the text (a list of demands), import with --numbered-text"
        }
    }
}

/// A line number and its text, for messages.
public struct TextLine: Equatable, Sendable {
    public let line: Int
    public let text: String
    public init(line: Int, text: String) {
        self.line = line
        self.text = text
    }
}

public struct ParsedDocument: Sendable {
    public var document: StatementDocument
    public var warnings: [DocumentWarning]
    /// Paragraphs of the body, for the import summary.
    public var paragraphCount: Int
    public init(document: StatementDocument, warnings: [DocumentWarning], paragraphCount: Int) {
        self.document = document
        self.warnings = warnings
        self.paragraphCount = paragraphCount
    }
}
