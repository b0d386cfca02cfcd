import BayanAPI
import BayanApp
import BayanCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Strict headers on every response: no third-party origin can load, frame or receive
/// anything from a Bayan page.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Sends `Strict-Transport-Security` (when the public address is https).
    var hsts = false

    /// Pages with private data or capability links in them: never kept by a browser or a
    /// shared cache (the coordinator's pages show contacts; a join page carries a one-use
    /// form stamp and, refused, the address typed into it).
    static func isPrivate(_ path: String) -> Bool {
        path == "/c" || path.hasPrefix("/c/") || path.hasPrefix("/e/") || path.hasPrefix("/i/") || path.hasPrefix("/confirm/")
            || path == "/login" || (path.hasPrefix("/s/") && (path.hasSuffix("/join") || path.hasSuffix("/join/resend")))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A method the API's description does not allow on a path is named as such.
        if request.uri.path.hasPrefix("/api/"), request.method != .options,
            case let allowed = DescribedAPI.allowedMethods(request.uri.path),
            !allowed.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == request.method.rawValue })
        {
            var refused = Response(
                status: .methodNotAllowed, headers: [.allow: allowed, .contentType: "application/problem+json"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: #"{"code":"invalid-input","status":405,"title":"Method not allowed","type":"about:blank"}"#)))
            refused.headers.append(contentsOf: SecurityHeaders.fields)
            return refused
        }
        var response = try await next(request, context)
        if Self.isPrivate(request.uri.path) { response.headers[.cacheControl] = "no-store" }
        // The read API and its description are for anyone's page to fetch (issue 17), and
        // its answers carry an ETag like the pages, so a client revalidates for a 304.
        if request.uri.path.hasPrefix("/api/") || request.uri.path == "/openapi.yaml" {
            response.headers[.accessControlAllowOrigin] = "*"
            if request.uri.path.hasPrefix("/api/v1/statements"), request.method == .get || request.method == .head, response.status == .ok {
                response = try await APIValidators.tagged(response, for: request)
            }
        }
        // Here rather than in a middleware of its own: one more layer on every request is
        // measurable on the cached public page (issue 15), and this one is a string check.
        LanguageCookie.remember(request, in: &response)
        SecurityHeaders.complete(&response.headers, hsts: hsts)
        return response
    }
}

/// ETags for the read API's answers: the generated handlers write JSON bodies; this reads
/// one (they are small, a page at most), names it by its hash, and answers a matching
/// `If-None-Match` with a 304.
enum APIValidators {
    final class Collected: ResponseBodyWriter {
        var buffer = ByteBuffer()
        func write(_ part: ByteBuffer) async throws { buffer.writeImmutableBuffer(part) }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    static func tagged(_ response: Response, for request: Request) async throws -> Response {
        let collected = Collected()
        try await response.body.write(collected)
        let tag = EntityTag.of(collected.buffer.readableBytesView)
        var headers = response.headers
        headers[.eTag] = tag
        if EntityTag.matches(request, tag) {
            headers[.contentLength] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: collected.buffer))
    }
}

/// The interface language a visitor chose with `?lang=`, remembered for the pages they
/// open next (issue 16: the choice was forgotten on the next click). Set only when the
/// choice changes, so cached pages are not sent with a cookie each time. The statement's
/// public page keeps following `?lang=` alone: it is one cached copy per address.
enum LanguageCookie {
    static let name = "bayan_lang"

    static func read(_ request: Request) -> UILanguage? {
        request.cookies[name].flatMap { UILanguage(rawValue: $0.value) }
    }

    static func remember(_ request: Request, in response: inout Response) {
        guard request.uri.query != nil, let asked = Page.askedLanguage(of: request),
            read(request) != asked
        else { return }
        response.headers.append(HTTPField(name: .setCookie, value: "\(name)=\(asked.rawValue); Path=/; Max-Age=31536000; SameSite=Lax"))
    }
}

/// The headers of every response, built once (they were parsed anew for every request).
enum SecurityHeaders {
    static let hsts = HTTPField.Name("Strict-Transport-Security")!
    static let fields: HTTPFields = [
        .contentSecurityPolicy: policy(framedBy: nil),
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
    ]
    /// The same without the policy and X-Frame-Options, for a page that sets its own.
    static let framable: HTTPFields = HTTPFields(
        fields.filter { $0.name != .contentSecurityPolicy && $0.name != HTTPField.Name("X-Frame-Options")! })

    /// Adds these to a response's headers (the security middleware and the cached-page
    /// handler alike). Appended, not set: no route sets them itself, except the embed, whose
    /// policy names the websites that may frame it (and X-Frame-Options would forbid them all).
    static func complete(_ headers: inout HTTPFields, hsts: Bool) {
        if hsts { headers[Self.hsts] = "max-age=31536000" }
        headers.append(contentsOf: headers[.contentSecurityPolicy] == nil ? fields : framable)
    }

