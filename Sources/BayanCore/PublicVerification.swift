import Foundation

/// The public files of a statement and how anyone checks them with no database and no
/// network (issue 13, `bayan verify --offline`): the instance's keys, the statement's public
/// log, its manifest, signers' receipts and an older manifest kept from before. Depends on
/// nothing but BayanCore and swift-crypto, so a third party can build and audit it alone.

/// `/.well-known/bayan/keys.json`: the instance's signing key and the keys it used before
/// (`bayan key rotate`), each later key endorsed by the one it replaced, so what an old key
/// signed still verifies and a watcher that trusted the old key can follow to the new.
public struct KeysFile: Sendable, Codable, Equatable {
    public struct Key: Sendable, Codable, Equatable {
        public var id: String
        public var publicKey: String
        public var algorithm: String
        /// For a key that replaced another: that key's id, when, and its signature over
        /// `PublicSigningKey.rotationBytes`.
        public var endorsedBy: String?
        public var since: Int64?
        public var endorsement: String?
        /// Set on keys that no longer sign: they stay listed to verify what they signed.
        public var retired: Bool?

        public init(_ key: PublicSigningKey) {
            id = key.id
            publicKey = key.base64
            algorithm = "Ed25519"
        }
    }
    public var keys: [Key]

    public init(_ keys: [PublicSigningKey]) { self.keys = keys.map(Key.init) }

    public init(keys: [Key]) { self.keys = keys }

    /// The keys, each checked to be what its id says, and each endorsement to hold.
    public func publicKeys() throws(VerificationError) -> [PublicSigningKey] {
        var byID: [String: PublicSigningKey] = [:]
        var out: [PublicSigningKey] = []
        for key in keys {
            guard let k = try? PublicSigningKey(base64: key.publicKey), k.id == key.id else {
                throw .unreadable("keys file", "key \(key.id) is not a 32-byte Ed25519 key with that id")
            }
            byID[k.id] = k
            out.append(k)
        }
        for key in keys {
            guard let by = key.endorsedBy else { continue }
            guard let old = byID[by], let at = key.since, let signature = key.endorsement,
                old.endorses(byID[key.id]!, atMillis: at, signature: signature)
            else { throw .unreadable("keys file", "key \(key.id) claims to follow key \(by), whose endorsement does not hold") }
        }
        return out
    }

    /// The keys `trusted` lets one trust: those, and every key a trusted key endorsed
    /// (in turn). A key listed without such an endorsement is not among them.
    public func followed(from trusted: [PublicSigningKey]) throws(VerificationError) -> [PublicSigningKey] {
        let all = try publicKeys()
        var accepted = trusted
        var grew = true
        while grew {
            grew = false
            for key in keys where !accepted.contains(where: { $0.id == key.id }) {
                guard let by = key.endorsedBy, accepted.contains(where: { $0.id == by }), let k = all.first(where: { $0.id == key.id })
                else { continue }
                accepted.append(k)
                grew = true
            }
        }
        return accepted
    }
}

/// A page of `/s/SLUG/log`, or (from a mirror) the whole log in one file.
public struct LogFile: Sendable, Codable, Equatable {
    public var statement: String
    /// Events in the log when the page was read.
    public var size: Int
    /// The first event's sequence number (1 for the whole log).
    public var from: Int
    public var events: [PublicEvent]

    public init(statement: String, size: Int, from: Int, events: [PublicEvent]) {
        self.statement = statement
        self.size = size
        self.from = from
        self.events = events
    }
}

/// What a signer keeps (`/e/TOKEN/receipt.json`): the public form of the event that
/// recorded their sign-on, its place in the log and, once a head covers it, that head and
/// the audit path from the event to its root.
public struct ReceiptFile: Sendable, Codable, Equatable {
    public static let format = "bayan-receipt-1"
    public var format = ReceiptFile.format
    public var statement: String
    public var slug: String
    public var endorsement: String
    public var name: String
    /// The hash of the text agreed to (hex).
    public var agreedTo: String
    public var event: PublicEvent
    /// From 0.
    public var leafIndex: Int
    public var head: TreeHead?
    /// Hex, empty without a head.
    public var proof: [String]

