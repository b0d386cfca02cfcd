import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The statement page (text, versions, translations, invitations, the moderation queue,
/// signals) and the actions on the statement itself: revising, translating, changing state.
extension CoordinatorRoutes {
    func addStatement(to area: Area) {
        area.get("s/:slug") { request, context in
            try await managed(request, context) { session, s in try await statementPage(request, session, s) }
        }
        area.post("s/:slug/text") { request, context in
            try await managedPost(TextForm.self, request, context) { session, m, form in try await revise(request, session, m, form) }
        }
        area.post("s/:slug/state") { request, context in
            try await managedPost(StateForm.self, request, context) { session, m, form in try await changeState(request, session, m, form) }
        }
        area.post("s/:slug/translation") { request, context in
            try await managedPost(TranslationForm.self, request, context) { session, m, form in
                try await translate(request, session, m, form)
            }
        }
    }

    func statementPage(
        _ request: Request, _ session: Session, _ m: ManagedStatement, errors: [String] = [],
        notice: String? = nil, edit: TextForm? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let s = m.record
        let queuePage = request.uri.queryParameters.get("queue").flatMap { Int($0) } ?? 1
        let view = try await app.overview(m, queuePage: queuePage)
        let signals = s.publishedAt != nil ? try await app.joinSignals(m) : JoinSignals(networks: [], domains: [])
        let repeated = try await app.repeatedNames(m)
        func signalRow(_ row: JoinSignals.Row) -> [String: Any] {
            ["value": row.value, "count": row.count, "last": Self.time(row.last), "slug": s.slug]
        }
        let current = view.current
        let now = clock()
        let order = request.uri.queryParameters.get("order") == "signing" ? FoundingOrder.signing : FoundingOrder.arabic

        let live = view.comparable
        let candidates = DuplicateFinder.candidates(in: live.map(\.displayName))
        // Each row's place in `live` by id, not by a linear search per row (issue 11: the
        // queue of a statement with many pending sign-ons).
        let position = Dictionary(live.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let pending: [[String: Any]] = view.awaitingReview.map { e in
            let index = position[e.id]!
            let warnings: [[String: Any]] = candidates.compactMap { c in
                guard c.first == index || c.second == index else { return nil }
                let other = live[c.first == index ? c.second : c.first]
                return ["other": other.displayName, "otherID": other.id, "reason": lang.duplicateReason(c.reason)]
            }
            // At most three candidates a row, so a flood of identical names cannot make the
            // page grow with the square of the queue (issue 12); the rest are counted.
            var row: [String: Any] = [
                "id": e.id, "name": e.displayName, "signer": e.signerName ?? "", "contact": e.contact ?? "",
                "stale": e.versionHash != current.contentHash, "warnings": Array(warnings.prefix(Self.warningsPerRow)),
            ]
            if warnings.count > Self.warningsPerRow { row["moreWarnings"] = warnings.count - Self.warningsPerRow }
            if Confusables.mixesScripts(e.displayName) { row["mixedScripts"] = true }
            // Mustache treats "" as true: absent values are left out.
            if let place = e.place, !place.isEmpty { row["place"] = place }
            if let role = e.signerRole, !role.isEmpty { row["role"] = role }
            return row
        }
        var approved = view.organizations.filter { $0.state == .approved || ($0.state == .withdrawn && $0.number != nil) }
        if s.publishedAt != nil {
            approved.sort { ($0.number ?? .max, $0.createdAt) < ($1.number ?? .max, $1.createdAt) }
        } else if order == .arabic {
            approved = ArabicText.sorted(approved, by: \.displayName)
        }
        let stale = view.needingReconfirmation
        let window = view.queueWindow
        let transitions: [[String: Any]] = StatementState.allowedTransitions[s.state, default: []]
            .sorted { $0.rawValue < $1.rawValue }
            .filter { !(s.state == .closed && $0 == .published && s.publishedAt == nil) }
            .map { ["to": $0.rawValue, "label": lang.text("to.\($0.rawValue)"), "isPublish": $0 == .published && s.publishedAt == nil] }
        var queue: [String: Any] = [
            "waiting": window.total, "page": window.number,
            "pages": window.pageCount,
        ]
        if let previous = window.previous { queue["previous"] = previous }
        if let next = window.next { queue["next"] = next }
        var context: [String: Any] = [
            "csrf": session.csrfToken, "slug": s.slug, "title": current.title, "stateLabel": lang.text("state.\(s.state.rawValue)"),
            "formKey": Tokens.make(), "fingerprint": current.contentHash.fingerprint, "isPublic": s.publishedAt != nil,
            "bodyHTML": SafeMarkdown.html(current.body), "editable": s.state.textIsEditable,
            "editTitle": edit?.title ?? current.title, "editBody": edit?.body ?? current.body,
            "errors": errors, "transitions": transitions,
            "versions": view.versions.filter(\.isAuthoritative).reversed().map { v -> [String: Any] in
                var row: [String: Any] = [
                    "number": v.number, "author": v.author, "when": Self.time(v.createdAt),
                    "fingerprint": v.contentHash.fingerprint, "slug": s.slug,
                ]
                if v.number > 1 { row["previous"] = v.number - 1 }
                return row
            },
            "invitations": view.invitations.reversed().map { inv -> [String: Any] in
                let status: String =
                    if inv.endorsementID != nil { "signed" } else if inv.revoked { "revoked" } else if inv.expiresAt <= now {
                        "expired"
                    } else if inv.openedAt != nil { "opened" } else { "waiting" }
                return [
                    "id": inv.id, "name": inv.organizationName, "status": lang.text("inv.status.\(status)"),
                    "expires": Self.time(inv.expiresAt), "revocable": inv.refusal(at: now) == nil, "slug": s.slug,
                ]
            },
            "pending": pending, "queue": queue, "hasQueuePages": window.total > window.size,
            "approved": approved.map { e -> [String: Any] in
                var row: [String: Any] = [
                    "id": e.id, "name": e.displayName, "withdrawn": e.state == .withdrawn,
                    "stale": s.publishedAt == nil && e.versionHash != current.contentHash,
                ]
                if let n = e.number { row["number"] = n }
                return row
            },
            "listedCount": view.listedCount,
            "hasSignals": s.publishedAt != nil,
            "repeated": repeated.map { ["name": $0.name, "key": $0.key, "count": $0.count, "slug": s.slug, "joins": s.publishedAt != nil] },
            "signals": [
                "networks": signals.networks.map(signalRow), "domains": signals.domains.map(signalRow),
            ],
            "individuals": [
                "counted": view.individuals.count(.confirmed) + view.individuals.count(.approved),
                "waiting": view.individuals.count(.pending), "withdrawn": view.individuals.count(.withdrawn),
                "rejected": view.individuals.count(.rejected),
            ],
            "hasIndividuals": view.individuals.live + view.individuals.count(.rejected) > 0,
            "translations": view.versions.filter { !$0.isAuthoritative }.map { ["language": $0.language, "title": $0.title, "number": $0.number] },
            "otherStatements": view.otherPublished.map { ["slug": $0.statement.slug, "title": $0.title] },
            "hasOtherStatements": !view.otherPublished.isEmpty,
            "staleCount": stale.count, "hasStale": !stale.isEmpty,
        ]
        if let notice { context["notice"] = notice }
        context.merge(StatementSnapshot.growthContext(view.growth, slug: s.slug, isPublic: s.isPublic)) { $1 }
        return Page.html(try Page.render(.admin, context, lang: lang, title: current.title, path: "/c/s/\(s.slug)"), status: status)
    }

    /// How many duplicate candidates a row of the moderation queue shows.
    static let warningsPerRow = 3

    func revise(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: TextForm) async throws -> Response {
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let title = v.name(form.title, label: lang.text("form.title"), limit: Limits.titleLength)
        let body = v.text(form.body, label: lang.text("form.body"), required: false, limit: Limits.bodyLength) ?? ""
        guard v.isValid, let title else {
            return try await statementPage(request, session, m, errors: v.errors, edit: form, status: .unprocessableContent)
        }
        do { _ = try await app.revise(m, title: title, body: body) } catch {
            return try await refused(error, request, session, m, edit: form)
        }
        return Page.redirect("/c/s/\(m.slug)")
    }

    func changeState(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: StateForm) async throws -> Response {
        let lang = Page.language(of: request)
        guard form.confirm == "yes" else {
            return try await statementPage(request, session, m, errors: [lang.text("error.confirm")], status: .unprocessableContent)
        }
        guard let to = StatementState(rawValue: form.to) else { throw HTTPError(.badRequest, message: lang.text("error.state")) }
        do { _ = try await app.changeState(m, to: to, order: FoundingOrder(rawValue: form.order)) } catch {
            return try await refused(error, request, session, m)
        }
        return Page.redirect("/c/s/\(m.slug)")
    }

    func translate(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: TranslationForm) async throws -> Response {
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let language = v.text(form.language, label: lang.text("form.language"), limit: 8) ?? ""
        let title = v.name(form.title, label: lang.text("form.title"), limit: Limits.titleLength)
        let body = v.text(form.body, label: lang.text("form.body"), required: false, limit: Limits.bodyLength) ?? ""
        guard v.isValid, let title else {
            return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
        }
        do { _ = try await app.translate(m, language: language, title: title, body: body) } catch {
            guard error.code == .conflict else { return try await refused(error, request, session, m) }
            return try await statementPage(request, session, m, errors: [lang.text("error.translation")], status: .unprocessableContent)
        }
        return Page.redirect("/c/s/\(m.slug)")
    }
}
