import BayanCore
import BayanDocument
import Foundation

/// Checks submitted fields and collects messages in the page's language, so a form with
/// bad input comes back with the input kept and every problem named.
struct FormValidation {
    let lang: UILanguage
    /// Every problem found, in the order of the form's fields.
    private(set) var problems: [FormProblem] = []

    init(lang: UILanguage) { self.lang = lang }

    var isValid: Bool { problems.isEmpty }
    /// The messages alone, for pages that show no field links.
    var errors: [String] { problems.map(\.message) }

    private mutating func note(_ field: String?, _ message: String) { problems.append(FormProblem(message, field: field)) }

    /// A name that will be shown publicly or to coordinators, read by `NameText` (the one
    /// name rule): direction marks removed silently, joiners kept inside words, embeddings
    /// and overrides inside the name refused naming the character; no HTML; a visible
    /// letter; not empty when required; within `limit`.
    mutating func name(
        _ raw: String, label: String, field: String? = nil, required: Bool = true, limit: Int = Limits.nameLength
    ) -> String? {
        if raw.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) {
            note(field, "\(label): \(lang.text("error.html"))")
            return nil
        }
        // A browser never sends a control character typed into a field; one is refused
        // here rather than silently removed as in a pasted document (issue 12).
        if Self.hasControl(raw) {
            note(field, "\(label): \(lang.text("error.control"))")
            return nil
        }
        do {
            return try NameText.clean(raw, limit: limit).text
        } catch {
            switch error {
            case .empty: if required { note(field, "\(lang.text("error.required")): \(label)") }
            case .tooLong: note(field, "\(lang.text("error.tooLong")): \(label) (≤ \(limit))")
            case .noVisibleLetter: note(field, "\(label): \(lang.text("error.noLetter"))")
            case .spoofingControl(let c): note(field, "\(label): \(lang.text("error.spoofing")) (\(c))")
            }
            return nil
        }
    }

    /// Names pasted one per line (a list copied from a document or a chat): blank and
    /// invisible-only lines skipped, list numbers and bullets taken off, each name read
    /// by `name(_:)`, every refused line named.
    mutating func pastedNames(_ raw: String, label: String) -> [String] {
        PastedList.lines(raw).compactMap { line in
            name(line.name, label: "\(label), \(lang.text("error.line")) \(line.line)")
        }
    }

    mutating func text(_ raw: String, label: String, field: String? = nil, required: Bool = true, limit: Int) -> String? {
        // Trimmed without Foundation's bridged `trimmingCharacters` (several µs a field).
        guard let first = raw.firstIndex(where: { !$0.isWhitespace }), let last = raw.lastIndex(where: { !$0.isWhitespace }) else {
            if required { note(field, "\(lang.text("error.required")): \(label)") }
            return nil
        }
        let value = String(raw[first...last])
        // Control characters other than line breaks and tabs: PostgreSQL refuses NUL in
        // text outright, and the others only garble what a reader sees.
        if Self.hasControl(value) {
            note(field, "\(label): \(lang.text("error.control"))")
            return nil
        }
        if !Limits.fits(value, limit: limit) {
            note(field, "\(lang.text("error.tooLong")): \(label) (≤ \(limit))")
            return nil
        }
        return value
    }

    mutating func email(_ raw: String, label: String, field: String? = nil, required: Bool = true) -> String? {
        guard let value = text(raw, label: label, field: field, required: required, limit: 200) else { return nil }
        // local@domain.tld: one @, something before it, a dot inside the domain, no spaces
        // or angle brackets. Checked over UTF-8 bytes and scalars, not bridged strings.
        let bytes = Array(value.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "@"))
        let domain = at.map { bytes[($0 + 1)...] } ?? []
        let ok =
            at != nil && at! > 0 && bytes.lastIndex(of: UInt8(ascii: "@")) == at
            && domain.contains(UInt8(ascii: ".")) && domain.first != UInt8(ascii: ".") && domain.last != UInt8(ascii: ".")
            && !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "<" || $0 == ">" })
        guard ok else {
            note(field, "\(lang.text("error.email")): \(value)")
            return nil
        }
        return value.lowercased()
    }

    /// An optional phone number (`PhoneNumber`): nil and no problem when left empty.
    mutating func phone(_ raw: String, field: String? = nil) -> PhoneNumber? {
        let typed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !typed.isEmpty else { return nil }
        guard typed.count <= 40, let number = PhoneNumber(typed) else {
            note(field, "\(lang.text("error.phone")): \(String(typed.prefix(40)))")
            return nil
        }
        return number
    }

    mutating func fail(_ message: String, field: String? = nil) { note(field, message) }

    /// Control characters other than line breaks and tabs (NUL, bell, escape, C1).
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }
    }
}

/// One problem with a submitted form: its message in the page's language and, when it is
/// about one field, that field's name, so the page can link the message to the field and
/// show it beside it (GOV.UK's error summary; issue 16).
struct FormProblem: Sendable, Equatable {
    let message: String
    let field: String?

    init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }

    /// The view of a page's problems: `errors` for the summary at the top (each with a
    /// link to its field's `f-NAME` input when it has one) and `fieldErrors` by field name
    /// for the message beside each field.
    static func context(_ problems: [FormProblem]) -> (errors: [[String: String]], fieldErrors: [String: String]) {
        var fieldErrors: [String: String] = [:]
        let errors = problems.map { problem -> [String: String] in
            guard let field = problem.field else { return ["message": problem.message] }
            if fieldErrors[field] == nil { fieldErrors[field] = problem.message }
            return ["message": problem.message, "href": "#f-\(field)"]
        }
        return (errors, fieldErrors)
    }
}
