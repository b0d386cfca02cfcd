import Foundation

/// Which parts of a stored event anyone may read (issue 13). The public log, the Merkle
/// leaves and so the signed heads all use the event's public form, so a verifier holding
/// only public files can recompute every root. Private values (a coordinator's user name,
/// an invited organisation that has not signed, the name of a person counted only, the
/// network a set of joins came from, a moderation note) are replaced there by a salted
/// commitment: it binds the value without showing it, and the operator can open one
/// (reveal value and salt) in a dispute.
public enum LogPrivacy {
    /// Payload keys any reader may see, per kind. Every other key is committed; a kind
    /// unknown to this table has every key committed.
    static let publicKeys: [String: Set<String>] = [
        EventKind.statementCreated.rawValue: ["slug", "language", "log"],
        EventKind.versionAdded.rawValue: ["number", "hash", "reason"],
        EventKind.translationAdded.rawValue: ["number", "language", "hash", "translates"],
        EventKind.stateChanged.rawValue: ["from", "to"],
        EventKind.imported.rawValue: ["signatories", "published", "versionHash"],
        EventKind.published.rawValue: ["founding", "order", "versionHash", "listHash", "ids"],
        EventKind.endorsementAdded.rawValue: [
            "id", "ids", "count", "kind", "versionHash", "state", "via", "invitation", "seeded", "named", "number", "founding",
            "visibility", "imported", "names", "places", "held", "listed",
        ],
        EventKind.endorsementStateChanged.rawValue: ["id", "state", "laterNumber", "kind", "visibility"],
        EventKind.endorsementRenamed.rawValue: ["id", "kind", "visibility", "held"],
        EventKind.endorsementsMerged.rawValue: ["kept", "merged", "kind", "visibility", "held"],
        EventKind.endorsementReconfirmed.rawValue: ["id", "versionHash"],
        EventKind.invitationCreated.rawValue: ["id", "expires"],
        EventKind.invitationRevoked.rawValue: ["id"],
        EventKind.joinsInvalidated.rawValue: ["ids", "count", "from", "to"],
        EventKind.contactsPurged.rawValue: ["count", "reason"],
        EventKind.contactErased.rawValue: ["id"],
    ]

    /// Keys naming a signer: public when the signer is an organisation or a person who
    /// chose to be listed by name, committed when the person is counted only.
    static let signerNameKeys: [String: Set<String>] = [
        EventKind.endorsementAdded.rawValue: ["name", "place"],
        // The acceptance of a held sign-on: where its name first becomes public.
        EventKind.endorsementStateChanged.rawValue: ["name", "place"],
        EventKind.endorsementRenamed.rawValue: ["from", "to"],
        EventKind.endorsementsMerged.rawValue: ["keptName", "mergedName"],
    ]

    /// The payload key holding the event's salt (hex), never public.
    public static let saltKey = "salt"

    /// Marks an event about a sign-on nobody has accepted yet: a public join awaiting its
    /// email confirmation or a coordinator. Its names are committed, not shown, because
    /// the log is permanent and public and anyone can type anyone's name into a join
    /// form: a person impersonated, or a name a coordinator would refuse, must not stay
    /// readable forever beside the statement. The event that accepts the sign-on
    /// (`accepted`) carries the name in the open. Events written before this key existed
    /// keep their public form, so heads signed over them stay valid.
    public static let heldKey = "held"
    static let heldNameKeys: Set<String> = ["name", "place", "names", "places", "from", "to", "keptName", "mergedName"]

    /// Whether an event about sign-ons in `state` holds their names back: only a sign-on
    /// nobody has accepted (pending) or that was refused before it was (rejected).
    public static func holdsNames(of state: EndorsementState) -> Bool { state == .pending || state == .rejected }

    /// Whether moving a sign-on from `old` to `new` accepts it (the person confirmed, a
    /// coordinator approved), so that the event shows the name it held back. Withdrawn or
    /// refused before that, the name stays a commitment.
    public static func accepts(from old: EndorsementState, to new: EndorsementState) -> Bool {
        holdsNames(of: old) && (new == .confirmed || new == .approved)
    }

