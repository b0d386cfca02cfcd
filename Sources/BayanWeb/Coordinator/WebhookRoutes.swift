import BayanApp
import BayanCore
import Foundation
import Hummingbird

/// A statement's webhooks (issue 17): listed with how far each delivered and why one
/// stopped, added (the signing secret shown once), removed and turned on again.
extension CoordinatorRoutes {
    func addWebhooks(to area: Area) {
        area.get("s/:slug/webhooks") { request, context in
            try await managed(request, context) { session, m in try await webhooksPage(request, session, m) }
        }
        area.post("s/:slug/webhooks") { request, context in
            try await managedPost(WebhookForm.self, request, context) { session, m, form in
                let lang = Page.language(of: request)
                let made: (secret: String, hook: Webhook)
                do throws(AppError) {
                    made = try await app.addWebhook(
                        m, address: form.url, sendsContacts: form.contacts == "yes", fromStart: form.past == "yes",
                        allowLocal: webhooksAllowLocal)
                } catch {
                    guard error.code == .invalidInput else { return try await refused(error, request, session, m) }
                    return try await webhooksPage(
                        request, session, m, errors: [lang.text(error.messageKey)], typed: form.url, status: .unprocessableContent)
                }
                return try await webhooksPage(request, session, m, made: made)
            }
        }
        area.post("s/:slug/webhooks/:id/:op") { request, context in
            try await managedPost(CSRFForm.self, request, context) { _, m, _ in
                let id = try context.parameters.require("id")
                let op = try context.parameters.require("op")
                guard op == "remove" || op == "enable" else { throw HTTPError(.notFound) }
                do throws(AppError) {
                    if op == "remove" { try await app.removeWebhook(m, id: id) } else { try await app.enableWebhook(m, id: id) }
                } catch {
                    if error.code == .notFound { throw HTTPError(.notFound) }
                    throw error
                }
                return Page.redirect("/c/s/\(m.slug)/webhooks")
            }
        }
    }

    func webhooksPage(
        _ request: Request, _ session: Session, _ m: ManagedStatement, made: (secret: String, hook: Webhook)? = nil,
        errors: [String] = [], typed: String = "", status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let events = try await app.eventCount(m)
        let hooks = try await app.webhooks(m).map { hook -> [String: Any] in
            var row: [String: Any] = [
                "id": hook.id, "url": hook.url.description, "contacts": hook.sendsContacts,
                "delivered": "\(hook.deliveredThrough) / \(events)", "enabled": hook.isEnabled,
                "created": lang.date(hook.createdAt),
            ]
            if let reason = hook.disabledReason, !hook.isEnabled {
                row["state"] = lang.text("webhook.state.disabled")
                row["reason"] = reason
            } else if hook.failures > 0 {
                row["state"] = lang.text("webhook.state.retrying")
                row["reason"] = hook.lastError ?? ""
                row["next"] = lang.dateTime(hook.nextAttemptAt)
            } else {
                row["state"] = lang.text(hook.deliveredThrough >= events ? "webhook.state.current" : "webhook.state.sending")
            }
            if let last = hook.lastDeliveredAt { row["last"] = lang.dateTime(last) }
            return row
        }
        var context: [String: Any] = [
            "csrf": session.csrfToken, "slug": m.slug, "title": try await app.current(m).title, "hooks": hooks,
            "hasHooks": !hooks.isEmpty, "errors": errors, "typed": typed,
        ]
        if let made {
            context["secret"] = made.secret
            context["madeURL"] = made.hook.url.description
        }
        return Page.html(
            try Page.render(.webhooks, context, lang: lang, title: lang.text("webhook.title"), path: "/c/s/\(m.slug)/webhooks"),
            status: status)
    }
}

/// A new webhook (webhooks.mustache).
struct WebhookForm: Decodable, Sendable {
    @Field var csrf: String
    @Field var url: String
    /// `yes` to send signers' names and contact details with each event.
    @Field var contacts: String
    /// `yes` to send the events already in the log, not only those to come.
    @Field var past: String
    enum CodingKeys: String, CodingKey {
        case csrf = "_csrf", url, contacts, past
    }
}
