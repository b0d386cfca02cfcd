import BayanCore
import Foundation

/// Reads the statement document format with the tolerances people need in practice:
/// BOM, CRLF, trailing spaces, blank lines between items, several numbering styles
/// (`- 1 - `, `1. `, `1- `, `1) `, Arabic-Indic and Eastern digits), optional final full
/// stops. Numbering that skips or repeats is reported as warnings, never renumbered here.
///
/// Structure (title, blank lines, bullets, numbers, separators) is read on the *visible*
/// text: invisible characters that Word, Google Docs, WhatsApp and Facebook leave in pasted
/// Arabic (direction marks, BOMs, zero-width spaces, soft hyphens, isolates) are skipped
/// around the structural parts, so one of them cannot turn a list line into a paragraph.
/// Names then go through `NameText`, the one name rule of the whole application.
public enum DocumentParser {
    /// Choices the person importing makes explicitly.
    public struct Options: Sendable {
        /// Keep numbered lines that come before the signatory list in the statement's text
        /// (a numbered list of demands). Off by default: such a line is refused, because it
        /// is more often a signatory that slipped out of the list.
        public var numberedLinesInText: Bool
        /// Remove embeddings and overrides inside names instead of refusing the line.
        public var stripSpoofingControls: Bool
        public init(numberedLinesInText: Bool = false, stripSpoofingControls: Bool = false) {
            self.numberedLinesInText = numberedLinesInText
            self.stripSpoofingControls = stripSpoofingControls
        }
    }

