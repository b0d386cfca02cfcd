import ArabicText
import Foundation

/// Where a statement is in its life. Each state decides who may sign and whether the
/// authoritative text may still change.
public enum StatementState: String, Codable, Sendable, CaseIterable {
    case draft, circulating, published, closed

    /// The moves a coordinator may make. Publication is one-way: a published text is a
    /// public record, so it can only be closed (and reopened), never sent back to draft.
    public static let allowedTransitions: [StatementState: Set<StatementState>] = [
        .draft: [.circulating],
        .circulating: [.draft, .published],
        .published: [.closed],
        .closed: [.published],
    ]

    public func transition(to next: StatementState) throws(DomainError) -> StatementState {
        guard Self.allowedTransitions[self, default: []].contains(next) else {
            throw .illegalTransition(from: self, to: next)
        }
        return next
    }

    /// Whether the authoritative text may still be replaced by a new version.
    public var textIsEditable: Bool { self == .draft || self == .circulating }
    /// Whether organisations may sign on through an invitation now.
    public var acceptsSignatures: Bool { self == .circulating || self == .published }
    /// Whether organisations and individuals may join from the public page: only while
    /// published (before publication, organisations sign through invitations).
    public var acceptsJoins: Bool { self == .published }
    /// The states in which joins are accepted, for the store's SQL that checks the rule
    /// inside its write.
    public static var joinable: [StatementState] { allCases.filter(\.acceptsJoins) }
}

/// How long invitation links stay valid: one rule for the web form and the CLI, which
/// used to disagree (the web clamped silently, the CLI refused).
public struct InvitationLifetime: Sendable, Equatable {
    public static let allowedDays = 1...365
    public static let defaultDays = 30
    public let days: Int

    public init(days: Int) throws(DomainError) {
        guard Self.allowedDays.contains(days) else { throw .invalidInvitationLifetime(days) }
        self.days = days
    }

    public static let standard = try! InvitationLifetime(days: defaultDays)

    /// When links created at `date` stop working.
    public func expiry(from date: Date) -> Date { date.addingTimeInterval(Double(days) * 86_400) }
}

/// How the founding list is numbered at publication.
public enum FoundingOrder: String, Codable, Sendable, CaseIterable {
    /// The Arabic reader's order of `ArabicText` (the default).
    case arabic
    /// The order in which organisations signed.
    case signing
}

/// Everything the domain refuses, each with a message a coordinator can act on.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    case illegalTransition(from: StatementState, to: StatementState)
    case textFrozen(StatementState)
    case notAcceptingSignatures(StatementState)
    case alreadyNumbered
    case emptyName(field: String)
    case fieldTooLong(field: String, limit: Int)
    case invalidSlug(String)
    case alreadyWithdrawn
    case invalidEndorsementTransition(from: EndorsementState, to: EndorsementState)
    case noVisibleLetter(field: String)
    case spoofingCharacter(field: String, InvisibleCharacter)
    case invalidInvitationLifetime(Int)

    public var description: String {
        switch self {
        case .illegalTransition(let from, let to):
            "a statement cannot move from \(from.rawValue) to \(to.rawValue)"
        case .textFrozen(let state):
            "the text of a \(state.rawValue) statement is frozen; corrections are new versions with a reason"
        case .notAcceptingSignatures(let state):
            "a \(state.rawValue) statement does not accept signatures"
        case .alreadyNumbered:
            "the founding list is already numbered; its numbers never change"
        case .emptyName(let field):
            "\(field) must not be empty"
        case .fieldTooLong(let field, let limit):
            "\(field) is longer than \(limit) characters"
        case .invalidSlug(let slug):
            "'\(slug)' is not a valid slug: use 1-80 lower-case Latin letters, digits and hyphens"
        case .alreadyWithdrawn:
            "this endorsement is already withdrawn"
        case .invalidEndorsementTransition(let from, let to):
            "an endorsement cannot move from \(from.rawValue) to \(to.rawValue)"
        case .noVisibleLetter(let field):
            "\(field) has no visible letter"
        case .invalidInvitationLifetime(let days):
            "invitation links last \(InvitationLifetime.allowedDays.lowerBound) to \(InvitationLifetime.allowedDays.upperBound) days, not \(days)"
        case .spoofingCharacter(let field, let character):
            "\(field) contains \(character), an invisible character that can change the order in which a list is displayed"
        }
    }
}