    /// What the event accepting a held sign-on adds to its payload: the name and place,
    /// public for an organisation or a person listed by name, committed for a person
    /// counted only.
    public static func accepted(_ e: Endorsement) -> [String: String] {
        ["name": e.displayName, "place": e.place ?? "", "kind": e.signerKind.rawValue, "visibility": e.visibility.rawValue]
    }

    /// Whether `key` of an event of `kind` with `payload` is public.
    public static func isPublic(_ key: String, kind: String, payload: [String: String]) -> Bool {
        if payload[heldKey] == "1" && heldNameKeys.contains(key) { return false }
        if publicKeys[kind]?.contains(key) == true { return true }
        guard signerNameKeys[kind]?.contains(key) == true else { return false }
        // Events written before the log recorded who a name belongs to named organisations
        // only (individuals' names were left out), so a name without a kind is public.
        return payload["kind"] != SignerKind.individual.rawValue || payload["visibility"] == Visibility.public.rawValue
    }

    /// `payload` with a fresh salt when it holds a private, non-empty value: what the
    /// store writes. Payloads with nothing private stay as they are (a burst's join
    /// events need no randomness).
    public static func salted(kind: EventKind, _ payload: [String: String], salt: () -> [UInt8]) -> [String: String] {
        let hasPrivate = payload.contains { key, value in !value.isEmpty && !isPublic(key, kind: kind.rawValue, payload: payload) }
        guard hasPrivate, payload[saltKey] == nil else { return payload }
        var out = payload
        out[saltKey] = ContentHash.hex(salt())
        return out
    }

    /// `"sha256:"` and the hex of SHA-256 over a label, the salt, the key and the value:
    /// the salt keeps a short value (a user name) from being guessed by trying names.
    public static func commitment(key: String, value: String, salt: [UInt8]) -> String {
        var data = Array("bayan commitment v1\n".utf8)
        data += salt
        data.append(0x0A)
        data += Array(key.utf8)
        data.append(0x0A)
        data += Array(value.utf8)
        return "sha256:" + ContentHash.sha256Hex(data)
    }
}

extension Event {
    /// The event as the public log shows it: private values committed, the salt left out.
    /// Its canonical bytes are the event's Merkle leaf.
    public var publicPayload: [String: String] {
        let salt = payload[LogPrivacy.saltKey].flatMap { ContentHash.bytes(hex: $0) } ?? []
        var out: [String: String] = [:]
        for (key, value) in payload where key != LogPrivacy.saltKey {
            out[key] =
                value.isEmpty || LogPrivacy.isPublic(key, kind: kind, payload: payload)
                ? value : LogPrivacy.commitment(key: key, value: value, salt: salt)
        }
        return out
    }

    public var publicEvent: PublicEvent {
        PublicEvent(sequence: sequence, kind: kind, atMillis: atMillis, payload: publicPayload)
    }

    /// The event's leaf in its statement's Merkle tree: the canonical bytes of its public form.
    public var leafHash: MerkleTree.Hash { publicEvent.leafHash }
}

/// An event as `/s/SLUG/log` serves it and a verifier reads it: no chain hashes (they
/// cover the private values), a payload whose private values are commitments.
public struct PublicEvent: Sendable, Equatable, Codable {
    public var sequence: Int
    public var kind: String
    public var atMillis: Int64
    public var payload: [String: String]

    public init(sequence: Int, kind: String, atMillis: Int64, payload: [String: String]) {
        self.sequence = sequence
        self.kind = kind
        self.atMillis = atMillis
        self.payload = payload
    }

    enum CodingKeys: String, CodingKey {
        case sequence = "seq", kind, atMillis = "at", payload
    }

    /// `{"at":…,"kind":…,"payload":{…},"seq":…}`, as hashed into the leaf.
    public var canonical: [UInt8] { Event.canonical(sequence: sequence, kind: kind, atMillis: atMillis, payload: payload) }

    public var leafHash: MerkleTree.Hash { MerkleTree.leafHash(canonical) }
}
