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

    public init(sequence: Int, kind: String, atMillis: Int64, payload: [String: String],
                prevHash: String, hash: String) {
        self.sequence = sequence
        self.kind = kind
        self.atMillis = atMillis
        self.payload = payload
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The next event after `previous` (nil for the first one), with its hash computed.
    public static func next(after previous: Event?, kind: EventKind, at date: Date,
                            payload: [String: String]) -> Event {
        let sequence = (previous?.sequence ?? 0) + 1
        let prev = previous?.hash ?? genesisHash
        let at = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let hash = computeHash(prevHash: prev, sequence: sequence, kind: kind.rawValue, atMillis: at, payload: payload)
        return Event(sequence: sequence, kind: kind.rawValue, atMillis: at, payload: payload, prevHash: prev, hash: hash)
    }

    /// The canonical bytes of an event: JSON with sorted keys, no insignificant space.
    public static func canonical(sequence: Int, kind: String, atMillis: Int64, payload: [String: String]) -> Data {
        struct Canonical: Encodable {
            let seq: Int, kind: String, at: Int64, payload: [String: String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding four plain fields cannot fail.
        return try! encoder.encode(Canonical(seq: sequence, kind: kind, at: atMillis, payload: payload))
    }

    public static func computeHash(prevHash: String, sequence: Int, kind: String, atMillis: Int64,
                                   payload: [String: String]) -> String {
        var data = Data(prevHash.utf8)
        data.append(canonical(sequence: sequence, kind: kind, atMillis: atMillis, payload: payload))
        return ContentHash.sha256Hex(data)
    }

    public var payloadJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(payload), as: UTF8.self)
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
}

/// The result of checking a statement's event log.
public enum ChainVerification: Equatable, Sendable, CustomStringConvertible {
    case valid(count: Int, head: String)
    /// The first event whose link or hash does not hold, and why.
    case broken(sequence: Int, reason: String)

    public var isValid: Bool { if case .valid = self { true } else { false } }

    public var description: String {
        switch self {
        case let .valid(count, head): "valid: \(count) events, head \(head.prefix(16))"
        case let .broken(sequence, reason): "broken at event \(sequence): \(reason)"
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
            let expected = Event.computeHash(prevHash: e.prevHash, sequence: e.sequence, kind: e.kind,
                                             atMillis: e.atMillis, payload: e.payload)
            if expected != e.hash {
                return .broken(sequence: e.sequence, reason: "its content does not match its hash (altered)")
            }
            prev = e.hash
        }
        return .valid(count: events.count, head: prev)
    }
}