    public init(
        statement: String, slug: String, endorsement: String, name: String, agreedTo: String, event: PublicEvent, leafIndex: Int,
        head: TreeHead?, proof: [String]
    ) {
        self.statement = statement
        self.slug = slug
        self.endorsement = endorsement
        self.name = name
        self.agreedTo = agreedTo
        self.event = event
        self.leafIndex = leafIndex
        self.head = head
        self.proof = proof
    }

    /// Whether the receipt's own proof shows its event in its head.
    public var proofHolds: Bool {
        guard let head, let root = ContentHash.bytes(hex: head.root) else { return false }
        let path = proof.compactMap { ContentHash.bytes(hex: $0) }
        return path.count == proof.count
            && MerkleTree.verifyInclusion(index: leafIndex, size: head.size, leaf: event.leafHash, proof: path, root: root)
    }
}

/// Checks a statement's public files against each other. Each finding names the event,
/// list entry or file it concerns; none means every check held.
public enum OfflineVerification {
    public struct Report: Sendable {
        public var findings: [String] = []
        /// What was checked, for the summary line.
        public var checked: [String] = []
        public var isValid: Bool { findings.isEmpty }
    }

    public static func verify(
        keys: [PublicSigningKey], manifest: Manifest, log: [PublicEvent], receipts: [ReceiptFile] = [], older: Manifest? = nil
    ) -> Report {
        var report = Report()
        let head = manifest.head
        if !manifest.isSigned(by: keys) {
            report.findings.append("manifest: not signed by a listed key (key \(manifest.keyID))")
        }
        if !keys.contains(where: { $0.id == head.keyID }) {
            report.findings.append("head of \(head.size) events: signed by key \(head.keyID), which the keys file does not list")
        } else if !head.isSigned(by: keys) {
            report.findings.append("head of \(head.size) events: its signature does not hold")
        }
        if head.statementID != manifest.statement {
            report.findings.append("manifest of statement \(manifest.statement) carries a head of statement \(head.statementID)")
        }
        for (offset, e) in log.enumerated() where e.sequence != offset + 1 {
            report.findings.append("log: event \(offset + 1) is missing (found event \(e.sequence) in its place)")
            return report
        }
        guard log.count >= head.size else {
            report.findings.append("log truncated: the signed head covers \(head.size) events, the log has \(log.count)")
            return report
        }
        let covered = Array(log.prefix(head.size))
        let leaves = covered.map(\.leafHash)
        if ContentHash.hex(MerkleTree.root(leaves)) != head.root {
            report.findings.append(
                "log rewritten: events 1…\(head.size) are not those the signed head covers"
                    + (firstRewritten(leaves, receipts: receipts).map { " (event \($0) differs)" } ?? ""))
        }
        for e in EventChain.backDated(covered) {
            report.findings.append("event \(e.sequence) (\(e.kind)) is back-dated: dated before an earlier event of the log")
        }
        let replay = LogReplay(covered)
        report.findings += replay.problems.map { "log: \($0)" }
        report.findings += differences(manifest: manifest, replay: replay)
        report.checked.append("\(head.size) events, root \(head.root.prefix(16))")
        if !replay.recordsLists {
            report.checked.append("lists not checked: the log was begun before Bayan recorded every entry in it")
        }
        report.checked.append("\(manifest.founding.count) founding, \(manifest.later.count) later, \(manifest.individuals.counted) individuals")
        for r in receipts { report.findings += check(receipt: r, manifest: manifest, log: covered, leaves: leaves, replay: replay) }
        if !receipts.isEmpty { report.checked.append("\(receipts.count) receipts") }
        if let older {
            report.findings += check(older: older, keys: keys, leaves: leaves)
            report.checked.append("older head of \(older.head.size) events")
        }
        return report
    }

