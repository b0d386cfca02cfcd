import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// Invitations: a batch for pasted names (and another statement's signatories), revoking
/// one, new links for signers of an older text, and the page that shows links once.
extension CoordinatorRoutes {
    func addInvitations(to area: Area) {
        area.post("s/:slug/invitations") { request, context in
            try await managedPost(InvitationsForm.self, request, context) { session, m, form in
                try await createInvitations(request, session, m, form)
            }
        }
        area.post("s/:slug/invitations/:id/revoke") { request, context in
            try await managedPost(EmptyForm.self, request, context) { session, m, _ in
                let id = try context.parameters.require("id")
                do throws(AppError) { try await app.revoke(m, invitationID: id) } catch {
                    return try await refused(error, request, session, m)
                }
                return Page.redirect("/c/s/\(m.slug)\(StatementStep.invitations.suffix)")
            }
        }
        area.post("s/:slug/invitations/:id/renew") { request, context in
            try await managedPost(ReinviteForm.self, request, context) { session, m, form in
                let id = try context.parameters.require("id")
                let lang = Page.language(of: request)
                do {
                    let link = try await app.renewInvitation(m, invitationID: id, key: form.key.isEmpty ? nil : form.key)
                    let title = try await app.current(m).title
                    return try linksPage(request, m.record, title, heading: lang.text("inv.renewed"), links: [(link.name, "/i/\(link.token)")])
                } catch let error as AppError {
                    return try await refused(error, request, session, m)
                }
            }
        }
        area.post("s/:slug/reinvite") { request, context in
            try await managedPost(ReinviteForm.self, request, context) { session, m, form in try await reinvite(request, session, m, form) }
        }
    }

    func createInvitations(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: InvitationsForm) async throws -> Response {
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let names = v.pastedNames(form.names, label: lang.text("inv.org"))
        if names.isEmpty && form.from.isEmpty && v.isValid { v.fail(lang.text("inv.noNames")) }
        var lifetime: InvitationLifetime?
        do {
            lifetime = try InvitationLifetime(days: Int(form.days.trimmingCharacters(in: .whitespaces)) ?? InvitationLifetime.defaultDays)
        } catch { v.fail(lang.text("inv.daysRange")) }
        guard v.isValid, let lifetime else {
            return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
        }
        do {
            let batch = try await app.invite(
                m, names: names, alsoSignatoriesOf: form.from, lifetime: lifetime,
                key: form.key.isEmpty ? nil : form.key)
            let already = batch.alreadyInvited.isEmpty ? [] : ["\(lang.text("inv.alreadyInvited")): \(batch.alreadyInvited.joined(separator: "، "))"]
            // Every name was invited before: nothing to send, say so on the invitations step.
            if batch.links.isEmpty && !already.isEmpty {
                return try await statementPage(request, session, m, errors: already, status: .conflict)
            }
            let title = try await app.current(m).title
            return try linksPage(
                request, m.record, title, heading: lang.text("inv.created"), links: batch.links.map { ($0.name, "/i/\($0.token)") },
                warnings: already)
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
    }

    /// The page that shows capability links once, with ready-to-paste messages and share
    /// links that need no script: WhatsApp (`wa.me`), Telegram and mail open with the
    /// message filled in, so a coordinator on a phone sends each link in two taps.
    func linksPage(
        _ request: Request, _ s: StatementRecord, _ title: String, heading: String, links: [(String, String)], warnings: [String] = []
    ) throws -> Response {
        let lang = Page.language(of: request)
        let base = address.base
        // A ready message in every interface language, the coordinator's first.
        let languages = [lang] + UILanguage.allCases.filter { $0 != lang }
        let items: [[String: Any]] = links.map { name, path in
            let url = base + path
            let messages = languages.map { l -> [String: String] in
                // The name and title isolated (FSI…PDI), so an Arabic name inside an English
                // sentence keeps its order in any messenger (issue 16).
                let text = l.text("inv.message", ["name": Self.isolated(name), "title": Self.isolated(title), "url": url])
                return [
                    "code": l.rawValue, "dir": l.direction, "name": l.name, "text": text,
                    "whatsapp": "https://wa.me/?text=\(Self.queryEscaped(text))",
                    "telegram": "https://t.me/share/url?url=\(Self.queryEscaped(url))&text=\(Self.queryEscaped(text))",
                    "mail": "mailto:?subject=\(Self.queryEscaped(title))&body=\(Self.queryEscaped(text))",
                ]
            }
            return ["name": name, "url": url, "messages": messages]
        }
        // no-store: SecurityHeadersMiddleware, for every private path.
        return Page.html(
            try Page.render(
                .links, ["slug": s.slug, "title": title, "heading": heading, "links": items, "errors": warnings],
                lang: lang, title: heading, path: "/c/s/\(s.slug)"))
    }

    /// `text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE.
    static func isolated(_ text: String) -> String { "\u{2068}\(text)\u{2069}" }

    /// `text` as one query value: everything but unreserved characters percent-encoded.
    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// New links for the organisations that signed an older text. Derived from the form's
    /// key: pressed twice, the second page shows the same links instead of silently
    /// replacing those on the first.
    func reinvite(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: ReinviteForm) async throws -> Response {
        let lang = Page.language(of: request)
        do {
            let links = try await app.reinvite(m, key: form.key.isEmpty ? nil : form.key)
            let title = try await app.current(m).title
            return try linksPage(request, m.record, title, heading: lang.text("mod.reinvited"), links: links.map { ($0.name, "/e/\($0.token)") })
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
    }
}
