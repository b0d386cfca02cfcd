import BayanCore
import BayanDocument
import BayanStore
import Foundation

/// Everything public about one statement, read from the store in one place so the page,
/// the CLI export and the downloads all show the same data.
public struct StatementSnapshot: Sendable {
    public var statement: StatementRecord
    public var version: StatementVersion
    /// Founding list when published; otherwise the signatures still in play, in signing order.
    public var signatories: [Endorsement]
    /// Organisations that joined after publication, in the order of their later numbers.
    public var later: [Endorsement]
    /// One page of individual endorsers, with the totals.
    public var individuals: IndividualPage
    /// Every version of the text: the authoritative ones and their translations.
    public var versions: [StatementVersion] = []
    /// Live sign-ons over time (the chart and its CSV and JSON).
    public var growth = GrowthSeries([])
    /// The websites that may frame the statement's embed (issue 17).
    public var embedOrigins: [String] = []

    public static let individualsPerPage = 500

    /// The pages of individuals this snapshot's page belongs to (an empty list is one page):
    /// what the page's links and the public cache's page numbers are bounded by.
    public var individualsWindow: PageWindow {
        PageWindow(requested: individuals.offset / Self.individualsPerPage + 1, size: Self.individualsPerPage, total: individuals.shown)
    }

    public init(
        statement: StatementRecord, version: StatementVersion, signatories: [Endorsement], later: [Endorsement],
        individuals: IndividualPage
    ) {
        self.statement = statement
        self.version = version
        self.signatories = signatories
        self.later = later
        self.individuals = individuals
    }

    public static func load(slug: String, store: any Store, individualsPage page: Int = 1) async throws(StoreError) -> StatementSnapshot {
        let statement = try await store.statement(slug: slug)
        let version = try await store.currentVersion(of: statement.id)
        let all = try await store.organizationEndorsements(of: statement.id)
        let list: [Endorsement]
        if statement.publishedAt != nil {
            list = SignatoryRules.foundingList(all)
        } else {
            list = all.filter { $0.state != .rejected && $0.state != .withdrawn }
        }
        let later = all.filter { !$0.founding && $0.number != nil && ($0.state == .approved || $0.state == .withdrawn) }
            .sorted { $0.number! < $1.number! }
        let individuals = try await store.individuals(
            of: statement.id, offset: max(0, page - 1) * individualsPerPage,
            limit: individualsPerPage)
        var snapshot = StatementSnapshot(statement: statement, version: version, signatories: list, later: later, individuals: individuals)
        snapshot.versions = try await store.versions(of: statement.id)
        snapshot.growth = GrowthSeries(try await store.growth(of: statement.id))
        snapshot.embedOrigins = try await store.embedOrigins(of: statement.id)
        return snapshot
    }

    /// The public export: names, numbers and places only, never contacts or signer details.
    public var publicData: PublicStatement {
        PublicStatement(
            slug: statement.slug, state: statement.state.rawValue, language: statement.language,
            title: version.title, body: version.body,
            version: .init(number: version.number, hash: version.contentHash.hex),
            publishedAt: statement.publishedAt.map { $0.formatted(Date.ISO8601FormatStyle()) },
            signatories: signatories.enumerated().map { offset, e in
                .init(
                    number: e.number ?? offset + 1, name: e.displayName, place: e.place,
                    kind: e.signerKind.rawValue, list: "founding", status: e.state == .withdrawn ? "withdrawn" : "signed")
            }
                + later.map { e in
                    .init(
                        number: e.number, name: e.displayName, place: e.place, kind: "organization", list: "later",
                        status: e.state == .withdrawn ? "withdrawn" : "signed")
                })
    }

    /// The translation of the current text into `language`, if there is one.
    public func translation(_ language: String) -> StatementVersion? {
        versions.last { $0.language == language && $0.translationOf == version.contentHash }
    }
}
