import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation

/// The public page's views of a statement snapshot (the snapshot itself is the
/// application layer's, shared with the CLI export).
extension StatementSnapshot {
    /// The page listing every version with its hash: what each signatory agreed to.
    func versionsContext(reader: UILanguage) -> [String: Any] {
        [
            "slug": statement.slug, "title": version.title,
            "versions": versions.reversed().map { v -> [String: Any] in
                var row: [String: Any] = [
                    "number": v.number, "language": v.language, "hash": v.contentHash.hex,
                    "date": reader.dateTime(v.createdAt), "dateISO": v.createdAt.formatted(Date.ISO8601FormatStyle()), "title": v.title,
                ]
                if let of = v.translationOf { row["translates"] = String(of.hex.prefix(12)) }
                if let reason = v.reason, !reason.isEmpty { row["reason"] = reason }
                return row
            },
        ]
    }

    /// The view model of the public page; `textLanguage` shows a translation instead of
    /// the authoritative text (which stays the one signed); dates are written in the
    /// `reader`'s language (the statement's when not given).
    func pageContext(textLanguage: String? = nil, reader: UILanguage? = nil) -> [String: Any] {
        let lang = UILanguage(statementLanguage: statement.language)
        let shown = textLanguage.flatMap(translation) ?? version
        let published = statement.publishedAt
        var context: [String: Any] = [
            "language": statement.language, "dir": lang.direction, "slug": statement.slug,
            "title": shown.title, "bodyHTML": SafeMarkdown.html(shown.body),
            "textLanguage": shown.language, "textDir": UILanguage(statementLanguage: shown.language).direction,
            "isTranslation": !shown.isAuthoritative,
            "translations": ([version.language] + versions.filter { $0.translationOf == version.contentHash }.map(\.language))
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .map { ["code": $0, "current": $0 == shown.language, "slug": statement.slug] as [String: Any] },
            "hasTranslations": versions.contains { $0.translationOf == version.contentHash },
            "count": signatories.filter { $0.state != .withdrawn }.count,
            "hasSignatories": !signatories.isEmpty,
            "signatories": signatories.enumerated().map { offset, e in
                ["number": e.number ?? offset + 1, "name": e.displayName, "withdrawn": e.state == .withdrawn] as [String: Any]
            },
            "fingerprint": version.contentHash.fingerprint,
            "open": statement.acceptsJoins,
            "hasLater": !later.isEmpty,
            "later": later.map { ["number": $0.number ?? 0, "name": $0.displayName, "withdrawn": $0.state == .withdrawn] as [String: Any] },
            "laterCount": later.filter { $0.state != .withdrawn }.count,
            "individualTotal": individuals.total,
            "hasIndividuals": individuals.total > 0,
            "individuals": individuals.items.map { e -> [String: Any] in
                var row: [String: Any] = ["name": e.displayName]
                if let place = e.place, !place.isEmpty { row["place"] = place }
                return row
            },
            "countedOnly": individuals.total - individuals.shown,
            "hasCountedOnly": individuals.total > individuals.shown,
        ]
        let pages = individualsWindow.pageCount
        let current = individuals.offset / Self.individualsPerPage + 1
        if pages > 1 {
            context["hasPages"] = true
            context["pagination"] = (1...pages).map { n -> [String: Any] in
                ["n": n, "current": n == current, "href": "/s/\(statement.slug)?page=\(n)#individuals"]
            }.filter { row in
                let n = row["n"] as! Int
                return n <= 3 || n > pages - 3 || abs(n - current) <= 2
            }
        }
        context.merge(Self.growthContext(growth, slug: statement.slug, isPublic: true, lang: reader ?? lang)) { $1 }
        if let published {
            context["published"] = Self.displayDate(published, reader ?? lang)
            context["publishedISO"] = published.formatted(Date.ISO8601FormatStyle())
        }
        return context
    }

    /// The embed's view: title, counts, the five latest organisations, the way to join.
    func embedContext(reader: UILanguage) -> [String: Any] {
        let statementLang = UILanguage(statementLanguage: statement.language)
        let listed = (signatories + later).filter { $0.state != .withdrawn }
        let latest = listed.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.prefix(5)
        return [
            "slug": statement.slug, "title": version.title, "language": statement.language, "dir": statementLang.direction,
            "organizations": listed.count, "individuals": individuals.total, "hasIndividuals": individuals.total > 0,
            "latest": latest.map { ["name": $0.displayName] }, "open": statement.acceptsJoins,
        ]
    }

    /// The growth chart's view (growth.mustache): two polylines, the top total, the
    /// first and last period; nothing until there are two periods to draw between.
    static func growthContext(_ growth: GrowthSeries, slug: String, isPublic: Bool, lang: UILanguage) -> [String: Any] {
        guard growth.points.count > 1, let first = growth.points.first, let last = growth.points.last else { return [:] }
        let chart = GrowthChart(growth)
        return [
            "growth": [
                "slug": slug, "isPublic": isPublic, "organizations": chart.organizations, "individuals": chart.individuals, "top": chart.top,
                "width": Int(GrowthChart.width), "height": Int(GrowthChart.height),
                "from": lang.date(first.start), "to": lang.date(last.start),
                "organizationTotal": last.organizations, "individualTotal": last.individuals,
            ] as [String: Any]
        ]
    }

    static func displayDate(_ date: Date, _ lang: UILanguage) -> String { lang.date(date) }
}
