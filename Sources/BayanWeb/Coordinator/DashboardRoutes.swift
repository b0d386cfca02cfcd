import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The coordinator's home: the statements they manage, and a new draft.
extension CoordinatorRoutes {
    func addDashboard(to area: Area) {
        area.get { request, context in
            let user = try context.requireSignedIn()
            return try await dashboard(request, user.coordinator, user.session)
        }
        area.post("statements") { request, context in
            let user = try context.requireSignedIn()
            return try await createStatement(request, user.coordinator, user.session)
        }
    }

    func dashboard(
        _ request: Request, _ user: Coordinator, _ session: Session, form: NewStatementForm? = nil, errors: [FormProblem] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let rows: [[String: Any]] = try await app.dashboard(by: .coordinator(user)).map { row in
            [
                "slug": row.summary.statement.slug, "title": row.summary.title,
                "stateLabel": lang.text("state.\(row.summary.statement.state.rawValue)"), "count": row.liveCount,
            ]
        }
        let context: [String: Any] = [
            "csrf": session.csrfToken, "email": user.email, "isAdmin": user.role == .admin, "statements": rows, "errors": errors,
            "form": ["title": form?.title ?? "", "slug": form?.slug ?? "", "body": form?.body ?? ""],
        ]
        return Page.html(try Page.render(.dashboard, context, lang: lang, title: lang.text("dash.title"), path: "/c"), status: status)
    }

    func createStatement(_ request: Request, _ user: Coordinator, _ session: Session) async throws -> Response {
        let form = try await FormBody.read(NewStatementForm.self, request)
        try checkCSRF(form.csrf, session, request)
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let title = v.name(form.title, label: lang.text("form.title"), field: "title", limit: Limits.titleLength)
        let body = v.text(form.body, label: lang.text("form.body"), field: "body", required: false, limit: Limits.bodyLength) ?? ""
        var slug: Slug?
        if let title {
            let raw = form.slug.trimmingCharacters(in: .whitespaces)
            slug = raw.isEmpty ? Slug.suggested(from: title) : try? Slug(raw)
            if slug == nil { v.fail(lang.text("error.slug"), field: "slug") }
        }
        guard v.isValid, let title, let slug else {
            return try await dashboard(request, user, session, form: form, errors: v.problems, status: .unprocessableContent)
        }
        let language = form.language == "en" ? "en" : "ar"
        do {
            let record = try await app.createStatement(slug: slug, language: language, title: title, body: body, by: .coordinator(user))
            return Page.redirect("/c/s/\(record.slug)")
        } catch {
            guard let refusal = error as? AppError, refusal.code == .conflict else { throw error }
            // The address is taken: the form comes back with the one tried, to edit.
            var shown = form
            shown.slug = slug.value
            return try await dashboard(
                request, user, session, form: shown, errors: [FormProblem(lang.text(refusal.messageKey), field: "slug")], status: .conflict)
        }
    }
}
