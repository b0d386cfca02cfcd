import BayanCore
import BayanStore
import Foundation
import Hummingbird

/// The public face of Bayan: the list of published statements, each statement's page
/// and its downloads. Only published or closed statements are public.
struct PublicRoutes {
    let store: any Store

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try await home(request) }
        router.get("/static/bayan.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: Stylesheet.css)))
        }
        router.get("/s/:slug") { request, context in
            try await statement(request, slugWithExtension: context.parameters.require("slug"))
        }
    }

    func home(_ request: Request) async throws -> Response {
        let lang = Page.language(of: request)
        let summaries = try await store.statementSummaries().filter { $0.statement.publishedAt != nil }
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
        return Page.html(Page.render("home", context, lang: lang, title: lang.text("site.name"), path: "/"))
    }

    func statement(_ request: Request, slugWithExtension: String) async throws -> Response {
        var slug = slugWithExtension
        var format = "html"
        if let dot = slugWithExtension.lastIndex(of: ".") {
            slug = String(slugWithExtension[..<dot])
            format = String(slugWithExtension[slugWithExtension.index(after: dot)...])
        }
        guard let snapshot = try await publishedSnapshot(slug: slug) else { throw HTTPError(.notFound) }
        switch format {
        case "html":
            let lang = request.uri.queryParameters.get("lang").flatMap(UILanguage.init(rawValue:))
                ?? UILanguage(statementLanguage: snapshot.statement.language)
            let html = Page.render("statement", snapshot.pageContext(), lang: lang, title: snapshot.version.title,
                                   path: "/s/\(slug)")
            return Page.html(html)
        case "md":
            return download(snapshot.publicData.document.markdown, type: "text/markdown; charset=utf-8")
        case "json":
            return download(String(decoding: snapshot.publicData.json(), as: UTF8.self), type: "application/json")
        case "csv":
            return download(snapshot.publicData.csv(), type: "text/csv; charset=utf-8",
                            disposition: "attachment; filename=\"\(slug).csv\"")
        default:
            throw HTTPError(.notFound)
        }
    }

    /// The statement if it exists and is public (published or closed), else nil.
    func publishedSnapshot(slug: String) async throws -> StatementSnapshot? {
        do {
            let snapshot = try await StatementSnapshot.load(slug: slug, store: store)
            return snapshot.statement.publishedAt == nil ? nil : snapshot
        } catch StoreError.notFound {
            return nil
        }
    }

    func download(_ text: String, type: String, disposition: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type]
        if let disposition { headers[.contentDisposition] = disposition }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
