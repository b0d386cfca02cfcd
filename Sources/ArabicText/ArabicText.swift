import Foundation

/// Arabic-aware normalization of organisation and person names.
///
/// Rules, applied in this order (see DESIGN.md section 4):
///
/// | step | rule |
/// |---|---|
/// | 1 | compatibility normalization (NFKC) when the text holds presentation forms, ligatures or decomposed hamza |
/// | 2 | diacritics (tashkeel, superscript alef, Quranic marks), tatweel and invisible format / bidi characters removed |
/// | 3 | `أ إ آ ٱ` → `ا`; Persian `ک` → `ك`, `ی` → `ي`; `ہ ە` → `ه` |
/// | 4 | Arabic-Indic `٠-٩` and Eastern `۰-۹` digits → ASCII digits |
/// | 5 | Latin letters lower-cased and stripped of accents |
/// | 6 | runs of white space collapsed to one space, ends trimmed |
///
/// The result is idempotent: `normalize(normalize(s)) == normalize(s)`.
public enum ArabicText {
    public static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in prepared(text).unicodeScalars {
            let v = scalar.value
            if ArabicFolding.isIgnorable(v) { continue }
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            let folded = ArabicFolding.foldLetter(v)
            if ArabicFolding.isLatinLetter(folded) {
                for f in LatinFolding.fold(Unicode.Scalar(folded)!) { out.append(Unicode.Scalar(f)!) }
            } else {
                out.append(Unicode.Scalar(folded)!)
            }
        }
        return String(out)
    }

    /// Removes bidi controls and other invisible format characters, which can visually
    /// reorder a list, and trims white space. Diacritics are kept: this is for display.
    public static func stripInvisibleFormatting(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars where !ArabicFolding.isInvisibleFormat(s.value) {
            out.append(s)
        }
        return String(out).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a scalar is a bidi control or another invisible format character.
    public static func isInvisibleFormat(_ scalar: Unicode.Scalar) -> Bool {
        ArabicFolding.isInvisibleFormat(scalar.value)
    }

    /// Whether the text holds a bidi control or another invisible format character.
    public static func containsInvisibleFormatting(_ text: String) -> Bool {
        text.unicodeScalars.contains { ArabicFolding.isInvisibleFormat($0.value) }
    }

    /// NFKC only where it changes something we care about; see `needsCompatibilityMapping`.
    static func prepared(_ text: String) -> String {
        ArabicFolding.needsCompatibilityMapping(text)
            ? text.precomposedStringWithCompatibilityMapping : text
    }

    /// Words written with the definite article that must keep it when ordering, because
    /// the `ال` is part of the word itself (or the word is commonly typed without the
    /// hamza that would otherwise tell it apart, as in `المانيا` for `ألمانيا`).
    static let articleExceptions: Set<String> = [
        "الله", "الا", "الى", "الذي", "التي", "الذين", "اللواتي", "اللاتي", "المانيا",
    ]

    /// Splits a name into words as written (diacritics and format characters removed,
    /// letters not yet folded), for rules that must see the original hamza.
    static func rawWords(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in prepared(text).unicodeScalars {
            if ArabicFolding.isIgnorable(scalar.value) { continue }
            if scalar.properties.isWhitespace {
                if !current.isEmpty {
                    words.append(current)
                    current = []
                }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Whether a word as written begins with the definite article: bare alef or alef
    /// wasla, then lam, then at least two more letters. `ألمانيا` (hamza on the alef) is
    /// not the article; `الحراك` is.
    static func hasDefiniteArticle(_ word: [Unicode.Scalar]) -> Bool {
        guard word.count >= 4, word[0].value == 0x0627 || word[0].value == 0x0671,
            word[1].value == 0x0644
        else { return false }
        var folded = String.UnicodeScalarView()
        for s in word { folded.append(Unicode.Scalar(ArabicFolding.foldLetter(s.value))!) }
        return !articleExceptions.contains(String(folded))
    }
}