    public static func parse(_ data: Data, options: Options = .init(), byteLimit: Int = Limits.documentBytes)
        throws(DocumentError) -> ParsedDocument
    {
        guard data.count <= byteLimit else { throw .tooLarge(bytes: data.count, limit: byteLimit) }
        guard !data.isEmpty else { throw .empty }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .notUTF8(byteOffset: firstInvalidUTF8Offset(data))
        }
        return try parse(text, options: options)
    }

    public static func parse(_ raw: String, options: Options = .init()) throws(DocumentError) -> ParsedDocument {
        var text = raw
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(trimTrailing(String($0))) }
        guard let titleIndex = lines.firstIndex(where: { !$0.isBlank }) else { throw .empty }
        guard let title = titleText(lines[titleIndex]) else { throw .missingTitle(line: titleIndex + 1) }
        guard Limits.fits(title, limit: Limits.titleLength) else {
            throw .titleTooLong(line: titleIndex + 1, limit: Limits.titleLength)
        }

        // The signatory list is the last block of numbered items. Nothing but blank lines
        // may follow it; a stray line there would otherwise swallow the list into the body.
        let rest = Array(lines.indices.dropFirst(titleIndex + 1))
        var listStart = lines.count
        if let lastItem = rest.last(where: { lines[$0].item != nil }) {
            if let stray = rest.first(where: { $0 > lastItem && !lines[$0].isBlank }) {
                throw .unreadableLine(line: stray + 1, text: lines[stray].text)
            }
            var i = lastItem
            while i > titleIndex + 1 {
                let previous = lines[i - 1]
                if previous.isBlank || previous.item != nil || previous.isBullet { i -= 1 } else { break }
            }
            // Leading bullets and blanks belong to the body; bullets after the first
            // numbered item are list items someone forgot to number.
            while i <= lastItem && lines[i].item == nil { i += 1 }
            if let unnumbered = (i...lastItem).first(where: { lines[$0].isBullet && lines[$0].item == nil }) {
                throw .unnumberedItem(line: unnumbered + 1)
            }
            listStart = i
        }

        // A numbered line in the text is refused: it is usually a signatory cut off from
        // the list by a line that could not be read (the line named as the separator).
        if !options.numberedLinesInText,
            let numbered = ((titleIndex + 1)..<listStart).last(where: { lines[$0].item != nil })
        {
            let separator = ((numbered + 1)..<listStart).first(where: { !lines[$0].isBlank && !lines[$0].isBullet })
            throw .numberedLineInText(
                line: numbered + 1, listStart: listStart < lines.count ? listStart + 1 : nil,
                separator: separator.map { ($0 + 1, lines[$0].text) }.map { TextLine(line: $0.0, text: $0.1) })
        }

        var items: [StatementDocument.Item] = []
        var warnings: [DocumentWarning] = []
        if !lines[titleIndex].invisibles.isEmpty {
            warnings.append(DocumentWarning(line: titleIndex + 1, kind: .removedInvisible(lines[titleIndex].invisibles)))
        }
        var seen = Set<Int>()
        for index in listStart..<lines.count where !lines[index].isBlank {
            let line = lines[index]
            guard let prefix = line.item else { continue }
            let lineNo = index + 1
            let rawName = String(String.UnicodeScalarView(line.scalars[prefix.nameStart...]))
            let cleaned: NameText.Cleaned
            do {
                cleaned = try NameText.clean(rawName, limit: .max, stripSpoofing: options.stripSpoofingControls)
            } catch {
                switch error {
                case .empty: throw .emptyName(line: lineNo)
                case .noVisibleLetter: throw .noVisibleLetter(line: lineNo, text: line.text)
                case .tooLong: throw .nameTooLong(line: lineNo, limit: Limits.nameLength)
                case .spoofingControl(let c):
                    throw .spoofingCharacter(line: lineNo, c.shifted(by: prefix.nameStart), cleanedLine: line.cleanedForDisplay)
                }
            }
            let name = stripFinalStops(cleaned.text)
            guard !name.isEmpty else { throw .emptyName(line: lineNo) }
            guard Limits.fits(name, limit: Limits.nameLength) else { throw .nameTooLong(line: lineNo, limit: Limits.nameLength) }
            let removed = prefix.skipped + cleaned.removed.map { $0.shifted(by: prefix.nameStart) }
            if !removed.isEmpty { warnings.append(DocumentWarning(line: lineNo, kind: .removedInvisible(removed))) }
            let number = prefix.number
            let expected = (items.last?.declaredNumber ?? 0) + 1
            if seen.contains(number) {
                warnings.append(DocumentWarning(line: lineNo, kind: .repeatedNumber(number)))
            } else if number != expected {
                warnings.append(DocumentWarning(line: lineNo, kind: .skippedNumber(expected: expected, found: number)))
            }
            seen.insert(number)
            items.append(.init(declaredNumber: number, name: name, line: lineNo))
        }

        let body = paragraphs(lines[(titleIndex + 1)..<listStart].map { $0.isBlank ? "" : $0.text })
        guard Limits.fits(body, limit: Limits.bodyLength) else { throw .bodyTooLong(limit: Limits.bodyLength) }
        let paragraphCount = body.isEmpty ? 0 : body.components(separatedBy: "\n\n").count
        return ParsedDocument(
            document: StatementDocument(title: title, body: body, signatories: items),
            warnings: warnings, paragraphCount: paragraphCount)
    }

    // MARK: - Lines

    /// One line of the document, read as scalars so that an invisible character cannot
    /// hide inside a grapheme (a ZWNJ after a space or a digit joins its cluster).
    struct Line {
        let text: String
        let scalars: [Unicode.Scalar]
        init(_ text: String) {
            self.text = text
            self.scalars = Array(text.unicodeScalars)
        }
        var isBlank: Bool { scalars.allSatisfy { $0.properties.isWhitespace || NameText.isInvisible($0) } }
        var isBullet: Bool { DocumentParser.bullet(scalars) != nil }
        /// Where the text after a bullet starts, if the line has one.
        var bulletEnd: Int? { DocumentParser.bullet(scalars)?.end }
        var item: ItemPrefix? { DocumentParser.item(scalars) }
        /// Every invisible character of the line, with its column.
        var invisibles: [InvisibleCharacter] {
            scalars.enumerated().filter { NameText.isInvisible($0.element) }.map { InvisibleCharacter($0.element, column: $0.offset + 1) }
        }
        /// The line as it would read with every invisible character removed.
        var cleanedForDisplay: String {
            String(String.UnicodeScalarView(scalars.filter { !NameText.isInvisible($0) }))
        }
    }

    /// The structural part of a numbered list line.
    struct ItemPrefix {
        let number: Int
        /// Index of the first scalar after the separator.
        let nameStart: Int
        /// Invisible characters skipped while reading the bullet, number and separator.
        let skipped: [InvisibleCharacter]
    }

    static func trimTrailing(_ line: String) -> String {
        var s = Substring(line)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    static func titleText(_ line: Line) -> String? {
        var i = 0
        let s = line.scalars
        while i < s.count, s[i].properties.isWhitespace || NameText.isInvisible(s[i]) { i += 1 }
        guard i < s.count, s[i] == "#" else { return nil }
        i += 1
        var j = i
        while j < s.count, NameText.isInvisible(s[j]) { j += 1 }
        guard j >= s.count || s[j] != "#" else { return nil }
        let title = Limits.cleanedText(String(String.UnicodeScalarView(s[i...])))
        return title.isEmpty ? nil : title
    }

    /// Skips white space and invisible characters from `i`, collecting the invisible ones.
    static func skipBlank(_ s: [Unicode.Scalar], _ i: inout Int, _ skipped: inout [InvisibleCharacter], spaces: Bool = true) {
        while i < s.count {
            if NameText.isInvisible(s[i]) {
                skipped.append(InvisibleCharacter(s[i], column: i + 1))
            } else if !(spaces && s[i].properties.isWhitespace) {
                return
            }
            i += 1
        }
    }

    /// A bullet (`-`, `*`, `•`) followed by white space or a digit: the index after it.
    static func bullet(_ s: [Unicode.Scalar]) -> (end: Int, skipped: [InvisibleCharacter])? {
        var i = 0
        var skipped: [InvisibleCharacter] = []
        skipBlank(s, &i, &skipped)
        guard i < s.count, "-*•".unicodeScalars.contains(s[i]) else { return nil }
        i += 1
        skipBlank(s, &i, &skipped, spaces: false)
        guard i < s.count, s[i].properties.isWhitespace || digitValue(s[i]) != nil else { return nil }
        return (i, skipped)
    }

    /// A numbered list item: its number and where the name starts, or nil.
    static func item(_ s: [Unicode.Scalar]) -> ItemPrefix? {
        var i = 0
        var skipped: [InvisibleCharacter] = []
        if let b = bullet(s) {
            i = b.end
            skipped = b.skipped
        }
        skipBlank(s, &i, &skipped)
        var value = 0
        var digits = 0
        while i < s.count {
            if let d = digitValue(s[i]) {
                value = value * 10 + d
                digits += 1
                if digits > 6 { return nil }
            } else if NameText.isInvisible(s[i]) {
                skipped.append(InvisibleCharacter(s[i], column: i + 1))
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        skipBlank(s, &i, &skipped)
        guard i < s.count, "-.)–—:".unicodeScalars.contains(s[i]) else { return nil }
        let separator = s[i]
        i += 1
        var afterSeparator = i
        var ignored: [InvisibleCharacter] = []
        skipBlank(s, &afterSeparator, &ignored, spaces: false)
        // `1.5 million` in a paragraph is a number, not an item.
        if separator == ".", afterSeparator < s.count, digitValue(s[afterSeparator]) != nil { return nil }
        return ItemPrefix(number: value, nameStart: i, skipped: skipped)
    }

    static func digitValue(_ s: Unicode.Scalar) -> Int? {
        let v = s.value
        switch v {
        case 0x30...0x39: return Int(v - 0x30)
        case 0x0660...0x0669: return Int(v - 0x0660)
        case 0x06F0...0x06F9: return Int(v - 0x06F0)
        default: return nil
        }
    }

    static func stripFinalStops(_ s: String) -> String {
        var t = Substring(s)
        while let last = t.last, last == "." || last == "۔" || last.isWhitespace { t = t.dropLast() }
        return String(t)
    }

    /// Body lines as paragraphs separated by exactly one blank line; a blank line comes as "".
    static func paragraphs(_ lines: [String]) -> String {
        var blocks: [[String]] = [[]]
        for line in lines {
            if line.isEmpty {
                if !blocks[blocks.count - 1].isEmpty { blocks.append([]) }
            } else {
                blocks[blocks.count - 1].append(line)
            }
        }
        return blocks.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
    }

    static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        let bytes = Array(data)
        var index = 0
        while index < bytes.count {
            var decoder = UTF8()
            var it = bytes[index...].makeIterator()
            switch decoder.decode(&it) {
            case .scalarValue(let s): index += UTF8.width(s)
            case .emptyInput: return bytes.count
            case .error: return index
            }
        }
        return bytes.count
    }
}
