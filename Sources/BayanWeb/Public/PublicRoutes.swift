import BayanApp
import BayanCore
import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Synchronization

/// The public face of Bayan: the list of published statements, each statement's page
/// and its downloads. Only published or closed statements are public.
struct PublicRoutes {
    let reading: PublicReading
    let cache: PublicCache
    /// Where the feed's links point (never the request's Host).
    let address: PublicAddress
    /// What each statement's page can show, learnt when it was last rendered.
    let shapes = PageShapes()

    func add(to router: Router<BayanRequestContext>) {
        router.get("/") { request, _ in
            let lang = Page.language(of: request, remembered: false)
            // The home page's language comes from Accept-Language when there is no ?lang=.
            return try await cache.respond(
                to: request, key: "home|\(lang.rawValue)", generation: reading.changeCount, vary: "Accept-Encoding, Accept-Language", revision: nil
            ) {
                PublicCache.Rendered(text: try await homeHTML(lang), contentType: "text/html; charset=utf-8")
            }!
        }
        router.get(RouterPath(Stylesheet.path)) { request, _ in
            Stylesheet.response(to: request, cacheControl: Stylesheet.cacheControl)
        }
        // The unversioned address, for pages cached before the stylesheet was versioned.
        router.get("/static/bayan.css") { request, _ in Stylesheet.response(to: request, cacheControl: "public, max-age=3600") }
        // Browsers ask for /favicon.ico whatever the page says: answered, not a 404 a visit.
        for path in ["/favicon.ico", "/favicon.svg"] {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=604800"],
                    body: .init(byteBuffer: ByteBuffer(string: Favicon.svg)))
            }
        }
        router.get("/feed.atom") { request, _ in
            try await cache.respond(to: request, key: "feed", generation: reading.changeCount, revision: nil) {
                PublicCache.Rendered(text: try await feed(base: address.base), contentType: "application/atom+xml; charset=utf-8")
            }!
        }
        router.get("/s/:slug/versions") { request, context in
            try await statement(request, slugWithExtension: try context.parameters.require("slug") + ".versions")
        }
        // A compact page partners' websites may frame (issue 17), cached like the page.
        router.get("/s/:slug/embed") { request, context in
            try await statement(request, slugWithExtension: try context.parameters.require("slug") + ".embed")
        }
        // The growth series behind the chart, as data (issue 16).
        for (file, format) in [("growth.csv", "growth-csv"), ("growth.json", "growth-json")] {
            router.get(RouterPath("/s/:slug/\(file)")) { request, context in
                try await statement(request, slugWithExtension: try context.parameters.require("slug") + "." + format)
            }
        }
        router.get("/s/:slug") { request, context in
            try await statement(request, slugWithExtension: context.parameters.require("slug"))
        }
    }

    /// An Atom feed of published statements, newest first.
    func feed(base: String) async throws -> String {
        let published = try await reading.newest(50)
        let iso = Date.ISO8601FormatStyle()
        let entries: [[String: String]] = published.map { s, body in
            [
                "title": s.title, "slug": s.statement.slug, "id": s.statement.id, "updated": s.statement.publishedAt!.formatted(iso),
                "summary": String(body.prefix(400)),
            ]
        }
        let updated = (published.first?.summary.statement.publishedAt ?? Date(timeIntervalSince1970: 0)).formatted(iso)
        return try Page.fragment(.feed, ["updated": updated, "base": base, "entries": entries])
    }

    func homeHTML(_ lang: UILanguage) async throws -> String {
        let summaries = try await reading.statements()
        let items: [[String: Any]] = summaries.map { s in
            var item: [String: Any] = [
                "slug": s.statement.slug, "title": s.title, "count": s.signatoryCount, "language": s.statement.language,
                "dir": UILanguage(statementLanguage: s.statement.language).direction,
            ]
            if let p = s.statement.publishedAt {
                item["published"] = StatementSnapshot.displayDate(p, lang)
                item["publishedISO"] = p.formatted(Date.ISO8601FormatStyle())
            }
            return item
        }
        let context: [String: Any] = items.isEmpty ? [:] : ["statements": items]
        return try Page.render(.home, context, lang: lang, title: lang.text("site.name"), path: "/")
    }

    /// What a request for a statement's public representation names: its slug, format, page,
    /// text and interface language, and the cache key made of them. Nil for an address that
    /// names no such thing (a 404).
    struct Asked {
        let slug: String
        let format: String
        let lang: UILanguage?
        let page: Int
        let text: String?
        var key: String { "s|\(slug)|\(format)|\(lang?.rawValue ?? "")|\(format == "html" ? page : 1)|\(text ?? "")" }
    }

    func asked(slugWithExtension: String, uri: URI) -> Asked? {
        var slug = slugWithExtension
        var format = "html"
        if let dot = slugWithExtension.lastIndex(of: ".") {
            slug = String(slugWithExtension[..<dot])
            format = String(slugWithExtension[slugWithExtension.index(after: dot)...])
        }
        guard ["html", "md", "json", "csv", "versions", "growth-csv", "growth-json", "embed"].contains(format), (try? Slug(slug)) != nil else {
            return nil
        }
        let query = uri.queryParameters
        let lang = Page.askedLanguage(in: uri)
        // Cache keys only from values the page can show: a page number past the last is
        // the last page, a text language without a translation is the text itself, and
        // other parameters are ignored, so a crawler varying them adds no entries (issue 12).
        let asked = max(1, min(Int(query.get("page") ?? "1") ?? 1, 100_000))
        let shape = shapes.get(slug)
        let page = shape.map { min(asked, $0.pages) } ?? asked
        let text: String? = query.get("text").flatMap { value in
            guard value.count <= 8, value.allSatisfy(\.isLetter) else { return nil }
            return shape.map { $0.translations.contains(value) } ?? true ? value : nil
        }
        return Asked(slug: slug, format: format, lang: lang, page: page, text: text)
    }

    func statement(_ request: Request, slugWithExtension: String) async throws -> Response {
        guard let asked = asked(slugWithExtension: slugWithExtension, uri: request.uri) else { throw HTTPError(.notFound) }
        let response = try await cache.respond(
            to: request, key: asked.key, absentKey: "s|\(asked.slug)", generation: reading.changeCount,
            revision: { try await reading.revision(slug: asked.slug) },
            render: { try await render(slug: asked.slug, format: asked.format, lang: asked.lang, page: asked.page, text: asked.text) })
        guard let response else { throw HTTPError(.notFound) }
        return response
    }

    /// Renders one public representation of a statement, or nil when it is not public.
    func render(slug: String, format: String, lang: UILanguage?, page: Int, text: String? = nil) async throws -> PublicCache.Rendered? {
        guard let snapshot = try await reading.snapshot(slug: slug, page: page) else { return nil }
        shapes.put(
            slug,
            .init(
                pages: snapshot.individualsWindow.pageCount,
                translations: Set(snapshot.versions.filter { $0.translationOf == snapshot.version.contentHash }.map(\.language))))
        switch format {
        case "embed":
            let pageLang = lang ?? UILanguage(statementLanguage: snapshot.statement.language)
            var context = snapshot.embedContext(reader: pageLang)
            context["t"] = pageLang.templateStrings
            context["lang"] = pageLang.rawValue
            context["uiDir"] = pageLang.direction
            context["stylesheet"] = Stylesheet.path
            return .init(
                text: try Page.fragment(.embed, context), contentType: "text/html; charset=utf-8",
                policy: SecurityHeaders.policy(framedBy: snapshot.embedOrigins))
        case "md":
            return .init(text: snapshot.publicData.document.markdown, contentType: "text/markdown; charset=utf-8")
        case "json":
            return .init(text: String(decoding: snapshot.publicData.json(), as: UTF8.self), contentType: "application/json")
        case "versions":
            let pageLang = lang ?? UILanguage(statementLanguage: snapshot.statement.language)
            return .init(
                text: try Page.render(
                    .versions, snapshot.versionsContext(reader: pageLang), lang: pageLang, title: snapshot.version.title,
                    path: "/s/\(slug)/versions"), contentType: "text/html; charset=utf-8")
        case "csv":
            return .init(
                text: snapshot.publicData.csv(), contentType: "text/csv; charset=utf-8",
                disposition: "attachment; filename=\"\(slug).csv\"")
        case "growth-csv":
            return .init(
                text: snapshot.growth.csv, contentType: "text/csv; charset=utf-8", disposition: "attachment; filename=\"\(slug)-growth.csv\"")
        case "growth-json":
            return .init(text: String(decoding: snapshot.growth.json, as: UTF8.self), contentType: "application/json")
        default:
            let pageLang = lang ?? UILanguage(statementLanguage: snapshot.statement.language)
            let summary = String(snapshot.version.body.split(separator: "\n").first?.prefix(200) ?? "")
            let head = try Page.fragment(
                .statementHead,
                ["summary": summary, "title": snapshot.version.title, "slug": slug, "language": snapshot.statement.language])
            var context = snapshot.pageContext(textLanguage: text, reader: pageLang)
            // Printed, the page says where it lives (issue 16).
            context["address"] = "\(address.base)/s/\(slug)"
            let html = try Page.render(
                .statement, context, lang: pageLang, title: snapshot.version.title,
                path: "/s/\(slug)", head: head)
            return .init(text: html, contentType: "text/html; charset=utf-8")
        }
    }

    /// The statement if it exists and is public (published or closed), else nil.
}

/// Per statement, how many pages of individuals and which translations its page has: the
/// values a cache key may take. One entry per published statement that was shown.
final class PageShapes: Sendable {
    struct Shape: Sendable {
        let pages: Int
        let translations: Set<String>
    }
    private let shapes = Mutex<[String: Shape]>([:])
    func get(_ slug: String) -> Shape? { shapes.withLock { $0[slug] } }
    func put(_ slug: String, _ shape: Shape) { shapes.withLock { $0[slug] = shape } }
}
