import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// Moderation: one sign-on approved, rejected, merged into another or renamed, and a set
/// of joins (a network, a domain, a name, a period) set aside at once.
extension CoordinatorRoutes {
    func addModeration(to area: Area) {
        area.post("s/:slug/endorsements/:id/approve") { request, context in
            try await moderate(EmptyForm.self, request, context) { _, _ in .approve }
        }
        area.post("s/:slug/endorsements/:id/reject") { request, context in
            try await moderate(RejectForm.self, request, context) { form, v in
                let reason = v.text(form.reason, label: v.lang.text("mod.reason"), required: false, limit: 300)
                return v.isValid ? .reject(reason: reason) : nil
            }
        }
        area.post("s/:slug/endorsements/:id/merge") { request, context in
            try await moderate(MergeForm.self, request, context) { form, _ in .merge(into: form.into) }
        }
        area.post("s/:slug/endorsements/:id/rename") { request, context in
            try await moderate(RenameForm.self, request, context) { form, v in
                v.name(form.name, label: v.lang.text("dir.name")).map(Moderation.rename)
            }
        }
        area.post("s/:slug/invalidate") { request, context in
            try await managedPost(InvalidateForm.self, request, context) { session, m, form in
                try await invalidate(request, session, m, form)
            }
        }
    }

    /// One moderation decision read from form `F`: `decide` answers nil when the form is
    /// invalid (its errors are in the validation), and the queue is shown again after.
    func moderate<F: Decodable>(
        _: F.Type, _ request: Request, _ context: BayanRequestContext, decide: (F, inout FormValidation) -> Moderation?
    ) async throws -> Response {
        try await managedPost(F.self, request, context) { session, m, form in
            var v = FormValidation(lang: Page.language(of: request))
            guard let decision = decide(form, &v), v.isValid else {
                return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
            }
            let id = try context.parameters.require("id")
            do throws(AppError) { try await app.moderate(m, endorsementID: id, decision) } catch {
                return try await refused(error, request, session, m)
            }
            return Page.redirect("/c/s/\(m.slug)\(StatementStep.signons.suffix)")
        }
    }

    func invalidate(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: InvalidateForm) async throws -> Response {
        let lang = Page.language(of: request)
        let selection: JoinSelection
        switch form.by {
        case "network": selection = .network(form.value)
        case "domain": selection = .domain(form.value.lowercased())
        case "name": selection = .name(key: form.value)
        default:
            guard let from = Self.utcMinute(form.from), let to = Self.utcMinute(form.to) else {
                return try await refused(AppError(.invalidInput, "signals.badSelection", "no period given"), request, session, m)
            }
            selection = .window(from: from, to: to)
        }
        do {
            let count = try await app.invalidateJoins(m, selection, reason: form.reason)
            return try await statementPage(request, session, m, notice: "\(lang.text("signals.done")): \(count)")
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
    }

    /// A `datetime-local` field's value (`2026-12-01T10:30`), read as UTC.
    static func utcMinute(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard).time(includingFractionalSeconds: false)
            .parse(text.count == 16 ? text + ":00" : text)
    }
}
