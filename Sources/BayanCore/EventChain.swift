import Foundation

/// One entry of a statement's append-only log. Each event's hash covers the previous
/// hash and the event itself, so changing, removing or reordering any stored event breaks
/// every hash after it: `hash = SHA256(prevHash ‖ canonical event)`.
public struct Event: Sendable, Codable, Equatable {
    public var sequence: Int
    public var kind: String
    /// Milliseconds since 1970 (UTC): exact in every database, unlike a floating date.
    public var atMillis: Int64
    /// Event details as flat strings, so their canonical form is unambiguous.
    public var payload: [String: String]
    public var prevHash: String
    public var hash: String

    public static let genesisHash = String(repeating: "0", count: 64)

    public init(
        sequence: Int, kind: String, atMillis: Int64, payload: [String: String],
        prevHash: String, hash: String
    ) {
        self.sequence = sequence
        self.kind = kind
        self.atMillis = atMillis
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The next event after `previous` (nil for the first one), with its hash computed.
    public static func next(
        after previous: Event?, kind: EventKind, at date: Date,
        payload: [String: String]
    ) -> Event {
        next(afterSequence: previous?.sequence ?? 0, hash: previous?.hash ?? genesisHash, kind: kind, at: date, payload: payload)
    }

    /// The next event after the one with `sequence` and `hash` (0 and the genesis hash
    /// for the first): all a writer needs to know of the head to extend the chain.
    public static func next(
        afterSequence previousSequence: Int, hash prev: String, kind: EventKind, at date: Date,
        payload: [String: String]
    ) -> Event {
        let sequence = previousSequence + 1
        let at = date.millis
        let hash = computeHash(prevHash: prev, sequence: sequence, kind: kind.rawValue, atMillis: at, payload: payload)
        return Event(sequence: sequence, kind: kind.rawValue, atMillis: at, payload: payload, prevHash: prev, hash: hash)
    }

    /// The canonical bytes of an event: JSON with sorted keys, no insignificant space
    /// (`{"at":…,"kind":…,"payload":{…},"seq":…}`).
    public static func canonical(sequence: Int, kind: String, atMillis: Int64, payload: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: #"{"at":"#.utf8)
        out.append(contentsOf: String(atMillis).utf8)
        out.append(contentsOf: #","kind":"#.utf8)
        CanonicalJSON.string(kind, into: &out)
        out.append(contentsOf: #","payload":"#.utf8)
        CanonicalJSON.object(payload, into: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(sequence).utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func computeHash(
        prevHash: String, sequence: Int, kind: String, atMillis: Int64,
        payload: [String: String]
    ) -> String {
        var data = Array(prevHash.utf8)
        data.append(contentsOf: canonical(sequence: sequence, kind: kind, atMillis: atMillis, payload: payload))
        return ContentHash.sha256Hex(data)
    }

    /// The payload as stored: the same canonical JSON as inside the hashed bytes.
    public var payloadJSON: String {
        var out: [UInt8] = []
        CanonicalJSON.object(payload, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func payload(fromJSON json: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }
}

/// What happened. Stored as the raw value; new kinds are appended, never renamed.
public enum EventKind: String, Sendable, Codable, CaseIterable {
    case statementCreated = "statement.created"
    case versionAdded = "version.added"
    case stateChanged = "statement.state"
    case imported = "statement.imported"
    case published = "statement.published"
    case endorsementAdded = "endorsement.added"
    case endorsementStateChanged = "endorsement.state"
    case endorsementRenamed = "endorsement.renamed"
    case endorsementsMerged = "endorsement.merged"
    case endorsementReconfirmed = "endorsement.reconfirmed"
    case invitationCreated = "invitation.created"
    case invitationRevoked = "invitation.revoked"
    case translationAdded = "version.translation"
    /// A coordinator set aside a set of joins (a network, a domain, a time window) at once.
    case joinsInvalidated = "endorsements.invalidated"
    /// Signers' contact details erased: by the retention rule after the statement closed,
    /// or by the operator. The list and the log stay as they were.
    case contactsPurged = "contacts.purged"
    /// One signer erased their own contact details through their private link.
    case contactErased = "contact.erased"
    /// The websites allowed to frame the statement's embed changed (issue 17).
    case embedOriginsChanged = "statement.embed"
}

/// The result of checking a statement's event log.
public enum ChainVerification: Equatable, Sendable, CustomStringConvertible {
    case valid(count: Int, head: String)
    /// The first event whose link or hash does not hold, and why.
    case broken(sequence: Int, reason: String)

    public var isValid: Bool { if case .valid = self { true } else { false } }

    public var description: String {
        switch self {
        case .valid(let count, let head): "valid: \(count) events, head \(head.prefix(16))"
        case .broken(let sequence, let reason): "broken at event \(sequence): \(reason)"
        }
    }
}

public enum EventChain {
    /// Verifies a log in sequence order and names the first bad event.
    public static func verify(_ events: [Event]) -> ChainVerification {
        var prev = Event.genesisHash
        for (offset, e) in events.enumerated() {
            if e.sequence != offset + 1 {
                return .broken(sequence: e.sequence, reason: "expected sequence \(offset + 1) (an event is missing or reordered)")
            }
            if e.prevHash != prev {
                return .broken(sequence: e.sequence, reason: "its previous-hash does not match the event before it")
            }
            let expected = Event.computeHash(
                prevHash: e.prevHash, sequence: e.sequence, kind: e.kind,
                atMillis: e.atMillis, payload: e.payload)
            if expected != e.hash {
                return .broken(sequence: e.sequence, reason: "its content does not match its hash (altered)")
            }
            prev = e.hash
        }
        return .valid(count: events.count, head: prev)
    }

    /// How far an event may be dated before an earlier one: instances' clocks differ by
    /// a little, and one instance's commits may land out of time order by as much.
    public static let clockTolerance: Int64 = 5 * 60 * 1000

    /// Events dated before an event earlier in the log by more than `clockTolerance`:
    /// back-dated, since the log only grows at its end. The chain cannot see this (a
    /// rewritten date with every later hash recomputed still links).
    public static func backDated<E: Dated>(_ events: [E], tolerance: Int64 = clockTolerance) -> [E] {
        var latest: Int64?
        var found: [E] = []
        for e in events {
            if let latest, e.atMillis < latest - tolerance { found.append(e) }
            latest = max(latest ?? e.atMillis, e.atMillis)
        }
        return found
    }
}

/// A log entry's date, for checks that hold stored events and public ones alike.
public protocol Dated {
    var atMillis: Int64 { get }
}

extension Event: Dated {}
extension PublicEvent: Dated {}

/// Times as stored and hashed: whole milliseconds since 1970.
extension Date {
    public var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    public init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
