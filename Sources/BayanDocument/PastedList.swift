import BayanCore

/// A list of names pasted one per line into a form (invitations, directory), read with the
/// same structural rules as the statement document: invisible characters around bullets
/// and numbers ignored, so `‏- 3 - نقابة` and `3) نقابة` both give `نقابة`.
public enum PastedList {
    public struct Line: Equatable, Sendable {
        /// 1-based line of the pasted text, for messages.
        public let line: Int
        /// The name as pasted, its bullet or number taken off; still to be cleaned by `NameText`.
        public let name: String
        public init(line: Int, name: String) {
            self.line = line
            self.name = name
        }
    }

    public static func lines(_ text: String) -> [Line] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { offset, raw in
            let line = DocumentParser.Line(String(raw))
            guard !line.isBlank else { return nil }
            let start = line.item?.nameStart ?? line.bulletEnd ?? 0
            let rest = line.scalars[start...].drop { $0.properties.isWhitespace }
            let name = DocumentParser.stripFinalStops(String(String.UnicodeScalarView(rest)))
            return Line(line: offset + 1, name: name)
        }
    }
}
