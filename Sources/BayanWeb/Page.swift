import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders templates into complete HTML responses.
enum Page {
    static func language(of request: Request) -> UILanguage {
        UILanguage.negotiate(query: request.uri.queryParameters.get("lang"),
                             acceptLanguage: request.headers[.acceptLanguage])
    }

    /// `?lang=` when given, else the statement's language: a signer reads the page in the
    /// language of the text they sign.
    static func language(of request: Request, default fallback: UILanguage) -> UILanguage {
        request.uri.queryParameters.get("lang").flatMap(UILanguage.init(rawValue:)) ?? fallback
    }

    /// 303 See Other: after a successful POST the browser loads the page with GET.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// The address people reach this server at, for links shown to be copied.
    static func baseURL(of request: Request) -> String {
        let host = request.head.authority ?? "127.0.0.1"
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }

    /// A full page: `content` rendered, then wrapped in the layout for `lang`.
    static func render(_ template: String, _ context: [String: Any], lang: UILanguage, title: String,
                       path: String, head: String = "") -> String {
        var ctx = context
        ctx["t"] = lang.templateStrings
        let content = Templates.library.render(ctx, withTemplate: template) ?? ""
        let other: UILanguage = lang == .ar ? .en : .ar
        let layout: [String: Any] = [
            "lang": lang.rawValue, "dir": lang.direction, "pageTitle": title, "content": content, "head": head,
            "t": lang.templateStrings, "switchURL": "\(path)?lang=\(other.rawValue)", "switchLang": other.rawValue,
        ]
        return Templates.library.render(layout, withTemplate: "layout") ?? ""
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func message(status: HTTPResponse.Status, heading: String, text: String, lang: UILanguage) -> Response {
        html(render("message", ["heading": heading, "text": text], lang: lang, title: heading, path: "/"), status: status)
    }
}
