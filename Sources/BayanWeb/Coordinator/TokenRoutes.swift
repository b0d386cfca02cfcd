import BayanApp
import BayanCore
import Foundation
import Hummingbird

/// API tokens (issue 17): the coordinator's own, listed without their values, made (the
/// value shown once) and revoked.
extension CoordinatorRoutes {
    func addTokens(to area: Area) {
        area.get("tokens") { request, context in
            let user = try context.requireSignedIn()
            return try await tokensPage(request, user.coordinator, user.session)
        }
        area.post("tokens") { request, context in
            let user = try context.requireSignedIn()
            let form = try await FormBody.read(TokenForm.self, request)
            try checkCSRF(form.csrf, user.session, request)
            let lang = Page.language(of: request)
            let slugs = form.statements.split(whereSeparator: { $0 == " " || $0 == "," || $0.isNewline }).map(String.init)
            let made: String
            do throws(AppError) {
                made = try await app.createAPIToken(
                    by: .coordinator(user.coordinator), name: form.name, slugs: slugs, write: form.write == "yes",
                    days: Int(form.days.trimmingCharacters(in: .whitespaces)) ?? 0
                ).token
            } catch {
                guard error.code != .failed else { throw error }
                return try await tokensPage(
                    request, user.coordinator, user.session, errors: [lang.text(error.messageKey)], status: .unprocessableContent)
            }
            return try await tokensPage(request, user.coordinator, user.session, made: made)
        }
        area.post("tokens/:id/revoke") { request, context in
            let user = try context.requireSignedIn()
            let form = try await FormBody.read(CSRFForm.self, request)
            try checkCSRF(form.csrf, user.session, request)
            let id = try context.parameters.require("id")
            do throws(AppError) { try await app.revokeAPIToken(id: id, by: .coordinator(user.coordinator)) } catch {
                if error.code == .notFound { throw HTTPError(.notFound) }
                throw error
            }
            return Page.redirect("/c/tokens")
        }
    }

    func tokensPage(
        _ request: Request, _ user: Coordinator, _ session: Session, made: String? = nil, errors: [String] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let now = clock()
        let tokens = try await app.apiTokens(of: .coordinator(user)).map { t -> [String: Any] in
            let status = t.unusable(at: now).map { lang.text("api.status.\($0.rawValue)") } ?? lang.text("api.status.active")
            return [
                "id": t.id, "name": t.name, "scope": lang.text(t.mayWrite ? "api.write" : "api.read"),
                "statements": t.statementIDs.isEmpty ? lang.text("api.allStatements") : String(t.statementIDs.count),
                "expires": lang.date(t.expiresAt), "status": status, "active": t.unusable(at: now) == nil,
            ]
        }
        var context: [String: Any] = ["csrf": session.csrfToken, "tokens": tokens, "hasTokens": !tokens.isEmpty, "errors": errors]
        if let made { context["made"] = made }
        // no-store: SecurityHeadersMiddleware, for every /c page (a new token is on it).
        return Page.html(try Page.render(.tokens, context, lang: lang, title: lang.text("api.title"), path: "/c/tokens"), status: status)
    }
}

/// A new API token (tokens.mustache).
struct TokenForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var name: String
    /// Slugs separated by spaces, commas or lines; empty for every statement.
    @Field var statements: String
    /// `yes` to allow changes, not only reading.
    @Field var write: String
    @Field var days: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", name, statements, write, days
    }
}
