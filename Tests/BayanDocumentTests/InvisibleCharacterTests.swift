import BayanCore
import BayanDocument
import Foundation
import PropertyBased
import Testing

/// Issue 18: an invisible character pasted into a list line never loses or moves a signatory.
/// The import either stores every signatory with the same names and numbers (marks removed)
/// or fails naming the line; it never succeeds with fewer signatories or with list lines in
/// the text.
@Suite struct InvisibleCharactersInLists {
    /// Every format character (Unicode category Cf) but the visible Arabic number signs,
    /// with the BOM and the soft hyphen among them; plus the Hangul filler and a variation
    /// selector, invisible characters of other categories.
    static let invisibles: [Unicode.Scalar] = {
        var out: [Unicode.Scalar] = []
        for v in UInt32(0)...0x10FFFF {
            guard let s = Unicode.Scalar(v), s.properties.generalCategory == .format, NameText.isInvisible(s) else { continue }
            out.append(s)
        }
        return out + ["\u{3164}", "\u{FE0F}", "\u{034F}"]
    }()

    enum Position: CaseIterable { case start, afterDash, afterNumber, afterSeparator, end }
    enum Variant: CaseIterable { case plain, crlf, nbsp, tab }

    struct Statement {
        let title: String
        let paragraphs: [String]
        let names: [String]

        /// The document with `mark` at `position` of list line `target` (0-based).
        func document(mark: Unicode.Scalar?, at position: Position, line target: Int, variant: Variant) -> String {
            let space =
                switch variant {
                case .nbsp: "\u{00A0}"
                case .tab: "\t"
                case .plain, .crlf: " "
                }
            let m = mark.map { String($0) } ?? ""
            var lines = ["# \(title)", ""]
            for p in paragraphs { lines += [p, ""] }
            for (i, name) in names.enumerated() {
                let number = String(i + 1)
                let line: String =
                    if i != target { "-\(space)\(number)\(space)-\(space)\(name)" } else {
                        switch position {
                        case .start: "\(m)-\(space)\(number)\(space)-\(space)\(name)"
                        case .afterDash: "-\(m)\(space)\(number)\(space)-\(space)\(name)"
                        case .afterNumber: "-\(space)\(number)\(m)\(space)-\(space)\(name)"
                        case .afterSeparator: "-\(space)\(number)\(space)-\(m)\(space)\(name)"
                        case .end: "-\(space)\(number)\(space)-\(space)\(name)\(m)"
                        }
                    }
                lines.append(line)
            }
            return lines.joined(separator: variant == .crlf ? "\r\n" : "\n") + (variant == .crlf ? "\r\n" : "\n")
        }

        /// 1-based line of list item `index` in `document(…)`.
        func lineOfItem(_ index: Int) -> Int { 2 + paragraphs.count * 2 + index + 1 }
    }

    /// Checks the property for one document: every signatory kept with its name and number,
    /// the text unchanged, and the publishing import accepting it; or an error naming the line.
    static func check(_ statement: Statement, mark: Unicode.Scalar, at position: Position, line target: Int, variant: Variant) {
        let text = statement.document(mark: mark, at: position, line: target, variant: variant)
        let label = "U+\(String(mark.value, radix: 16, uppercase: true)) \(position) line \(target) \(variant)"
        do {
            let parsed = try DocumentParser.parse(Data(text.utf8))
            let doc = parsed.document
            #expect(doc.signatories.map(\.name) == statement.names, "\(label)")
            #expect(doc.signatories.map(\.declaredNumber) == Array(1...statement.names.count), "\(label)")
            #expect(doc.body == statement.paragraphs.joined(separator: "\n\n"), "\(label)")
            let summary = try ImportReview.review(parsed, options: .init(publish: true, renumber: false))
            #expect(summary.signatories.map(\.number) == Array(1...statement.names.count), "\(label)")
        } catch let error as DocumentError {
            #expect(error.line == statement.lineOfItem(target), "\(label): \(error)")
        } catch {
            Issue.record("\(label): \(error)")
        }
    }

    static let sample = Statement(
        title: "بيان مشترك حول حرية التنظيم",
        paragraphs: ["نحن الموقعين أدناه نطالب بالإفراج عن المعتقلين.", "عاشت وحدة العمل النقابي."],
        names: ["نقابة المعلمين الأحرار", "الاتحاد العام لعمال البناء", "رابطة الكتّاب (رك)", "Ligue des droits", "مجلس محافظة إدلب الحرة"])

    @Test func everyInvisibleCharacterAtEveryPositionOfEveryListLine() {
        #expect(Self.invisibles.count > 150)
        for mark in Self.invisibles {
            for position in Position.allCases {
                for target in Self.sample.names.indices {
                    Self.check(Self.sample, mark: mark, at: position, line: target, variant: .plain)
                }
            }
        }
    }