    /// The site's policy: framed by no one, or (the embed) by the instance itself and `origins`.
    static func policy(framedBy origins: [String]?) -> String {
        let ancestors = origins.map { (["'self'"] + $0).joined(separator: " ") } ?? "'none'"
        return "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors \(ancestors); base-uri 'none'"
    }
}

/// The 404 page of each language, the same for every unknown address.
private let notFoundPages = RenderedPages<UILanguage, String>()

/// Turns errors into real pages in the visitor's language: a 404 page for unknown
/// addresses, the message of a refusal that is the visitor's, and for every other failure
/// a generic page that names no internals but gives the request's reference, which the
/// log line carries with the whole error (`hb.request.id`).
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status.code < 500 {
            let lang = Page.language(of: request)
            if error.status == .notFound, error.body == nil {
                // The same page for every unknown address: rendered once per language, so a
                // flood of made-up addresses costs no more than a cached page.
                return Page.html(
                    try notFoundPages.page(lang) {
                        try Page.messageHTML(heading: lang.text("notFound.title"), text: lang.text("notFound.body"), lang: lang)
                    }, status: .notFound)
            }
            if error.status == .notFound {
                return try Self.page(
                    status: .notFound, heading: lang.text("notFound.title"), text: error.body ?? lang.text("notFound.body"),
                    lang: lang)
            }
            return try Self.page(status: error.status, heading: lang.text("error.title"), text: error.body ?? lang.text("error.body"), lang: lang)
        } catch {
            context.logger.error(
                "request failed",
                metadata: [
                    "method": "\(request.method)", "path": "\(Self.redacted(request.uri.path))", "error": "\(String(reflecting: error))",
                ])
            let lang = Page.language(of: request)
            return try Self.page(
                status: .internalServerError, heading: lang.text("error.title"), text: lang.text("error.body"), lang: lang,
                reference: context.id)
        }
    }

    /// A path fit for a log line: the capability in a signer's, invitation or confirmation
    /// link is cut off, so whoever reads the logs cannot act as the signer (issue 12).
    static func redacted(_ path: String) -> String {
        for prefix in ["/e/", "/i/", "/confirm/"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            let tail = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
            return "\(prefix)[redacted]\(tail)"
        }
        return path
    }

    /// The message page, or plain text when even the templates fail.
    static func page(status: HTTPResponse.Status, heading: String, text: String, lang: UILanguage, reference: String? = nil) throws -> Response {
        do { return try Page.message(status: status, heading: heading, text: text, lang: lang, reference: reference) } catch {
            let body = [heading, text, reference.map { "\(lang.text("error.reference")): \($0)" }].compactMap(\.self).joined(separator: "\n")
            return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}

/// A statement's address typed or printed with capitals (`/s/Joint-Statement`, from a flyer
/// or a phone's keyboard) is sent, permanently, to its only possible form: slugs are lower
/// case by construction, so no lookup is needed and an unknown slug costs no more. Only GET
/// and HEAD (a form posted to such an address would lose its body); private links (`/e/…`),
/// whose tokens are case-sensitive, are never touched.
struct LowercaseSlugMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, let location = Self.lowercased(request.uri.path) else {
            return try await next(request, context)
        }
        let query = request.uri.query.map { "?" + $0 } ?? ""
        return Response(status: .movedPermanently, headers: [.location: location + query, .cacheControl: "public, max-age=86400"])
    }

    /// The path with the slug lower-cased, or nil when it has no capital to change (or is
    /// not a statement's address at all).
    static func lowercased(_ path: String) -> String? {
        var path = path
        // Read in place: every routed request passes here, and almost none has a capital.
        return path.withUTF8 { lowercased(bytes: $0) }
    }

    static func lowercased(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard bytes.count > 3, bytes[0] == UInt8(ascii: "/"), bytes[1] == UInt8(ascii: "s"), bytes[2] == UInt8(ascii: "/") else { return nil }
        let end = bytes[3...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        let isCapital = { (byte: UInt8) in (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) }
        // Only what a slug (and its `.json`-like extension) is made of: anything else, an
        // escape or a control, is not an address to correct but a 404.
        let isSlugByte = { (byte: UInt8) in
            isCapital(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard bytes[3..<end].contains(where: isCapital), bytes[3..<end].allSatisfy(isSlugByte) else { return nil }
        var changed = Array(bytes)
        for i in 3..<end where isCapital(bytes[i]) { changed[i] += 32 }
        return String(decoding: changed, as: UTF8.self)
    }
}
