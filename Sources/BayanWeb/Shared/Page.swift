import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Mustache
import Synchronization

/// Renders templates into complete HTML responses.
enum Page {
    /// `?lang=`, else the language the visitor chose before (`LanguageCookie`), else
    /// Accept-Language; `remembered: false` for a page cached by address and
    /// Accept-Language alone (the home page).
    static func language(of request: Request, remembered: Bool = true) -> UILanguage {
        if let asked = askedLanguage(of: request) { return asked }
        if remembered, let chosen = LanguageCookie.read(request) { return chosen }
        return UILanguage.negotiate(query: nil, acceptLanguage: request.headers[.acceptLanguage])
    }

    /// `?lang=` when given, else the language the visitor chose before, else the
    /// statement's language: a signer reads the page in the language of the text they sign.
    static func language(of request: Request, default fallback: UILanguage) -> UILanguage {
        askedLanguage(of: request) ?? LanguageCookie.read(request) ?? fallback
    }

    /// The interface language named by `?lang=`, if it is one Bayan speaks.
    static func askedLanguage(of request: Request) -> UILanguage? { askedLanguage(in: request.uri) }

    static func askedLanguage(in uri: URI) -> UILanguage? {
        uri.queryParameters.get("lang").flatMap(UILanguage.init(rawValue:))
    }

    /// 303 See Other: after a successful POST the browser loads the page with GET.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A full page: `content` rendered, then wrapped in the layout for `lang`. A template
    /// that cannot be rendered is an error (the error page and the log), never an empty page.
    static func render(
        _ template: TemplateName, _ context: [String: Any], lang: UILanguage, title: String,
        path: String, head: String = ""
    ) throws(TemplateError) -> String {
        let library = try Templates.library()
        var ctx = context
        ctx["t"] = lang.templateStrings
        // A page's errors, plain messages or problems tied to fields, become one summary.
        let problems = (context["errors"] as? [FormProblem]) ?? (context["errors"] as? [String] ?? []).map { FormProblem($0) }
        if !problems.isEmpty {
            let view = FormProblem.context(problems)
            ctx["errors"] = view.errors
            ctx["fieldErrors"] = view.fieldErrors
            ctx["hasErrors"] = true
        }
        guard let content = library.render(ctx, withTemplate: template.rawValue) else { throw .notRendered(template) }
        let others = UILanguage.allCases.filter { $0 != lang }.map { other -> [String: String] in
            ["url": "\(path)?lang=\(other.rawValue)", "code": other.rawValue, "name": other.name]
        }
        let layout: [String: Any] = [
            "lang": lang.rawValue, "dir": lang.direction, "pageTitle": title, "content": content, "head": head,
            "t": lang.templateStrings, "otherLanguages": others, "stylesheet": Stylesheet.path,
        ]
        guard let page = library.render(layout, withTemplate: TemplateName.layout.rawValue) else { throw .notRendered(.layout) }
        return page
    }

    /// A template rendered alone, without the layout: a page's `<head>` additions, a feed.
    static func fragment(_ template: TemplateName, _ context: [String: Any]) throws(TemplateError) -> String {
        guard let text = try Templates.library().render(context, withTemplate: template.rawValue) else { throw .notRendered(template) }
        return text
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        html(ByteBuffer(string: body), status: status)
    }

    static func html(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: body))
    }

    static func message(
        status: HTTPResponse.Status, heading: String, text: String, lang: UILanguage,
        reference: String? = nil
    ) throws(TemplateError) -> Response {
        html(try messageHTML(heading: heading, text: text, lang: lang, reference: reference), status: status)
    }

    static func messageHTML(heading: String, text: String, lang: UILanguage, reference: String? = nil) throws(TemplateError) -> String {
        var context: [String: Any] = ["heading": heading, "text": text]
        if let reference { context["reference"] = reference }
        return try render(.message, context, lang: lang, title: heading, path: "/")
    }
}

/// Pages that never change once rendered (for the life of the process), kept per key: the
/// answer to a join, the 404 page. At most 10,000 are kept; past that they are rendered
/// each time.
final class RenderedPages<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let pages = Mutex<[Key: Value]>([:])

    func page(_ key: Key, render: () throws -> Value) rethrows -> Value {
        if let hit = pages.withLock({ $0[key] }) { return hit }
        let html = try render()
        pages.withLock { if $0.count < 10_000 { $0[key] = html } }
        return html
    }
}
