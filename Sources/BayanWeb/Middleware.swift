import BayanApp
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Strict headers on every response: no third-party origin can load, frame or receive
/// anything from a Bayan page.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        return response
    }
}

/// Turns errors into real pages in the visitor's language: a 404 page for unknown
/// addresses, a generic 500 page (details go to the log, never to the visitor).
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status.code < 500 {
            let lang = Page.language(of: request)
            if error.status == .notFound {
                return Page.message(status: .notFound, heading: lang.text("notFound.title"), text: error.body ?? lang.text("notFound.body"), lang: lang)
            }
            return Page.message(status: error.status, heading: lang.text("error.title"), text: error.body ?? lang.text("error.body"), lang: lang)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(type(of: error))"])
            let lang = Page.language(of: request)
            return Page.message(status: .internalServerError, heading: lang.text("error.title"), text: lang.text("error.body"), lang: lang)
        }
    }
}
