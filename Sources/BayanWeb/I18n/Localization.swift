import Foundation

/// Interface languages. Arabic is the default. Each language's strings are one JSON file,
/// `Translations/<code>.json`, a flat object of key to text that translators' tools read;
/// a new language is a new file with the same keys, and a case here.
public enum UILanguage: String, Sendable, CaseIterable {
    case ar, en, tr

    public var direction: String { self == .ar ? "rtl" : "ltr" }

    /// The language's name in itself, for the language switch.
    public var name: String { text("language.name") }

    var strings: [String: String] { Translations.tables[self] ?? [:] }

    /// The string for `key`, falling back to Arabic, then to the key itself so a missing
    /// translation is visible rather than blank (the server refuses to start with one, and
    /// a test fails).
    public func text(_ key: String) -> String {
        strings[key] ?? Translations.tables[.ar]?[key] ?? key
    }

    /// `text(key)` with each `{name}` replaced by its value: a translator moves the
    /// placeholders, the code never concatenates sentences.
    public func text(_ key: String, _ values: [String: String]) -> String {
        values.reduce(text(key)) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// All strings as a dictionary for templates (`{{t.home.title}}` is not valid Mustache,
    /// so keys are exposed with `_` instead of `.`: `{{t.home_title}}`).
    var templateStrings: [String: String] { Translations.templateTables[self] ?? [:] }

    /// A day as this language's readers write it, in UTC: the month named from the
    /// translation file (`month.1`...`month.12`; in Arabic the Levantine names Syrians use,
    /// كانون الثاني for January), laid out by `date.format`. Not ISO 8601, which reads as
    /// a developer's format (issue 16); the machine-readable form goes in `datetime=`.
    public func date(_ date: Date) -> String {
        let day = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return text(
            "date.format",
            ["day": String(day.day ?? 1), "month": text("month.\(day.month ?? 1)"), "year": String(day.year ?? 1970)])
    }

    /// `date(_:)` with the time of day (24-hour, UTC), for the coordinator's tables.
    public func dateTime(_ date: Date) -> String {
        let time = Calendar.utc.dateComponents([.hour, .minute], from: date)
        let clock = String(format: "%02d:%02d", time.hour ?? 0, time.minute ?? 0)
        return text("date.timeFormat", ["date": self.date(date), "time": clock])
    }

    /// A duplicate-candidate reason from ArabicText (English, `; `-separated) in this
    /// language; an unknown reason is shown as ArabicText wrote it.
    public func duplicateReason(_ reason: String) -> String {
        let keys: [String: String] = [
            "same after normalization": "dup.normalized", "one letter apart (possible typo)": "dup.typo",
            "abbreviation in brackets": "dup.abbreviation", "definite article ال added or dropped": "dup.article",
            "spelling variant ة/ه": "dup.taMarbuta", "spelling variant ى/ي": "dup.alifMaqsura", "spelling variant ية/يا": "dup.iyya",
            "spelling variant of hamza (ؤ ئ ء)": "dup.hamza", "spacing or punctuation": "dup.spacing", "spelling variants": "dup.variants",
            "look-alike letters from another script": "dup.lookAlike",
        ]
        return reason.components(separatedBy: "; ").map { keys[$0].map(text) ?? $0 }.joined(separator: text("dup.separator"))
    }

    /// The language for a statement's own language code: Arabic unless it is another
    /// interface language.
    public init(statementLanguage code: String) {
        let primary = code.lowercased().prefix { $0 != "-" && $0 != "_" }
        self = UILanguage(rawValue: String(primary)) ?? .ar
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

extension Calendar {
    /// The Gregorian calendar in UTC: every date Bayan shows is UTC, the same for a reader
    /// at home and in exile.
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}

/// Why the translation files cannot be used; the server does not start with one.
public enum TranslationError: Error, Equatable, CustomStringConvertible {
    case unreadable(UILanguage, String)
    case missingKeys(UILanguage, [String])

    public var description: String {
        switch self {
        case .unreadable(let lang, let reason): "Translations/\(lang.rawValue).json cannot be read: \(reason)"
        case .missingKeys(let lang, let keys): "Translations/\(lang.rawValue).json lacks \(keys.count) key(s): \(keys.joined(separator: ", "))"
        }
    }
}

/// The translation tables, read once from the package's resources.
public enum Translations {
    static let loaded: Result<[UILanguage: [String: String]], TranslationError> = {
        do throws(TranslationError) { return .success(try load()) } catch { return .failure(error) }
    }()

    static let tables: [UILanguage: [String: String]] = (try? loaded.get()) ?? [:]

    // Built once: every page render needs them.
    static let templateTables: [UILanguage: [String: String]] = {
        let keys = Set(tables.values.flatMap(\.keys))
        return Dictionary(
            uniqueKeysWithValues: UILanguage.allCases.map { lang in
                (lang, Dictionary(uniqueKeysWithValues: keys.map { ($0.replacingOccurrences(of: ".", with: "_"), lang.text($0)) }))
            })
    }()

    /// Every language's table, checked to define the same keys: a key missing from one
    /// language is an error, not a silent fallback.
    static func load() throws(TranslationError) -> [UILanguage: [String: String]] {
        try load(from: Bundle.module.url(forResource: "Translations", withExtension: nil))
    }

    /// The tables in `directory` (the shipped ones, or a copy a test altered).
    public static func load(from directory: URL?) throws(TranslationError) -> [UILanguage: [String: String]] {
        var tables: [UILanguage: [String: String]] = [:]
        for lang in UILanguage.allCases {
            guard let url = directory?.appendingPathComponent("\(lang.rawValue).json") else { throw .unreadable(lang, "no Translations resource") }
            do {
                tables[lang] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
            } catch { throw .unreadable(lang, "\(error)") }
        }
        let all = Set(tables.values.flatMap(\.keys))
        for lang in UILanguage.allCases {
            let missing = all.subtracting(tables[lang, default: [:]].keys).sorted()
            if !missing.isEmpty { throw .missingKeys(lang, missing) }
        }
        return tables
    }
}
