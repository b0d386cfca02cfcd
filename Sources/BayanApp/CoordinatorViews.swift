import ArabicText
import BayanCore
import BayanStore
import Foundation

/// One page of a long list: which page, how many per page, how many in all.
public struct PageWindow: Sendable, Equatable {
    public let number: Int
    public let size: Int
    public let total: Int

    /// Page `requested` (1-based) of `total` items; out-of-range requests land on the
    /// nearest page that exists, so a stale link never shows an empty queue by mistake.
    public init(requested: Int, size: Int, total: Int) {
        self.size = max(1, size)
        self.total = max(0, total)
        self.number = min(max(1, requested), max(1, (self.total + self.size - 1) / self.size))
    }

    /// How many pages there are; an empty list is one empty page.
    public var pageCount: Int { max(1, (total + size - 1) / size) }

    public var offset: Int { (number - 1) * size }
    public var previous: Int? { number > 1 ? number - 1 : nil }
    public var next: Int? { offset + size < total ? number + 1 : nil }
}

/// Everything the coordinator's statement page shows, read without loading individual
/// endorsers: organisations are few and shown in full; individuals are counted by state
/// and their moderation queue is read a page at a time, so a statement with a million
/// endorsers answers as fast as one with sixty-five.
public struct StatementOverview: Sendable {
    public let record: StatementRecord
    public let versions: [StatementVersion]
    public let current: StatementVersion
    /// Every organisation's sign-on, rejected ones included.
    public let organizations: [Endorsement]
    public let individuals: IndividualTally
    /// This page of the individuals awaiting review.
    public let queue: [Endorsement]
    public let queueWindow: PageWindow
    public let invitations: [Invitation]
    /// Published statements other than this one that its actor may manage (to invite their
    /// signatories).
    public let otherPublished: [StatementSummary]
    /// Live sign-ons over time: the chart (one row per hour and kind, not per sign-on).
    public let growth: GrowthSeries

    /// Organisations awaiting review, then this page of individuals.
    public var awaitingReview: [Endorsement] { organizations.filter(SignatoryRules.awaitsReview) + queue }

    /// Sign-ons that may name the same signer: among the organisations that are not
    /// rejected and the individuals on this page of the queue.
    public var comparable: [Endorsement] { organizations.filter { $0.state != .rejected } + queue }

    /// Who must re-confirm a changed text. Individuals join only once the statement is
    /// published, and a published text is never editable again, so only organisations can.
    public var needingReconfirmation: [Endorsement] {
        SignatoryRules.needingReconfirmation(organizations, currentHash: current.contentHash, textIsEditable: record.state.textIsEditable)
    }

    /// How many are on the list now (`SignatoryRules.isListed`).
    public var listedCount: Int {
        organizations.filter { SignatoryRules.isListed($0, currentHash: current.contentHash) }.count + individuals.listed
    }
}

/// One coordinator's row on the dashboard.
public struct DashboardRow: Sendable {
    public let summary: StatementSummary
    /// Sign-ons that are not rejected, organisations and individuals.
    public let liveCount: Int
}

/// One organisation in the directory, with the visible statements it signed.
public struct DirectoryRow: Sendable {
    public let organization: Organization
    public let signed: [String]
}

extension Coordination {
    /// How many individuals the moderation queue shows at a time.
    public static let queuePageSize = 100