    @Test(arguments: Variant.allCases)
    func separatorVariantsWithTheCommonMarks(variant: Variant) {
        let marks: [Unicode.Scalar] = [
            "\u{200F}", "\u{200E}", "\u{061C}", "\u{FEFF}", "\u{200B}", "\u{200C}", "\u{00AD}", "\u{202B}", "\u{202E}", "\u{2067}",
        ]
        for mark in marks {
            for position in Position.allCases {
                for target in Self.sample.names.indices {
                    Self.check(Self.sample, mark: mark, at: position, line: target, variant: variant)
                }
            }
        }
    }

    static let words = ["نقابة", "الاتحاد", "رابطة", "مجلس", "جمعية", "المعلمين", "العمال", "حلب", "إدلب", "Union", "Ligue", "(نم)", "١٥"]
    static let name = zip(Gen.element(of: Array(words.prefix(11))), Gen.element(of: words).array(of: 0...3))
        .map { ([$0.0] + $0.1).compactMap { $0 }.joined(separator: " ") }
    static let paragraph = Gen.element(of: ["نطالب", "بالإفراج", "عن", "المعتقلين", "و", "الحرية"]).array(of: 1...8)
        .map { $0.compactMap { $0 }.joined(separator: " ") }

    @Test func generatedStatementsWithARandomMarkAnywhereInTheList() async {
        await propertyCheck(
            count: 300,
            input: Self.name.array(of: 1...40), Self.paragraph.array(of: 0...3),
            Gen.element(of: Self.invisibles), Gen.element(of: Position.allCases), Gen.element(of: Variant.allCases),
            Gen.int(in: 0...1000)
        ) { names, paragraphs, mark, position, variant, seed in
            // Names the importer would refuse as the same organisation are not this test's subject.
            let unique = names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let statement = Statement(title: "بيان", paragraphs: paragraphs, names: unique)
            Self.check(statement, mark: mark!, at: position!, line: seed % unique.count, variant: variant!)
        }
    }

    @Test func theSixtyFiveSignatoryStatementWithAMarkOnLineFortyTwoKeepsEverySignatory() throws {
        // The issue's report: an RLM at the start of one list line turned 23 signatories into text.
        let names = (1...65).map { "نقابة رقم \($0) في حلب" }
        let statement = Statement(title: "بيان", paragraphs: ["نص البيان."], names: names)
        for position in Position.allCases {
            let parsed = try DocumentParser.parse(statement.document(mark: "\u{200F}", at: position, line: 37, variant: .plain))
            #expect(parsed.document.signatories.count == 65)
            #expect(parsed.document.body == "نص البيان.")
            #expect(parsed.warnings.map(\.line) == [statement.lineOfItem(37)])
        }
    }
}

@Suite struct ImportReviewRules {
    @Test func aPublishedListThatDoesNotStartAtOneIsRefusedSayingWhatWasRead() throws {
        let parsed = try DocumentParser.parse("# ع\n\nنص.\n\n24. نقابة أ\n25. نقابة ب\n27. نقابة ج\n")
        #expect(throws: ImportReview.Refusal.numberingNeedsRepair(count: 3, numbering: "24–25, 27", firstLine: 5)) {
            try ImportReview.review(parsed, options: .init(publish: true, renumber: false))
        }
        let error = #expect(throws: ImportReview.Refusal.self) { try ImportReview.review(parsed, options: .init(publish: true, renumber: false)) }
        #expect(error?.description.contains("3 signatories read from line 5 on, numbered 24–25, 27") == true)
        let renumbered = try ImportReview.review(parsed, options: .init(publish: true, renumber: true))
        #expect(renumbered.signatories.map(\.number) == [1, 2, 3])
        #expect(
            renumbered.changes == [
                "changed: line 5: number 24 → 1", "changed: line 6: number 25 → 2", "changed: line 7: number 27 → 3",
            ])
    }

    @Test func theSummarySaysHowManyParagraphsAndSignatoriesAndEveryChangedLine() throws {
        let parsed = try DocumentParser.parse("# ع\n\nفقرة.\n\nفقرة.\n\n\u{200F}1. نقابة أ\n2. نقابة ب\n")
        let summary = try ImportReview.review(parsed, options: .init(publish: true, renumber: false))
        #expect(
            summary.lines == [
                "read: the title, 2 paragraphs of text, 2 signatories numbered 1–2 (the document numbers them 1–2)",
                "changed: line 7: removed U+200F RIGHT-TO-LEFT MARK at column 1",
            ])
    }

    @Test func numberRangesAreCompact() {
        #expect(ImportReview.ranges([1, 2, 3, 5, 6, 9]) == "1–3, 5–6, 9")
        #expect(ImportReview.ranges([1, 2, 2, 3]) == "1–2, 2–3")
        #expect(ImportReview.ranges([]) == "(none)")
    }

    @Test func pastedListsLoseTheirNumbersAndInvisibleMarks() {
        let lines = PastedList.lines("\u{200F}- 1 - نقابة أ.\r\n\u{200F}\r\n2) رابطة ب\nمجلس ج\n")
        #expect(lines == [.init(line: 1, name: "نقابة أ"), .init(line: 3, name: "رابطة ب"), .init(line: 4, name: "مجلس ج")])
    }
}
