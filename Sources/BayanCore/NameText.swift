/// How Bayan reads a name that someone pasted (DESIGN.md section 4), the one rule used by
/// the document importer, the web forms and the store.
///
/// Text copied from Word, Google Docs, WhatsApp or Facebook carries invisible characters in
/// odd places. They are sorted into four kinds:
///
/// | kind | characters | treatment |
/// |---|---|---|
/// | marks | LRM, RLM, ALM, isolates (LRI RLI FSI PDI), PDF, ZWSP, BOM, soft hyphen, word joiner, other format characters (Cf) | removed silently |
/// | joiners | ZWNJ, ZWJ | kept between two visible characters (Persian and Kurdish spelling needs them), removed elsewhere |
/// | spoofing | embeddings and overrides (LRE RLE LRO RLO) | removed at either end of the name; refused inside it |
///
/// Inside a name an embedding or override could visually reorder a list, so it is refused
/// with the character and its column named.
/// | controls | C0/C1 control characters | white space ones become a space, the others are removed |
///
/// A name with no visible letter is refused; white space is collapsed to single spaces.
public enum NameText {
    /// A name as it will be stored, and what was taken out of it.
    public struct Cleaned: Equatable, Sendable {
        public let text: String
        public let removed: [InvisibleCharacter]
    }

    /// Cleans a pasted name.
    /// - Parameter stripSpoofing: remove embeddings and overrides inside the name too,
    ///   instead of refusing it (an explicit choice of the person importing).
    public static func clean(_ raw: String, limit: Int = Limits.nameLength, stripSpoofing: Bool = false)
        throws(NameProblem) -> Cleaned
    {
        if Limits.isAlreadyClean(raw) {
            guard !raw.isEmpty else { throw .empty }
            guard raw.unicodeScalars.contains(where: isLetter) else { throw .noVisibleLetter }
            guard Limits.fits(raw, limit: limit) else { throw .tooLong(limit: limit) }
            return Cleaned(text: raw, removed: [])
        }
        let scalars = Array(raw.unicodeScalars)
        let firstVisible = scalars.firstIndex(where: isVisible)
        let lastVisible = scalars.lastIndex(where: isVisible)
        var out = String.UnicodeScalarView()
        var removed: [InvisibleCharacter] = []
        var pendingSpace = false
        for (i, s) in scalars.enumerated() {
            let column = i + 1
            if s.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if isVisible(s) {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(s)
                continue
            }
            if isSpoofing(s), !stripSpoofing, let first = firstVisible, let last = lastVisible, i > first, i < last {
                throw .spoofingControl(InvisibleCharacter(s, column: column))
            }
            if isJoiner(s), i > 0, i + 1 < scalars.count, isVisible(scalars[i - 1]), isVisible(scalars[i + 1]) {
                out.append(s)
                continue
            }
            removed.append(InvisibleCharacter(s, column: column))
        }
        let text = String(out)
        guard !text.isEmpty else { throw .empty }
        guard text.unicodeScalars.contains(where: isLetter) else { throw .noVisibleLetter }
        guard Limits.fits(text, limit: limit) else { throw .tooLong(limit: limit) }
        return Cleaned(text: text, removed: removed)
    }

    /// Whether a scalar takes no space and shows nothing: format characters (except the
    /// Arabic number signs, which are visible), default-ignorable code points and controls
    /// other than white space. Structure (list numbers, dashes, titles) is read around them.
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20...0x7E, 0x0620...0x064A, 0x0660...0x06DC, 0x06DE...0x06FF: return false  // the common case, no table look-up
        default: break
        }
        let p = s.properties
        switch p.generalCategory {
        case .format: return !isPrependedConcatenationMark(s)
        case .control: return !p.isWhitespace
        default: return p.isDefaultIgnorableCodePoint
        }
    }

    /// Whether a scalar can be seen: not white space and not invisible.
    public static func isVisible(_ s: Unicode.Scalar) -> Bool {
        !s.properties.isWhitespace && !isInvisible(s)
    }

    /// Embeddings and overrides: they change how the characters after them are laid out.
    public static func isSpoofing(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x202A, 0x202B, 0x202D, 0x202E: true
        default: false
        }
    }

    static func isJoiner(_ s: Unicode.Scalar) -> Bool { s.value == 0x200C || s.value == 0x200D }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            !s.properties.isDefaultIgnorableCodePoint  // Hangul fillers are letters nobody sees
        default: false
        }
    }

    /// Arabic number signs and similar marks: category Cf, but drawn.
    static func isPrependedConcatenationMark(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0600...0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD: true
        default: false
        }
    }
}

/// An invisible character found in a name or a line, with its 1-based column counted in
/// Unicode scalars (what an editor's "go to column" shows for these characters).
public struct InvisibleCharacter: Equatable, Sendable, CustomStringConvertible {
    public let scalar: Unicode.Scalar
    public let column: Int
    public init(_ scalar: Unicode.Scalar, column: Int) {
        self.scalar = scalar
        self.column = column
    }
    /// `U+200F RIGHT-TO-LEFT MARK`
    public var name: String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return scalar.properties.name.map { "\(code) \($0)" } ?? code
    }
    /// `U+200F RIGHT-TO-LEFT MARK at column 2`
    public var description: String { "\(name) at column \(column)" }
    /// The same character, its column moved by `offset` (a name inside a longer line).
    public func shifted(by offset: Int) -> InvisibleCharacter { .init(scalar, column: column + offset) }
}

/// Why a name cannot be stored as given.
public enum NameProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case noVisibleLetter
    case tooLong(limit: Int)
    case spoofingControl(InvisibleCharacter)

    public var description: String {
        switch self {
        case .empty: "the name is empty"
        case .noVisibleLetter: "the name has no visible letter"
        case .tooLong(let limit): "the name is longer than \(limit) characters"
        case .spoofingControl(let c):
            "the name contains \(c), an invisible character that can change the order in which a list is displayed"
        }
    }
}
