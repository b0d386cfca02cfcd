import BayanCore
import Foundation

/// One line of `bayan statements` and of the home page.
public struct StatementSummary: Sendable, Equatable {
    public var statement: StatementRecord
    public var title: String
    /// Endorsements on the founding list, withdrawn ones excluded.
    public var signatoryCount: Int
}

/// A directory entry, shared by all statements of the instance.
public struct Organization: Sendable, Equatable, Codable {
    public var id: String
    public var displayName: String
    public var latinName: String?
    public var place: String?
    public var kind: String?
    public var createdAt: Date
}

/// A statement arriving from a document (`bayan import`).
public struct ImportPlan: Sendable {
    public var slug: Slug
    public var language: String
    public var title: String
    public var body: String
    public var author: String
    /// Names in document order with the numbers they will carry when published.
    public var signatories: [(name: String, number: Int)]
    /// Record a statement published elsewhere: the list becomes the founding list.
    public var publish: Bool
    public var at: Date

    public init(
        slug: Slug, language: String = "ar", title: String, body: String, author: String,
        signatories: [(name: String, number: Int)], publish: Bool, at: Date
    ) {
        self.slug = slug
        self.language = language
        self.title = title
        self.body = body
        self.author = author
        self.signatories = signatories
        self.publish = publish
        self.at = at
    }
}

/// A sign-on as submitted, before the store gives it an id and binds it to a version.
/// Where a join came from: the client's network and the email's domain.
public struct JoinOrigin: Sendable, Equatable {
    public var network: String
    public var domain: String
    public init(network: String, domain: String) {
        self.network = network
        self.domain = domain
    }
}

/// A set of joins a coordinator sets aside at once.
public enum JoinSelection: Sendable, Equatable {
    case network(String)
    case domain(String)
    case window(from: Date, to: Date)
    /// Every join under one name (its collation key): a flood of one name.
    case name(key: String)
}

/// A name under which several sign-ons wait for review: shown once with its count, not
/// compared pairwise (issue 12).
public struct RepeatedName: Sendable, Equatable {
    public var name: String
    public var key: String
    public var count: Int
    public init(name: String, key: String, count: Int) {
        self.name = name
        self.key = key
        self.count = count
    }
}

/// How many joins came from each network and domain since a time, busiest first.
public struct JoinSignals: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var value: String
        public var count: Int
        public var last: Date
        public init(value: String, count: Int, last: Date) {
            self.value = value
            self.count = count
            self.last = last
        }
    }
    public var networks: [Row]
    public var domains: [Row]
    public init(networks: [Row], domains: [Row]) {
        self.networks = networks
        self.domains = domains
    }
}

public struct NewEndorsement: Sendable {
    public var signerKind: SignerKind
    public var displayName: String
    public var latinName: String?
    public var place: String?
    public var signerName: String?
    public var signerRole: String?
    public var contact: String?
    /// The hash of the exact text the signer read.
    public var versionHash: ContentHash
    public var state: EndorsementState
    public var visibility: Visibility

    public init(
        signerKind: SignerKind = .organization, displayName: String, latinName: String? = nil,
        place: String? = nil, signerName: String? = nil, signerRole: String? = nil,
        contact: String? = nil, versionHash: ContentHash, state: EndorsementState = .pending,
        visibility: Visibility = .public
    ) {
        self.signerKind = signerKind
        self.displayName = displayName
        self.latinName = latinName
        self.place = place
        self.signerName = signerName
        self.signerRole = signerRole
        self.contact = contact
        self.versionHash = versionHash
        self.state = state
        self.visibility = visibility
    }
}

