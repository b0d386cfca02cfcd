import ArabicText
import Foundation

public enum SignerKind: String, Codable, Sendable, CaseIterable {
    case organization, individual
}

/// `pending → confirmed → approved`, or `rejected` / `withdrawn`. Nothing is erased:
/// a withdrawal keeps the row (and its number) so the public record stays honest.
public enum EndorsementState: String, Codable, Sendable, CaseIterable {
    case pending, confirmed, approved, rejected, withdrawn

    static let allowed: [EndorsementState: Set<EndorsementState>] = [
        .pending: [.confirmed, .approved, .rejected, .withdrawn],
        .confirmed: [.approved, .rejected, .withdrawn],
        .approved: [.withdrawn],
        .rejected: [],
        .withdrawn: [],
    ]

    public func transition(to next: EndorsementState) throws(DomainError) -> EndorsementState {
        if self == .withdrawn && next == .withdrawn { throw .alreadyWithdrawn }
        guard Self.allowed[self, default: []].contains(next) else {
            throw .invalidEndorsementTransition(from: self, to: next)
        }
        return next
    }
}

public enum Visibility: String, Codable, Sendable, CaseIterable {
    case `public`
    case countedOnly = "counted-only"
}

/// A sign-on: an organisation (or a person) agreeing to one exact version of the text.
public struct Endorsement: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var signerKind: SignerKind
    public var organizationID: String?
    /// The name as it should be printed.
    public var displayName: String
    public var place: String?
    public var signerName: String?
    public var signerRole: String?
    /// Private: never in a public page, export, log or error message.
    public var contact: String?
    /// The content hash of the authoritative version this sign-on agreed to.
    public var versionHash: ContentHash
    public var state: EndorsementState
    public var founding: Bool
    /// Stable once published; `nil` before.
    public var number: Int?
    public var visibility: Visibility
    /// Recorded from a statement published elsewhere (`bayan import --publish`).
    public var imported: Bool
    public var createdAt: Date

    public init(
        id: String, signerKind: SignerKind = .organization, organizationID: String? = nil,
        displayName: String, place: String? = nil, signerName: String? = nil,
        signerRole: String? = nil, contact: String? = nil, versionHash: ContentHash,
        state: EndorsementState = .pending, founding: Bool = false, number: Int? = nil,
        visibility: Visibility = .public, imported: Bool = false, createdAt: Date
    ) {
        self.id = id
        self.signerKind = signerKind
        self.organizationID = organizationID
        self.displayName = displayName
        self.place = place
        self.signerName = signerName
        self.signerRole = signerRole
        self.contact = contact
        self.versionHash = versionHash
        self.state = state
        self.founding = founding
        self.number = number
        self.visibility = visibility
        self.imported = imported
        self.createdAt = createdAt
    }
}

/// The rules that decide who is on a statement's list. Pure: callers pass the data in.
public enum SignatoryRules {
    /// Before publication, an approved endorsement counts only while it agrees to the
    /// current authoritative text; after a text change it drops out until re-confirmed.
    public static func isListed(_ e: Endorsement, currentHash: ContentHash) -> Bool {
        e.state == listedState && e.versionHash == currentHash
    }

    /// The state in which a sign-on is on the list (`isListed`), for queries that count.
    public static let listedState = EndorsementState.approved

    /// Whether a signer must re-confirm: they signed (confirmed, or approved since) an older
    /// text, and the text may still change, so their sign-on no longer counts until they
    /// agree to the current one. After publication corrections carry a reason and ask
    /// nobody to re-confirm. The one rule of the signer's page, the coordinator's page and
    /// the re-invitation links (the signer's page used to offer it to pending sign-ons too).
    public static func needsReconfirmation(_ e: Endorsement, currentHash: ContentHash, textIsEditable: Bool) -> Bool {
        textIsEditable && (e.state == .approved || e.state == .confirmed) && e.versionHash != currentHash
    }

    /// The sign-ons that need their signer to re-confirm (`needsReconfirmation`).
    public static func needingReconfirmation(_ all: [Endorsement], currentHash: ContentHash, textIsEditable: Bool) -> [Endorsement] {
        all.filter { needsReconfirmation($0, currentHash: currentHash, textIsEditable: textIsEditable) }
    }

    /// Whether a sign-on waits for a coordinator: an organisation until approved or
    /// rejected; an individual only until their email is confirmed (or a coordinator
    /// confirms them by hand when no mail can be sent), since individuals are counted, not
    /// reviewed one by one.
    public static func awaitsReview(_ e: Endorsement) -> Bool {
        reviewStates(of: e.signerKind).contains(e.state)
    }

    /// The states in which a sign-on of this kind awaits review (`awaitsReview`), for the
    /// store's paginated moderation queue.
    public static func reviewStates(of kind: SignerKind) -> Set<EndorsementState> {
        switch kind {
        case .organization: [.pending, .confirmed]
        case .individual: [.pending]
        }
    }

    /// Numbers the founding list at publication: the listed organisations, in Arabic order
    /// or signing order, numbered 1...n. Refuses a list that already carries numbers,
    /// because published numbers never change.
    public static func foundingNumbers(
        _ all: [Endorsement], currentHash: ContentHash, order: FoundingOrder
    ) throws(DomainError) -> [(id: String, number: Int)] {
        guard !all.contains(where: { $0.founding || $0.number != nil }) else { throw .alreadyNumbered }
        let listed = all.filter { isListed($0, currentHash: currentHash) && $0.signerKind == .organization }
        let ordered: [Endorsement] =
            switch order {
            case .arabic: ArabicText.sorted(listed, by: \.displayName)
            case .signing: listed.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            }
        return ordered.enumerated().map { (id: $0.element.id, number: $0.offset + 1) }
    }

    /// The founding list as published: numbered endorsements in number order, withdrawn
    /// ones included (they are shown as withdrawn, never silently dropped).
    public static func foundingList(_ all: [Endorsement]) -> [Endorsement] {
        all.filter { $0.founding && $0.number != nil }.sorted { $0.number! < $1.number! }
    }

    /// Withdraws an endorsement: the state changes, the number stays.
    public static func withdraw(_ e: Endorsement) throws(DomainError) -> Endorsement {
        var copy = e
        copy.state = try e.state.transition(to: .withdrawn)
        return copy
    }
}
