/// Interface languages. Arabic is the default; English is complete; a new language is a
/// new file with the same keys, registered here.
public enum UILanguage: String, Sendable, CaseIterable {
    case ar, en

    public var direction: String { self == .ar ? "rtl" : "ltr" }

    var strings: [String: String] {
        switch self {
        case .ar: arabicStrings
        case .en: englishStrings
        }
    }

    /// The string for `key`, falling back to Arabic, then to the key itself so a missing
    /// translation is visible rather than blank.
    public func text(_ key: String) -> String {
        strings[key] ?? arabicStrings[key] ?? key
    }

    /// All strings as a dictionary for templates (`{{t.home.title}}` is not valid Mustache,
    /// so keys are exposed with `_` instead of `.`: `{{t.home_title}}`).
    var templateStrings: [String: String] {
        switch self {
        case .ar: Self.arabicTemplateStrings
        case .en: Self.englishTemplateStrings
        }
    }

    // Built once: every page render needs them.
    private static let arabicTemplateStrings = UILanguage.ar.buildTemplateStrings()
    private static let englishTemplateStrings = UILanguage.en.buildTemplateStrings()

    private func buildTemplateStrings() -> [String: String] {
        var out: [String: String] = [:]
        for (k, _) in arabicStrings { out[k.replacingOccurrences(of: ".", with: "_")] = text(k) }
        return out
    }

    /// The keys this language defines (tests check both files define the same set).
    public var templateKeys: [String] { Array(strings.keys) }

    /// A duplicate-candidate reason from ArabicText (English, `; `-separated) in this
    /// language.
    public func duplicateReason(_ reason: String) -> String {
        guard self == .ar else { return reason }
        let arabic: [String: String] = [
            "same after normalization": "متطابقان بعد توحيد الكتابة",
            "one letter apart (possible typo)": "يختلفان بحرف واحد (خطأ كتابي محتمل)",
            "abbreviation in brackets": "اختصار بين قوسين",
            "definite article ال added or dropped": "إضافة «ال» التعريف أو حذفها",
            "spelling variant ة/ه": "اختلاف كتابة ة/ه",
            "spelling variant ى/ي": "اختلاف كتابة ى/ي",
            "spelling variant ية/يا": "اختلاف كتابة ية/يا",
            "spelling variant of hamza (ؤ ئ ء)": "اختلاف كتابة الهمزة",
            "spacing or punctuation": "مسافات أو علامات ترقيم",
            "spelling variants": "اختلافات في الكتابة",
        ]
        return reason.components(separatedBy: "; ").map { arabic[$0] ?? $0 }.joined(separator: "؛ ")
    }

    /// The language for a statement's own language code: Arabic unless it is English.
    public init(statementLanguage code: String) {
        self = code.lowercased().hasPrefix("en") ? .en : .ar
    }

    /// Picks the language from `?lang=`, else `Accept-Language`, else Arabic.
    public static func negotiate(query: String?, acceptLanguage: String?) -> UILanguage {
        if let q = query, let lang = UILanguage(rawValue: q) { return lang }
        guard let header = acceptLanguage else { return .ar }
        let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased(), !tag.isEmpty else { return nil }
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (String(tag.prefix { $0 != "-" }), q)
        }.sorted { $0.1 > $1.1 }
        return ranked.lazy.compactMap { UILanguage(rawValue: $0.0) }.first ?? .ar
    }
}