/// A statement's slug: the stable public address `/s/SLUG`.
public struct Slug: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) throws(DomainError) {
        let ok =
            (1...80).contains(value.count)
            && value.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
            } && !value.hasPrefix("-") && !value.hasSuffix("-")
        guard ok else { throw .invalidSlug(value) }
        self.value = value
    }
    public var description: String { value }

    /// A slug made from a title, readable in the address bar and when pasted into a
    /// message: Latin letters and digits kept, Arabic and Persian letters written in Latin
    /// the way Arabic is typed in chats (consonants and long vowels: بيان مشترك becomes
    /// `byan-mshtrk`), at most six words. The coordinator may edit it; a title with no
    /// letter to keep yields `statement-` and a short hash.
    public static func suggested(from title: String) -> Slug {
        var words: [String] = []
        var word = ""
        for scalar in title.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                word.unicodeScalars.append(scalar)
            } else if let latin = latinLetters[scalar] {
                word += latin
            } else if (0x660...0x669).contains(scalar.value) || (0x6F0...0x6F9).contains(scalar.value) {
                word.unicodeScalars.append(Unicode.Scalar(scalar.value - (scalar.value >= 0x6F0 ? 0x6F0 : 0x660) + 0x30)!)
            } else if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.isDefaultIgnorableCodePoint {
                continue  // vowel marks, tatweel-like formatting, direction marks
            } else if scalar == "\u{640}" {
                continue  // tatweel
            } else {
                if !word.isEmpty { words.append(word) }
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        var slug = ""
        for w in words.prefix(6) where slug.count + w.count + 1 <= 60 {
            slug += (slug.isEmpty ? "" : "-") + w
        }
        if slug.count >= 3, let made = try? Slug(slug) { return made }
        let hash = ContentHash.of(text: title).hex.prefix(8)
        return try! Slug("statement-\(hash)")
    }

    /// Arabic-script letters in Latin, as Arabic is typed in chats (no vowel marks).
    static let latinLetters: [Unicode.Scalar: String] = [
        "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i", "ب": "b", "ت": "t", "ث": "th",
        "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d",
        "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
        "ة": "a", "و": "w", "ي": "y", "ى": "a", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k", "ی": "y", "ڤ": "v",
    ]
}

/// Field limits shared by the document importer, the store and the web forms.
public enum Limits {
    public static let nameLength = 300
    public static let placeLength = 120
    public static let titleLength = 500
    public static let bodyLength = 200_000
    public static let documentBytes = 2_000_000
    /// Combining marks one character may carry: Arabic stacks a shadda, a vowel and a
    /// maddah at most; a name of thousands of marks on one letter draws over its neighbours.
    public static let marksPerCharacter = 4

    /// Whether a text fits `limit` characters as a reader counts them, and also in scalars
    /// (4 a character) and UTF-8 bytes (16 a character), with no character carrying more
    /// than `marksPerCharacter` combining marks: a limit in graphemes alone let a 60 KB
    /// name made of marks through (issue 12).
    public static func fits(_ text: String, limit: Int) -> Bool {
        let scalars = limit.multipliedReportingOverflow(by: 4)
        let bytes = limit.multipliedReportingOverflow(by: 16)
        guard bytes.overflow || text.utf8.count <= bytes.partialValue, scalars.overflow || text.unicodeScalars.count <= scalars.partialValue,
            text.count <= limit
        else { return false }
        // Only a character of several scalars can carry marks.
        if text.unicodeScalars.count == text.count { return true }
        for c in text where c.unicodeScalars.count > marksPerCharacter {
            let marks = c.unicodeScalars.filter {
                [.nonspacingMark, .spacingMark, .enclosingMark].contains($0.properties.generalCategory)
            }.count
            if marks > marksPerCharacter { return false }
        }
        return true
    }

    /// A validated display name, cleaned by `NameText` (direction marks removed, joiners
    /// kept inside words, embeddings and overrides inside the name refused), not empty,
    /// with a visible letter, not too long.
    public static func displayName(_ raw: String, field: String = "name") throws(DomainError) -> String {
        do {
            return try NameText.clean(raw, limit: nameLength).text
        } catch {
            switch error {
            case .empty: throw .emptyName(field: field)
            case .noVisibleLetter: throw .noVisibleLetter(field: field)
            case .tooLong(let limit): throw .fieldTooLong(field: field, limit: limit)
            case .spoofingControl(let c): throw .spoofingCharacter(field: field, c)
            }
        }
    }

    /// Text with invisible format characters and controls removed and white space
    /// collapsed to single spaces.
    public static func cleanedText(_ raw: String) -> String {
        isAlreadyClean(raw) ? raw : cleanedBySplitting(raw)
    }

    static func cleanedBySplitting(_ raw: String) -> String {
        let stripped = String(
            String.UnicodeScalarView(
                raw.unicodeScalars.filter { s in
                    !ArabicText.isInvisibleFormat(s) && !(s.properties.generalCategory == .control)
                }))
        // Words are split on white-space scalars, not characters: a space followed by a
        // combining mark is one character to Swift, and splitting on characters dropped
        // the mark on the second cleaning but not the first (found by fuzzing, issue 12).
        // A mark with no letter before it has nothing to sit on and is left out.
        var words: [String] = []
        var word = String.UnicodeScalarView()
        for s in stripped.unicodeScalars {
            if s.properties.isWhitespace {
                if !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
            } else if !(word.isEmpty && isMark(s)) {
                word.append(s)
            }
        }
        if !word.isEmpty { words.append(String(word)) }
        return words.joined(separator: " ")
    }

    static func isMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x300 && (s.properties.isGraphemeExtend || s.properties.generalCategory == .spacingMark)
    }

    /// Most names need no cleaning: no invisible or control characters, single spaces
    /// between words, none at the ends. Checked in one pass over the scalars (a sign-on
    /// cleans each name twice: in the form and in the store).
    static func isAlreadyClean(_ raw: String) -> Bool {
        var previousWasSpace = true
        for s in raw.unicodeScalars {
            if s == " " {
                if previousWasSpace { return false }
                previousWasSpace = true
                continue
            }
            if previousWasSpace, isMark(s) {
                return false  // a mark after a space makes one whitespace character with it
            }
            previousWasSpace = false
            if s.value < 0x20 || (s.value >= 0x7F && (NameText.isInvisible(s) || s.properties.isWhitespace)) {
                return false
            }
        }
        return !previousWasSpace || raw.isEmpty
    }
}
