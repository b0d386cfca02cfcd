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

    public static func load(slug: String, store: any Store) async throws(StoreError) -> StatementSnapshot {
        let statement = try await store.statement(slug: slug)
        let version = try await store.currentVersion(of: statement.id)
        let all = try await store.endorsements(of: statement.id)
        let list: [Endorsement]
        if statement.publishedAt != nil {
            list = SignatoryRules.foundingList(all)
        } else {
            list = all.filter { $0.signerKind == .organization && $0.state != .rejected && $0.state != .withdrawn }
        }
        return StatementSnapshot(statement: statement, version: version, signatories: list)
    }

    /// The public export: names, numbers and places only, never contacts or signer details.
    public var publicData: PublicStatement {
        PublicStatement(
            slug: statement.slug, state: statement.state.rawValue, language: statement.language,
            title: version.title, body: version.body,
            version: .init(number: version.number, hash: version.contentHash.hex),
            publishedAt: statement.publishedAt.map { $0.formatted(Date.ISO8601FormatStyle()) },
            signatories: signatories.enumerated().map { offset, e in
                .init(number: e.number ?? offset + 1, name: e.displayName, place: e.place,
                      kind: e.signerKind.rawValue, list: e.founding || statement.publishedAt == nil ? "founding" : "later",
                      status: e.state == .withdrawn ? "withdrawn" : "signed")
            })
    }

    /// The view model of the public page.
    func pageContext() -> [String: Any] {
        let lang = UILanguage(statementLanguage: statement.language)
        let published = statement.publishedAt
        var context: [String: Any] = [
            "language": statement.language, "dir": lang.direction, "slug": statement.slug,
            "title": version.title, "bodyHTML": SafeMarkdown.html(version.body),
            "count": signatories.filter { $0.state != .withdrawn }.count,
            "hasSignatories": !signatories.isEmpty,
            "signatories": signatories.enumerated().map { offset, e in
                ["number": e.number ?? offset + 1, "name": e.displayName, "withdrawn": e.state == .withdrawn] as [String: Any]
            },
            "fingerprint": version.contentHash.fingerprint,
        ]
        if let published {
            context["published"] = Self.displayDate(published, lang)
            context["publishedISO"] = published.formatted(Date.ISO8601FormatStyle())
        }
        return context
    }

    static func displayDate(_ date: Date, _ lang: UILanguage) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day())
    }
}
