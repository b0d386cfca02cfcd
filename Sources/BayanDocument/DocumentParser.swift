import BayanCore
import Foundation

/// Reads the statement document format with the tolerances people need in practice:
/// BOM, CRLF, trailing spaces, blank lines between items, several numbering styles
/// (`- 1 - `, `1. `, `1- `, `1) `, Arabic-Indic and Eastern digits), optional final full
/// stops. Numbering that skips or repeats is reported as warnings, never renumbered here.
public enum DocumentParser {
    public static func parse(_ data: Data, byteLimit: Int = Limits.documentBytes) throws(DocumentError) -> ParsedDocument {
        guard data.count <= byteLimit else { throw .tooLarge(bytes: data.count, limit: byteLimit) }
        guard !data.isEmpty else { throw .empty }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .notUTF8(byteOffset: firstInvalidUTF8Offset(data))
        }
        return try parse(text)
    }

    public static func parse(_ raw: String) throws(DocumentError) -> ParsedDocument {
        var text = raw
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { trimTrailing(String($0)) }
        guard let titleIndex = lines.firstIndex(where: { !isBlank($0) }) else { throw .empty }
        guard let title = titleText(lines[titleIndex]) else { throw .missingTitle(line: titleIndex + 1) }
        guard title.count <= Limits.titleLength else {
            throw .titleTooLong(line: titleIndex + 1, limit: Limits.titleLength)
        }

        // The signatory list is the last block of numbered items. Nothing but blank lines
        // may follow it; a stray line there would otherwise swallow the list into the body.
        let rest = Array(lines.indices.dropFirst(titleIndex + 1))
        var listStart = lines.count
        if let lastItem = rest.last(where: { item(lines[$0]) != nil }) {
            if let stray = rest.first(where: { $0 > lastItem && !isBlank(lines[$0]) }) {
                throw .unreadableLine(line: stray + 1, text: lines[stray])
            }
            var i = lastItem
            while i > titleIndex + 1 {
                let previous = lines[i - 1]
                if isBlank(previous) || item(previous) != nil || isBullet(previous) { i -= 1 } else { break }
            }
            // Leading bullets and blanks belong to the body; bullets after the first
            // numbered item are list items someone forgot to number.
            while i <= lastItem && item(lines[i]) == nil { i += 1 }
            if let unnumbered = (i...lastItem).first(where: { isBullet(lines[$0]) && item(lines[$0]) == nil }) {
                throw .unnumberedItem(line: unnumbered + 1)
            }
            listStart = i
        }

        var items: [StatementDocument.Item] = []
        var warnings: [DocumentWarning] = []
        var seen = Set<Int>()
        for index in listStart..<lines.count where !isBlank(lines[index]) {
            guard let (number, rawName) = item(lines[index]) else { continue }
            let lineNo = index + 1
            let cleaned = cleanName(rawName)
            if cleaned != stripFinalStops(rawName.trimmingCharacters(in: .whitespaces)) {
                warnings.append(DocumentWarning(line: lineNo, kind: .strippedInvisibleCharacters))
            }
            guard !cleaned.isEmpty else { throw .emptyName(line: lineNo) }
            guard cleaned.count <= Limits.nameLength else { throw .nameTooLong(line: lineNo, limit: Limits.nameLength) }
            let expected = (items.last?.declaredNumber ?? 0) + 1
            if seen.contains(number) {
                warnings.append(DocumentWarning(line: lineNo, kind: .repeatedNumber(number)))
            } else if number != expected {
                warnings.append(DocumentWarning(line: lineNo, kind: .skippedNumber(expected: expected, found: number)))
            }
            seen.insert(number)
            items.append(.init(declaredNumber: number, name: cleaned, line: lineNo))
        }

        let bodyLines = Array(lines[(titleIndex + 1)..<listStart])
        let body = paragraphs(bodyLines)
        guard body.count <= Limits.bodyLength else { throw .bodyTooLong(limit: Limits.bodyLength) }
        return ParsedDocument(document: StatementDocument(title: title, body: body, signatories: items),
                              warnings: warnings)
    }

    // MARK: - Lines

    static func isBlank(_ line: String) -> Bool { line.allSatisfy(\.isWhitespace) }

    static func trimTrailing(_ line: String) -> String {
        var s = Substring(line)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    static func titleText(_ line: String) -> String? {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("#"), !t.hasPrefix("##") else { return nil }
        let title = Limits.cleanedText(String(t.dropFirst()))
        return title.isEmpty ? nil : title
    }

    static func isBullet(_ line: String) -> Bool {
        let t = line.drop { $0 == " " || $0 == "\t" }
        guard let first = t.first, "-*•".contains(first) else { return false }
        return t.dropFirst().first?.isWhitespace ?? false
    }

    /// A numbered list item: its number and the rest of the line, or nil.
    static func item(_ line: String) -> (Int, String)? {
        var s = Substring(line).drop { $0 == " " || $0 == "\t" }
        if let first = s.first, "-*•".contains(first), s.dropFirst().first?.isWhitespace == true {
            s = s.dropFirst().drop(while: \.isWhitespace)
        }
        var value = 0
        var digits = 0
        while let c = s.first, let d = digitValue(c) {
            value = value * 10 + d
            digits += 1
            s = s.dropFirst()
            if digits > 6 { return nil }
        }
        guard digits > 0 else { return nil }
        s = s.drop { $0 == " " || $0 == "\t" }
        guard let sep = s.first, "-.)–:".contains(sep) else { return nil }
        s = s.dropFirst()
        // `1.5 million` in a paragraph is a number, not an item.
        if sep == ".", let next = s.first, digitValue(next) != nil { return nil }
        return (value, String(s.drop(while: \.isWhitespace)))
    }

    static func digitValue(_ c: Character) -> Int? {
        guard c.unicodeScalars.count == 1, let v = c.unicodeScalars.first?.value else { return nil }
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

    static func cleanName(_ raw: String) -> String {
        stripFinalStops(Limits.cleanedText(raw))
    }

    /// Body lines as paragraphs separated by exactly one blank line.
    static func paragraphs(_ lines: [String]) -> String {
        var blocks: [[String]] = [[]]
        for line in lines {
            if isBlank(line) {
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
