import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The organisation directory shared by every statement (admins only: the group this is
/// added to carries `AdminOnlyMiddleware`).
extension CoordinatorRoutes {
    func addDirectory(to group: Area) {
        group
            .get { request, context in
                let user = try context.requireSignedIn()
                return try await directory(request, user.coordinator, user.session)
            }
            .post { request, context in
                let user = try context.requireSignedIn()
                return try await saveOrganization(request, user.coordinator, user.session)
            }
    }

    func directory(
        _ request: Request, _ user: Coordinator, _ session: Session, form: OrganizationForm? = nil, errors: [String] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let q = request.uri.queryParameters.get("q") ?? ""
        let rows: [[String: Any]] = try await app.directory(matching: q, by: .coordinator(user)).map { row in
            let o = row.organization
            return [
                "name": o.displayName, "latin": o.latinName ?? "", "place": o.place ?? "", "kind": o.kind ?? "",
                "statements": row.signed,
            ]
        }
        let context: [String: Any] = [
            "csrf": session.csrfToken, "q": q, "organizations": rows, "errors": errors,
            "form": [
                "name": form?.name ?? "", "latin": form?.latin ?? "", "place": form?.place ?? "",
                "kind": form?.kind ?? "", "contact": form?.contact ?? "",
            ],
        ]
        return Page.html(try Page.render(.directory, context, lang: lang, title: lang.text("dir.title"), path: "/c/directory"), status: status)
    }

    func saveOrganization(_ request: Request, _ user: Coordinator, _ session: Session) async throws -> Response {
        let form = try await FormBody.read(OrganizationForm.self, request)
        try checkCSRF(form.csrf, session, request)
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let name = v.name(form.name, label: lang.text("dir.name"))
        let latin = v.name(form.latin, label: lang.text("dir.latin"), required: false)
        let place = v.name(form.place, label: lang.text("form.place"), required: false, limit: Limits.placeLength)
        let kind = v.name(form.kind, label: lang.text("dir.kind"), required: false, limit: 80)
        let contact = v.text(form.contact, label: lang.text("form.contact"), required: false, limit: 200)
        guard v.isValid, let name else {
            return try await directory(request, user, session, form: form, errors: v.errors, status: .unprocessableContent)
        }
        _ = try await app.saveOrganization(name: name, latinName: latin, place: place, kind: kind, contact: contact, by: .coordinator(user))
        return Page.redirect("/c/directory")
    }
}