    /// The statement page's data, the queue at page `queuePage` (1-based).
    public func overview(_ s: ManagedStatement, queuePage: Int = 1) async throws(AppError) -> StatementOverview {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let versions = try await store.versions(of: s.id)
            guard let current = versions.last(where: \.isAuthoritative) else { throw StoreError.notFound("version") }
            let tally = try await store.individualTally(of: s.id, currentHash: current.contentHash)
            let waiting = SignatoryRules.reviewStates(of: .individual).map(tally.count).reduce(0, +)
            let window = PageWindow(requested: queuePage, size: Self.queuePageSize, total: waiting)
            return StatementOverview(
                record: s.record, versions: versions, current: current,
                organizations: try await store.organizationEndorsements(of: s.id),
                individuals: tally,
                queue: try await store.individualsAwaitingReview(of: s.id, offset: window.offset, limit: window.size),
                queueWindow: window,
                invitations: try await store.invitations(of: s.id),
                otherPublished: try await Self.visible(store, to: s.actor).filter { $0.statement.id != s.id && $0.statement.isPublic },
                growth: GrowthSeries(try await store.growth(of: s.id)))
        }
    }

    /// The statements `actor` may manage with their counts: two queries, whatever the size.
    public func dashboard(by actor: Actor) async throws(AppError) -> [DashboardRow] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let visible = try await Self.visible(store, to: actor)
            let counts = try await store.liveEndorsementCounts()
            return visible.map { DashboardRow(summary: $0, liveCount: counts[$0.statement.id, default: 0]) }
        }
    }

    /// The organisation directory, filtered by `query` (Arabic-folded, either name), with the
    /// statements each signed among those `actor` may see; at most `limit` rows.
    public func directory(matching query: String, by actor: Actor, limit: Int = 500) async throws(AppError) -> [DirectoryRow] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            let needle = ArabicText.normalize(query)
            let visible = Set(try await Self.visible(store, to: actor).map(\.statement.slug))
            let signed = try await store.statementsSignedByOrganization()
            return try await store.organizations()
                .filter {
                    needle.isEmpty || ArabicText.normalize($0.displayName).contains(needle)
                        || ArabicText.normalize($0.latinName ?? "").contains(needle)
                }
                .prefix(limit)
                .map { DirectoryRow(organization: $0, signed: signed[$0.id, default: []].filter(visible.contains)) }
        }
    }

    /// The statement's current text.
    public func current(_ s: ManagedStatement) async throws(AppError) -> StatementVersion {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.currentVersion(of: s.id) }
    }

    /// Every version of the statement's text and its translations, oldest first.
    public func versions(_ s: ManagedStatement) async throws(AppError) -> [StatementVersion] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.versions(of: s.id) }
    }

    /// The websites that may frame the statement's embed.
    public func embedOrigins(_ s: ManagedStatement) async throws(AppError) -> [String] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.embedOrigins(of: s.id) }
    }

    /// Sets the websites that may frame the statement's embed (its `frame-ancestors`), at
    /// most `EmbedOrigin.limit`; logged, so a reader of the log sees who was allowed when.
    public func setEmbedOrigins(_ s: ManagedStatement, _ origins: [EmbedOrigin]) async throws(AppError) {
        guard Set(origins).count <= EmbedOrigin.limit else {
            throw AppError(.invalidInput, "embed.tooMany", "more than \(EmbedOrigin.limit) websites")
        }
        let store = self.store
        try await attempt { () async throws(StoreError) in try await store.setEmbedOrigins(statementID: s.id, origins) }
    }

    /// The statement's event log, in order.
    public func log(_ s: ManagedStatement) async throws(AppError) -> [Event] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.events(of: s.id) }
    }

    /// Every sign-on with its private contact details: for the statement's coordinators
    /// only (`manage` already decided that), never for a public page.
    public func contacts(_ s: ManagedStatement) async throws(AppError) -> [Endorsement] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.endorsements(of: s.id) }
    }

    /// Adds an organisation to the directory.
    public func saveOrganization(
        name: String, latinName: String?, place: String?, kind: String?, contact: String?, by actor: Actor
    ) async throws(AppError) -> Organization {
        guard AccessRules.mayEditDirectory(actor) else { throw AppError(.forbidden, "error.forbidden", "\(actor.name) may not edit the directory") }
        let store = self.store
        return try await attempt { () async throws(StoreError) in
            try await store.saveOrganization(name: name, latinName: latinName, place: place, kind: kind, contact: contact)
        }
    }

    /// The statements an actor may see: all for admins and the operator, the granted ones
    /// otherwise (`AccessRules.mayManage`, for lists).
    static func visible(_ store: any Store, to actor: Actor) async throws(StoreError) -> [StatementSummary] {
        let all = try await store.statementSummaries()
        var granted: Set<String>?
        var visible: [StatementSummary] = []
        for summary in all {
            let allowed = try await AccessRules.mayManage(actor, statementID: summary.statement.id) { () async throws(StoreError) in
                if let granted { return granted }
                guard case .coordinator(let c) = actor else { return [] }
                let ids = try await store.managedStatementIDs(coordinatorID: c.id)
                granted = ids
                return ids
            }
            if allowed { visible.append(summary) }
        }
        return visible
    }
}
