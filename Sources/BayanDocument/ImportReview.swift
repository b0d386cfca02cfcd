import ArabicText
import BayanCore

/// Decides whether a parsed document may be stored, and with which numbers, before anything
/// is written. The list is the product: an import that would drop, move or renumber a
/// signatory without the person's explicit consent is refused here, with a message that
/// says what was read.
public enum ImportReview {
    public struct Options: Sendable {
        /// The list becomes the founding list, so its numbers become public record.
        public var publish: Bool
        /// The person accepts numbering 1..n in document order.
        public var renumber: Bool
        public init(publish: Bool, renumber: Bool) {
            self.publish = publish
            self.renumber = renumber
        }
    }

    /// What the import will store and what it changed, for the summary it prints.
    public struct Summary: Sendable {
        public let paragraphs: Int
        public let signatories: [(name: String, number: Int)]
        /// How the document numbered its list, as ranges (`1–23, 25–43`).
        public let declaredNumbering: String
        /// Every line the import changed, in line order.
        public let changes: [String]
        /// Probable duplicates a person should look at.
        public let notes: [String]

        public var firstNumber: Int? { signatories.first?.number }
        public var lastNumber: Int? { signatories.last?.number }

        /// The lines printed before storing (or instead of storing, in a dry run).
        public var lines: [String] {
            var out = [
                "read: the title, \(paragraphs) paragraph\(paragraphs == 1 ? "" : "s") of text, "
                    + "\(signatories.count) signator\(signatories.count == 1 ? "y" : "ies")"
                    + (firstNumber.map { " numbered \($0)–\(lastNumber ?? $0)" } ?? "")
                    + (signatories.isEmpty ? "" : " (the document numbers them \(declaredNumbering))")
            ]
            out += changes
            out += notes
            return out
        }
    }

    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case repeatedNumbers(count: Int, numbering: String, lines: [Int])
        case numberingNeedsRepair(count: Int, numbering: String, firstLine: Int)
        case sameOrganisation(lineA: Int, lineB: Int, name: String)

        public var description: String {
            switch self {
            case .repeatedNumbers(let count, let numbering, let lines):
                "the list repeats numbers (\(count) signatories read, numbered \(numbering); repeated at line "
                    + lines.map(String.init).joined(separator: ", ")
                    + "); check for a doubled organisation, or pass --renumber to number them 1..\(count) in document order"
            case .numberingNeedsRepair(let count, let numbering, let firstLine):
                "the list does not run 1..\(count): \(count) signatories read from line \(firstLine) on, numbered \(numbering). "
                    + "Publishing would renumber them; check that no signatory was lost or moved into the text above line \(firstLine), "
                    + "then pass --renumber to number them 1..\(count) in document order"
            case .sameOrganisation(let a, let b, let name):
                "lines \(a) and \(b) name the same organisation ('\(name)')"
            }
        }
    }

    public static func review(_ parsed: ParsedDocument, options: Options) throws(Refusal) -> Summary {
        let items = parsed.document.signatories
        let numbering = ranges(items.map(\.declaredNumber))
        let repeats = parsed.warnings.filter(\.isRepeat).map(\.line)
        if !repeats.isEmpty && !options.renumber {
            throw .repeatedNumbers(count: items.count, numbering: numbering, lines: repeats)
        }
        let clean = parsed.document.numberingIsClean
        if options.publish && !clean && !options.renumber {
            throw .numberingNeedsRepair(count: items.count, numbering: numbering, firstLine: items.first?.line ?? 0)
        }
        var notes: [String] = []
        for candidate in DuplicateFinder.candidates(in: items.map(\.name)) {
            let a = items[candidate.first]
            let b = items[candidate.second]
            if candidate.reason == DuplicateFinder.sameAfterNormalization {
                throw .sameOrganisation(lineA: a.line, lineB: b.line, name: a.name)
            }
            notes.append("note: lines \(a.line) and \(b.line) may name the same organisation (\(candidate.reason)): '\(a.name)' / '\(b.name)'")
        }
        // Past the checks above, a broken numbering is repaired only when the person asked
        // for it or for a draft, whose list is not public and is numbered at publication.
        let renumbered = !clean
        var changes: [(line: Int, text: String)] = parsed.warnings.compactMap { warning in
            if case .removedInvisible = warning.kind { return (warning.line, "changed: \(warning)") }
            return nil
        }
        let signatories = items.enumerated().map { offset, item in
            (name: item.name, number: renumbered ? offset + 1 : item.declaredNumber)
        }
        if renumbered {
            for (offset, item) in items.enumerated() where item.declaredNumber != offset + 1 {
                changes.append((item.line, "changed: line \(item.line): number \(item.declaredNumber) → \(offset + 1)"))
            }
        }
        let ordered = changes.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.text)
        return Summary(
            paragraphs: parsed.paragraphCount, signatories: signatories, declaredNumbering: numbering,
            changes: ordered, notes: notes)
    }

    /// Numbers as runs of consecutive values: `[1, 2, 3, 5, 6]` → `1–3, 5–6`.
    public static func ranges(_ numbers: [Int]) -> String {
        guard var start = numbers.first else { return "(none)" }
        var runs: [String] = []
        var previous = start
        for n in numbers.dropFirst() {
            if n == previous + 1 {
                previous = n
                continue
            }
            runs.append(start == previous ? "\(start)" : "\(start)–\(previous)")
            start = n
            previous = n
        }
        runs.append(start == previous ? "\(start)" : "\(start)–\(previous)")
        return runs.count > 12 ? runs.prefix(12).joined(separator: ", ") + ", … (\(runs.count) runs)" : runs.joined(separator: ", ")
    }
}
