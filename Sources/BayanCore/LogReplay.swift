import Foundation

/// What a statement's public log adds up to: its state, its current text, and every
/// signatory with their number, name and state, derived from the events alone (issue 13).
/// `bayan verify` holds the database's tables to it, and an offline verifier holds a
/// manifest (what the page asserts) to it, so an entry edited, inserted or removed
/// outside the log, or an inflated count, is named. Pure: feed it events in order.
public struct LogReplay: Sendable {
    /// One sign-on as the log tells it.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var kind: SignerKind
        /// Nil for a person counted only: the log holds a commitment, never the name.
        public var name: String?
        public var place: String?
        public var state: EndorsementState
        public var founding = false
        public var number: Int?
        /// The text the sign-on agreed to (hex).
        public var versionHash: String
        /// A person listed by name (organisations are always named).
        public var named: Bool
    }

    /// One line of a public list: what a page shows and a manifest asserts.
    public struct ListEntry: Sendable, Equatable, Codable {
        public var number: Int
        public var name: String
        public var place: String?
        /// `signed` or `withdrawn`.
        public var status: String

        public init(number: Int, name: String, place: String?, status: String) {
            self.number = number
            self.name = name
            self.place = place?.isEmpty == true ? nil : place
            self.status = status
        }
    }

    public private(set) var entries: [String: Entry] = [:]
    public private(set) var state: StatementState = .draft
    public private(set) var slug: String?
    /// The current authoritative text's hash (hex) and number.
    public private(set) var currentHash: String?
    public private(set) var currentNumber: Int?
    /// Translation hash → language.
    public private(set) var translations: [String: String] = [:]
    public private(set) var publishedAtMillis: Int64?
    /// Individuals added in bulk for benchmarks (`bayan dev seed-individuals`), counted only.
    var seeded: (counted: Int, named: Int) = (0, 0)
    /// Events that do not fit what came before (an unknown id, a move the rules forbid),
    /// each naming its event.
    public private(set) var problems: [String] = []
    public private(set) var size = 0
    /// Whether the log records every entry of the lists (places, people listed by name,
    /// imported signatories, founding numbers): statements created since it does
    /// (`"log": "2"` in their first event). Older logs vouch for the chain and the
    /// heads, not for each name and count.
    public private(set) var recordsLists = false

    /// The value of `log` in a statement's first event when its log records the lists.
    public static let listsFormat = "2"

    public init() {}

    public init(_ events: some Sequence<PublicEvent>) {
        for e in events { apply(e) }
    }

    public mutating func apply(_ e: PublicEvent) {
        size += 1
        let p = e.payload
        switch EventKind(rawValue: e.kind) {
        case .statementCreated:
            slug = p["slug"]
            recordsLists = p["log"] == Self.listsFormat
        case .versionAdded:
            currentHash = p["hash"]
            currentNumber = p["number"].flatMap { Int($0) }
        case .translationAdded: if let hash = p["hash"], let language = p["language"] { translations[hash] = language }
        case .imported: currentHash = p["versionHash"] ?? currentHash
        case .stateChanged:
            guard let to = p["to"].flatMap(StatementState.init(rawValue:)) else { return problem(e, "names no state to move to") }
            state = to
        case .published: publish(e)
        case .endorsementAdded: add(e)
        case .endorsementStateChanged:
            guard let id = p["id"], let next = p["state"].flatMap(EndorsementState.init(rawValue:)) else {
                return problem(e, "changes a sign-on without naming it and its new state")
            }
            guard var entry = entries[id] else { return problem(e, "changes sign-on \(id), which the log never added") }
            if entry.state != next {
                guard (try? entry.state.transition(to: next)) != nil else {
                    return problem(e, "moves sign-on \(id) from \(entry.state.rawValue) to \(next.rawValue), which the rules forbid")
                }
            }
            entry.state = next
            if let later = p["laterNumber"].flatMap({ Int($0) }) { entry.number = later }
            // A held sign-on's name, made public when it is accepted.
            if LogPrivacy.isPublic("name", kind: e.kind, payload: p), let name = p["name"], !name.isEmpty {
                entry.name = name
                entry.place = p["place"]
            }
            entries[id] = entry
        case .endorsementRenamed:
            guard let id = p["id"], entries[id] != nil else { return problem(e, "renames a sign-on the log never added") }
            if LogPrivacy.isPublic("to", kind: e.kind, payload: p) { entries[id]?.name = p["to"] }
        case .endorsementsMerged:
            guard let id = p["merged"], entries[id] != nil else { return problem(e, "merges a sign-on the log never added") }
            entries[id]?.state = .rejected
        case .endorsementReconfirmed:
            guard let id = p["id"], entries[id] != nil, let hash = p["versionHash"] else {
                return problem(e, "re-confirms a sign-on the log never added")
            }
            entries[id]?.versionHash = hash
        case .joinsInvalidated:
            for id in (p["ids"] ?? "").split(separator: " ").map(String.init) {
                guard entries[id] != nil else { return problem(e, "sets aside sign-on \(id), which the log never added") }
                entries[id]?.state = .rejected
            }
        case .invitationCreated, .invitationRevoked, .contactsPurged, .contactErased, .embedOriginsChanged, .none: break
        }
    }

    private mutating func publish(_ e: PublicEvent) {
        state = .published
        publishedAtMillis = e.atMillis
        currentHash = e.payload["versionHash"] ?? currentHash
        let ids = (e.payload["ids"] ?? "").split(separator: " ").map(String.init)
        if ids.count != Int(e.payload["founding"] ?? "") {
            problem(e, "names \(ids.count) founding signatories but counts \(e.payload["founding"] ?? "none")")
        }
        for (offset, id) in ids.enumerated() {
            guard var entry = entries[id] else { return problem(e, "numbers sign-on \(id), which the log never added") }
            entry.founding = true
            entry.number = entry.number ?? offset + 1
            entries[id] = entry
        }
    }

    private mutating func add(_ e: PublicEvent) {
        let p = e.payload
        let kind = p["kind"].flatMap(SignerKind.init(rawValue:)) ?? .organization
        let state = p["state"].flatMap(EndorsementState.init(rawValue:)) ?? .pending
        let versionHash = p["versionHash"] ?? ""
        if let seeded = p["seeded"].flatMap({ Int($0) }) {
            if state == .confirmed || state == .approved {
                self.seeded.counted += seeded
                self.seeded.named += Int(p["named"] ?? "") ?? 0
            }
            return
        }
        if let id = p["id"] {
            guard entries[id] == nil else { return problem(e, "adds sign-on \(id) a second time") }
            let named = LogPrivacy.isPublic("name", kind: e.kind, payload: p) && p["name"]?.isEmpty == false
            entries[id] = Entry(
                id: id, kind: kind, name: named ? p["name"] : nil, place: named ? p["place"] : nil, state: state,
                number: p["number"].flatMap { Int($0) }, versionHash: versionHash,
                named: kind == .organization || p["visibility"] == Visibility.public.rawValue)
            return
        }
        let ids = (p["ids"] ?? "").split(separator: " ").map(String.init)
        // Held names are commitments here; who is listed by name is then told by `listed`.
        let held = p[LogPrivacy.heldKey] == "1"
        let listed = Array(p["listed"] ?? "")
        if held && listed.count != ids.count { problem(e, "marks \(listed.count) of \(ids.count) sign-ons listed or not") }
        func list(_ key: String) -> [String?] {
            guard !held, let text = p[key] else { return [] }
            return (try? JSONDecoder().decode([String?].self, from: Data(text.utf8))) ?? []
        }
        let names = list("names")
        let places = list("places")
        if !names.isEmpty && names.count != ids.count { problem(e, "lists \(names.count) names for \(ids.count) sign-ons") }
        for (offset, id) in ids.enumerated() {
            guard entries[id] == nil else { return problem(e, "adds sign-on \(id) a second time") }
            let name = offset < names.count ? names[offset] : nil
            entries[id] = Entry(
                id: id, kind: kind, name: name, place: name == nil ? nil : (offset < places.count ? places[offset] : nil), state: state,
                versionHash: versionHash, named: held ? offset < listed.count && listed[offset] == "1" : name != nil)
        }
    }

    /// Only logs that record every entry are held to it: older ones left imported
    /// signatories and founding numbers out.
    private mutating func problem(_ e: PublicEvent, _ text: String) {
        guard recordsLists else { return }
        problems.append("event \(e.sequence) (\(e.kind)) \(text)")
    }

    // MARK: What the page shows

    /// The founding list in number order, withdrawn entries kept with their numbers.
    public var founding: [ListEntry] {
        entries.values.filter { $0.founding && $0.number != nil }.sorted { $0.number! < $1.number! }.map(Self.line)
    }

    /// Organisations that joined after publication, in the order of their later numbers.
    public var later: [ListEntry] {
        entries.values.filter { !$0.founding && $0.number != nil && ($0.state == .approved || $0.state == .withdrawn) }
            .sorted { $0.number! < $1.number! }.map(Self.line)
    }

    /// Individuals counted on the page (confirmed or approved), and how many of them are
    /// listed by name.
    public var individuals: IndividualCount {
        var count = IndividualCount(counted: seeded.counted, named: seeded.named)
        for e in entries.values where e.kind == .individual && (e.state == .confirmed || e.state == .approved) {
            count.counted += 1
            if e.named { count.named += 1 }
        }
        return count
    }

    static func line(_ e: Entry) -> ListEntry {
        ListEntry(number: e.number!, name: e.name ?? "", place: e.place, status: e.state == .withdrawn ? "withdrawn" : "signed")
    }
}

/// How many individuals a statement counts, and how many of those are listed by name.
public struct IndividualCount: Sendable, Equatable, Codable {
    public var counted: Int
    public var named: Int

    public init(counted: Int, named: Int) {
        self.counted = counted
        self.named = named
    }
}