/// Everything the store refuses or fails at, with a message fit for a CLI or a page.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case slugTaken(String)
    case duplicateOrganization(name: String)
    case staleVersion
    case invitation(InvitationRefusal)
    case join(JoinRefusal)
    case domain(DomainError)
    case conflict(String)
    case database(String)
    /// A form's one-use key came back with other content.
    case submissionReused
    /// The contacts key is missing, wrong, or a sealed value does not open.
    case contactKey(ContactKeyError)

    public var description: String {
        switch self {
        case .notFound(let what): "not found: \(what)"
        case .slugTaken(let slug): "a statement with the slug '\(slug)' already exists"
        case .duplicateOrganization(let name): "the organisation '\(name)' has already signed this statement"
        case .staleVersion: "the text changed since it was read; read the current version and sign again"
        case .invitation(let refusal): "this invitation link is \(refusal.rawValue)"
        case .join(let refusal): "cannot join: \(refusal.rawValue)"
        case .domain(let error): error.description
        case .conflict(let message): "conflicting change: \(message)"
        case .database(let message): "database error: \(message)"
        case .submissionReused: "this form was already sent with different content"
        case .contactKey(let error): error.description
        }
    }
}

/// A form submission's one-use key (hashed) and the hash of what it said.
public struct Submission: Sendable, Equatable {
    public let keyHash: String
    public let contentHash: String
    public init(keyHash: String, contentHash: String) {
        self.keyHash = keyHash
        self.contentHash = contentHash
    }
}

/// Whether a submission did its work now or had done it before.
public enum SubmissionOutcome: Sendable, Equatable {
    case created, repeated
}

/// Effects the store needs, injected so tests control time and identifiers.
public struct StoreEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var newID: @Sendable () -> String
    /// Salts the public log's commitments to private values (`LogPrivacy`).
    public var salt: @Sendable () -> [UInt8]
    public init(
        now: @escaping @Sendable () -> Date = { Date() },
        newID: @escaping @Sendable () -> String = { TimeOrderedID.make() },
        salt: @escaping @Sendable () -> [UInt8] = { SecureRandom.bytes(16) }
    ) {
        self.now = now
        self.newID = newID
        self.salt = salt
    }
}

/// Row ids in the layout of a UUID version 7 (RFC 9562): 48 bits of milliseconds, then
/// random bits. New rows land at the end of the primary-key index instead of on a random
/// page, which a burst of thousands of sign-ons a second feels (one page write fewer per row).
public enum TimeOrderedID {
    public static func make(at date: Date = Date()) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var bytes = SecureRandom.bytes(16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 9562 variant
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One page of a statement's individual endorsers.
/// Where a keyset page of individuals ends: the last one's signing time and id, written
/// `MILLIS.ID` (opaque to clients; checked when read back).
public struct IndividualCursor: Sendable, Equatable {
    public let millis: Int64
    public let id: String

    public init(after e: Endorsement) {
        // Nearest, not down: the stored whole milliseconds, read back through a Double.
        millis = Int64((e.createdAt.timeIntervalSince1970 * 1000).rounded())
        id = e.id
    }

    /// nil for anything this type did not write.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let millis = Int64(parts[0]), (1...100).contains(parts[1].count),
            parts[1].unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) })
        else { return nil }
        self.millis = millis
        self.id = String(parts[1])
    }

    public var text: String { "\(millis).\(id)" }
}

public struct IndividualPage: Sendable {
    /// Everyone who counts, shown or counted only.
    public var total: Int
    /// Those who chose to be shown by name.
    public var shown: Int
    public var offset: Int
    public var items: [Endorsement]

    public init(total: Int, shown: Int, offset: Int, items: [Endorsement]) {
        self.total = total
        self.shown = shown
        self.offset = offset
        self.items = items
    }
}

/// How many individuals a statement has in each state: what a coordinator needs to see
/// of a million endorsers, without loading them.
public struct IndividualTally: Sendable, Equatable {
    public var byState: [EndorsementState: Int]
    /// Approved individuals who agreed to the current text (`SignatoryRules.isListed`).
    public var listed: Int

    public init(byState: [EndorsementState: Int], listed: Int) {
        self.byState = byState
        self.listed = listed
    }

    public func count(_ state: EndorsementState) -> Int { byState[state, default: 0] }
    /// Every individual who has not been rejected.
    public var live: Int { byState.filter { $0.key != .rejected }.values.reduce(0, +) }
}