    /// What the page asserts against what the log adds up to.
    static func differences(manifest m: Manifest, replay: LogReplay) -> [String] {
        var out: [String] = []
        for text in [m.text] + m.translations where ContentHash.of(title: text.title, body: text.body).hex != text.hash {
            out.append("text (\(text.language)) does not match its hash \(text.hash.prefix(16)) (altered)")
        }
        if m.text.hash != replay.currentHash {
            out.append("text: the page shows \(m.text.hash.prefix(16)), the log's current text is \((replay.currentHash ?? "none").prefix(16))")
        }
        for t in m.translations where replay.translations[t.hash] == nil {
            out.append("translation (\(t.language)) \(t.hash.prefix(16)) is not in the log")
        }
        if m.state != replay.state.rawValue { out.append("state: \(m.state) here, \(replay.state.rawValue) in the log") }
        if m.slug != replay.slug { out.append("address: /s/\(m.slug) here, /s/\(replay.slug ?? "?") in the log") }
        guard replay.recordsLists else { return out }
        out += ListComparison.differences(list: "founding", page: m.founding, log: replay.founding)
        out += ListComparison.differences(list: "later", page: m.later, log: replay.later)
        out += ListComparison.differences(individuals: m.individuals, log: replay.individuals)
        return out
    }

    static func check(receipt r: ReceiptFile, manifest: Manifest, log: [PublicEvent], leaves: [MerkleTree.Hash], replay: LogReplay) -> [String] {
        let who = "receipt of \(r.name) (\(r.endorsement))"
        var out: [String] = []
        if r.statement != manifest.statement { return ["\(who): for another statement (\(r.statement))"] }
        if r.head != nil && !r.proofHolds { out.append("\(who): its proof does not show its event in its head") }
        if r.leafIndex >= log.count {
            out.append("\(who): event \(r.leafIndex + 1) is beyond the signed log of \(log.count) events (truncated)")
        } else if leaves[r.leafIndex] != r.event.leafHash {
            out.append("\(who): event \(r.leafIndex + 1) of the log is not the one the receipt holds (rewritten)")
        } else if let head = r.head, head.size <= log.count, ContentHash.hex(MerkleTree.root(Array(leaves.prefix(head.size)))) != head.root {
            out.append("\(who): the log does not extend the head the receipt holds (rewritten)")
        }
        guard let entry = replay.entries[r.endorsement] else {
            out.append("\(who): the log does not hold this sign-on")
            return out
        }
        if entry.state == .withdrawn || entry.state == .rejected { return out }
        if let number = entry.number {
            let list = entry.founding ? manifest.founding : manifest.later
            if !list.contains(where: { $0.number == number && $0.name == (entry.name ?? "") }) {
                out.append("\(who): number \(number) in the log, missing from the page's \(entry.founding ? "founding" : "later") list")
            }
        }
        return out
    }

    static func check(older: Manifest, keys: [PublicSigningKey], leaves: [MerkleTree.Hash]) -> [String] {
        let h = older.head
        guard h.isSigned(by: keys) else { return ["older manifest: its head of \(h.size) events is not signed by a listed key"] }
        guard h.statementID == older.statement else { return ["older manifest: head of another statement"] }
        guard h.size <= leaves.count else {
            return ["history shrank: an older head covers \(h.size) events, the newer \(leaves.count) (truncated)"]
        }
        guard ContentHash.hex(MerkleTree.root(Array(leaves.prefix(h.size)))) == h.root else {
            return ["history rewritten: the newer log does not extend the older head of \(h.size) events (fork)"]
        }
        return []
    }

    /// Where a rewrite began, when a receipt or an older head pins a leaf.
    static func firstRewritten(_ leaves: [MerkleTree.Hash], receipts: [ReceiptFile]) -> Int? {
        receipts.filter { $0.leafIndex < leaves.count && leaves[$0.leafIndex] != $0.event.leafHash }.map { $0.leafIndex + 1 }.min()
    }
}
