import Foundation

/// Character-level rules shared by normalization, collation and duplicate search.
///
/// Kept as plain tables over Unicode scalars so every rule is visible in one place and
/// costs one switch per scalar (no locale, no ICU).
enum ArabicFolding {
    /// Scalars dropped everywhere: Arabic diacritics (tashkeel, Quranic marks, superscript
    /// alef, combining hamza), tatweel, and invisible format characters (bidi controls,
    /// zero-width joiners, BOM, soft hyphen) that can spoof the visual order of a list.
    static func isIgnorable(_ v: UInt32) -> Bool {
        switch v {
        case 0x0610...0x061A, 0x064B...0x065F, 0x0670, 0x06D6...0x06DC, 0x06DF...0x06E8,
            0x06EA...0x06ED, 0x08D3...0x08FF:
            return true  // Arabic marks
        case 0x0640: return true  // tatweel
        default: return isInvisibleFormat(v)
        }
    }

    /// Bidi controls and other invisible format characters (Unicode category Cf we meet
    /// in pasted names). They are never meaningful in an organisation's name.
    static func isInvisibleFormat(_ v: UInt32) -> Bool {
        switch v {
        case 0x00AD, 0x061C, 0x180E, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064,
            0x2066...0x206F, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default: return false
        }
    }

    /// Letters folded for both display-independent matching and ordering: hamza forms of
    /// alef to bare alef, Persian-keyboard kaf/yeh to Arabic, Eastern digits to ASCII.
    static func foldLetter(_ v: UInt32) -> UInt32 {
        switch v {
        case 0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673: return 0x0627  // آ أ إ ٱ → ا
        case 0x06A9, 0x06AA: return 0x0643  // ک → ك
        case 0x06CC, 0x06D0: return 0x064A  // ی → ي
        case 0x06C1, 0x06D5: return 0x0647  // ہ ە → ه
        case 0x0660...0x0669: return v - 0x0660 + 0x30  // Arabic-Indic digits
        case 0x06F0...0x06F9: return v - 0x06F0 + 0x30  // Eastern (Persian) digits
        default: return v
        }
    }

    /// Whether the text needs compatibility normalization (presentation forms, ligatures,
    /// full-width forms, decomposed sequences). Most names do not, and skipping NFKC for
    /// them keeps sorting 100k names fast.
    static func needsCompatibilityMapping(_ s: String) -> Bool {
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x80 { continue }
            if (0x0600...0x06FF).contains(v) && v != 0x0653 && v != 0x0654 && v != 0x0655 { continue }
            if (0x00C0...0x024F).contains(v) { continue }  // precomposed Latin
            return true
        }
        return false
    }

    static func isArabicLetter(_ v: UInt32) -> Bool {
        (0x0620...0x064A).contains(v) || (0x0671...0x06D3).contains(v)
    }

    static func isLatinLetter(_ v: UInt32) -> Bool {
        (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || (0xC0...0x24F).contains(v)
    }
}

/// Latin letters folded case- and accent-insensitively, without Foundation's locale.
enum LatinFolding {
    static func fold(_ scalar: Unicode.Scalar) -> [UInt32] {
        let v = scalar.value
        if (0x41...0x5A).contains(v) { return [v + 0x20] }
        if v < 0x80 { return [v] }
        if (0xC0...0x24F).contains(v) {
            // Decompose to base letter + marks, keep the base letter, lower-cased.
            let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
            var out: [UInt32] = []
            for d in decomposed where !(0x0300...0x036F).contains(d.value) {
                out.append(contentsOf: String(d).lowercased().unicodeScalars.map(\.value))
            }
            return out
        }
        return [v]
    }
}
