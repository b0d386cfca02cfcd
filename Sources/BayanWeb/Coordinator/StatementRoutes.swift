import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The coordinator's work on one statement as four steps, each its own page (issue 16: one
/// 2,900 px page before): Text · Invitations · Sign-ons (N) · Publish.
enum StatementStep: String, CaseIterable, Sendable {
    case text, invitations, signons, publish

    /// The step's address after `/c/s/SLUG`: the text is the statement's own page.
    var suffix: String { self == .text ? "" : "/\(rawValue)" }

    /// The step an address belongs to, a page or a form posted from it, so that a refused
    /// form is shown again on the step it was sent from.
    init(path: String) {
        let parts = path.split(separator: "/").map(String.init)
        // ["c", "s", SLUG, action, ...]
        let action = parts.count > 3 ? parts[3] : ""
        switch action {
        case "invitations", "reinvite": self = .invitations
        case "signons", "endorsements", "invalidate": self = .signons
        case "publish", "state", "embed": self = .publish
        default: self = .text
        }
    }
}

/// The statement's step pages and the actions on the statement itself: revising,
/// translating, changing state.
extension CoordinatorRoutes {
    func addStatement(to area: Area) {
        // One page per step; the step is read from the address (`StatementStep(path:)`).
        for step in StatementStep.allCases {
            area.get("s/:slug\(step.suffix)") { request, context in
                try await managed(request, context) { session, s in try await statementPage(request, session, s) }
            }
        }
        area.post("s/:slug/text") { request, context in
            try await managedPost(TextForm.self, request, context) { session, m, form in try await revise(request, session, m, form) }
        }
        area.post("s/:slug/state") { request, context in
            try await managedPost(StateForm.self, request, context) { session, m, form in try await changeState(request, session, m, form) }
        }
        area.post("s/:slug/embed") { request, context in
            try await managedPost(EmbedForm.self, request, context) { session, m, form in try await setEmbedOrigins(request, session, m, form) }
        }
        area.post("s/:slug/translation") { request, context in
            try await managedPost(TranslationForm.self, request, context) { session, m, form in
                try await translate(request, session, m, form)
            }
        }
    }

    func statementPage(
        _ request: Request, _ session: Session, _ m: ManagedStatement, errors: [String] = [],
        notice: String? = nil, edit: TextForm? = nil, embedForm: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request)
        let step = StatementStep(path: request.uri.path)
        let s = m.record
        let queuePage = request.uri.queryParameters.get("queue").flatMap { Int($0) } ?? 1
        let view = try await app.overview(m, queuePage: queuePage)
        let current = view.current
        let waiting = view.organizations.filter(SignatoryRules.awaitsReview).count + view.queueWindow.total
        var context: [String: Any] = [
            "csrf": session.csrfToken, "slug": s.slug, "title": current.title, "stateLabel": lang.text("state.\(s.state.rawValue)"),
            "formKey": Tokens.make(), "fingerprint": current.contentHash.fingerprint, "isPublic": s.publishedAt != nil,
            "errors": errors,
            "steps": StatementStep.allCases.map { other -> [String: Any] in
                var row: [String: Any] = [
                    "href": "/c/s/\(s.slug)\(other.suffix)", "label": lang.text("step.\(other.rawValue)"), "current": other == step,
                ]
                if other == .signons { row["count"] = waiting }
                return row
            },
        ]
        if let notice { context["notice"] = notice }
        let template: TemplateName
        switch step {
        case .text:
            template = .textStep
            context.merge(textContext(view, edit: edit, lang: lang)) { $1 }
        case .invitations:
            template = .invitationsStep
            context.merge(invitationsContext(view, lang: lang)) { $1 }
        case .signons:
            template = .signonsStep
            context.merge(try await signonsContext(m, view, request: request, lang: lang)) { $1 }
        case .publish:
            template = .publishStep
            context.merge(publishContext(view, request: request, lang: lang)) { $1 }
            let origins = try await app.embedOrigins(m)
            context["embed"] = [
                "origins": embedForm ?? origins.joined(separator: "\n"),
                "snippet": "<iframe src=\"\(address.base)/s/\(s.slug)/embed\" title=\"\(current.title)\" "
                    + "style=\"width:100%;height:420px;border:0\" loading=\"lazy\"></iframe>",
            ]
        }
        let title = "\(lang.text("step.\(step.rawValue)")) · \(current.title)"
        return Page.html(try Page.render(template, context, lang: lang, title: title, path: "/c/s/\(s.slug)\(step.suffix)"), status: status)
    }

    /// The text step: the current text (editable while a draft or circulating), its
    /// versions and translations.
    func textContext(_ view: StatementOverview, edit: TextForm?, lang: UILanguage) -> [String: Any] {
        let s = view.record
        return [
            "bodyHTML": SafeMarkdown.html(view.current.body), "editable": s.state.textIsEditable,
            "editTitle": edit?.title ?? view.current.title, "editBody": edit?.body ?? view.current.body,
            "textLanguage": view.current.language, "textDir": UILanguage(statementLanguage: view.current.language).direction,
            "versions": view.versions.filter(\.isAuthoritative).reversed().map { v -> [String: Any] in
                var row: [String: Any] = [
                    "number": v.number, "author": v.author, "when": lang.dateTime(v.createdAt),
                    "fingerprint": v.contentHash.fingerprint, "slug": s.slug,
                ]
                if v.number > 1 { row["previous"] = v.number - 1 }
                return row
            },
            "translations": view.versions.filter { !$0.isAuthoritative }.map { ["language": $0.language, "title": $0.title, "number": $0.number] },
        ]
    }

    /// The invitations step: the form, every invitation with its status, new links and
    /// the re-invitation of those who signed an older text.
    func invitationsContext(_ view: StatementOverview, lang: UILanguage) -> [String: Any] {
        let s = view.record
        let now = clock()
        let byID = Dictionary(view.organizations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let stale = view.needingReconfirmation
        return [
            "invitations": view.invitations.reversed().map { inv -> [String: Any] in
                let status = InvitationStatus(inv, signedOn: inv.endorsementID.flatMap { byID[$0] }, at: now)
                var row: [String: Any] = [
                    "id": inv.id, "name": inv.organizationName, "status": lang.text("inv.status.\(status.rawValue)"),
                    "expires": lang.date(inv.expiresAt), "revocable": inv.refusal(at: now) == nil, "renewable": status.mayBeRenewed,
                    "slug": s.slug,
                ]
                if let signed = inv.endorsementID.flatMap({ byID[$0] }), InvitationStatus.namesDiffer(inv, signed) {
                    row["signedAs"] = signed.displayName
                }
                return row
            },
            "hasInvitations": !view.invitations.isEmpty,
            "otherStatements": view.otherPublished.map { ["slug": $0.statement.slug, "title": $0.title] },
            "hasOtherStatements": !view.otherPublished.isEmpty,
            "staleCount": stale.count, "hasStale": !stale.isEmpty,
        ]
    }

    /// The sign-ons step: the queue with duplicate warnings and who was invited, the
    /// signals of joins, the list as it stands and the growth chart.
    func signonsContext(_ m: ManagedStatement, _ view: StatementOverview, request: Request, lang: UILanguage) async throws -> [String: Any] {
        let s = m.record
        let current = view.current
        let signals = s.publishedAt != nil ? try await app.joinSignals(m) : JoinSignals(networks: [], domains: [])
        let repeated = try await app.repeatedNames(m)
        func signalRow(_ row: JoinSignals.Row) -> [String: Any] {
            ["value": row.value, "count": row.count, "last": lang.dateTime(row.last), "slug": s.slug]
        }
        let order = request.uri.queryParameters.get("order") == "signing" ? FoundingOrder.signing : FoundingOrder.arabic
        let live = view.comparable
        let candidates = DuplicateFinder.candidates(in: live.map(\.displayName))
        // Each row's place in `live` by id, not by a linear search per row (issue 11: the
        // queue of a statement with many pending sign-ons).
        let position = Dictionary(live.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let invitedAs = Dictionary(
            view.invitations.compactMap { inv in inv.endorsementID.map { ($0, inv) } }, uniquingKeysWith: { first, _ in first })
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
                "kind": lang.text("kind.\(e.signerKind.rawValue)"),
                "stale": e.versionHash != current.contentHash, "warnings": Array(warnings.prefix(Self.warningsPerRow)),
            ]
            if warnings.count > Self.warningsPerRow { row["moreWarnings"] = warnings.count - Self.warningsPerRow }
            if Confusables.mixesScripts(e.displayName) { row["mixedScripts"] = true }
            // Who the link was made for: a link passed on signs as someone else (issue 16).
            if let inv = invitedAs[e.id] {
                row["invitedAs"] = inv.organizationName
                if InvitationStatus.namesDiffer(inv, e) { row["signedAsOther"] = true }
            }
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
        let window = view.queueWindow
        var queue: [String: Any] = ["waiting": window.total, "page": window.number, "pages": window.pageCount]
        if let previous = window.previous { queue["previous"] = previous }
        if let next = window.next { queue["next"] = next }
        var context: [String: Any] = [
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
            "signals": ["networks": signals.networks.map(signalRow), "domains": signals.domains.map(signalRow)],
            "individuals": [
                "counted": view.individuals.count(.confirmed) + view.individuals.count(.approved),
                "waiting": view.individuals.count(.pending), "withdrawn": view.individuals.count(.withdrawn),
                "rejected": view.individuals.count(.rejected),
            ],
            "hasIndividuals": view.individuals.live + view.individuals.count(.rejected) > 0,
        ]
        context.merge(StatementSnapshot.growthContext(view.growth, slug: s.slug, isPublic: s.isPublic, lang: lang)) { $1 }
        return context
    }

    /// The publish step: the lifecycle's next steps and, before publication, the final
    /// numbered list exactly as publishing would number it (`SignatoryRules.foundingNumbers`,
    /// the function the store calls), in the chosen order.
    func publishContext(_ view: StatementOverview, request: Request, lang: UILanguage) -> [String: Any] {
        let s = view.record
        let order = FoundingOrder(rawValue: request.uri.queryParameters.get("order") ?? "") ?? s.foundingOrder
        let transitions: [[String: Any]] = StatementState.allowedTransitions[s.state, default: []]
            .sorted { $0.rawValue < $1.rawValue }
            .filter { !(s.state == .closed && $0 == .published && s.publishedAt == nil) }
            .map { next in
                [
                    "to": next.rawValue, "label": lang.text("to.\(next.rawValue)"), "explain": lang.text("to.\(next.rawValue).explain"),
                    "isPublish": next == .published && s.publishedAt == nil, "isBackward": next == .draft || next == .closed,
                ]
            }
        var context: [String: Any] = ["transitions": transitions, "order": order.rawValue]
        guard s.publishedAt == nil else { return context }
        let names = Dictionary(view.organizations.map { ($0.id, $0.displayName) }, uniquingKeysWith: { first, _ in first })
        let numbers = (try? SignatoryRules.foundingNumbers(view.organizations, currentHash: view.current.contentHash, order: order)) ?? []
        let left = view.organizations.filter { e in
            e.signerKind == .organization && e.state != .rejected && e.state != .withdrawn
                && !SignatoryRules.isListed(e, currentHash: view.current.contentHash)
        }
        context["preview"] = numbers.map { ["number": $0.number, "name": names[$0.id] ?? ""] as [String: Any] }
        context["previewCount"] = numbers.count
        context["hasPreview"] = true
        context["leftOut"] = left.map(\.displayName)
        context["hasLeftOut"] = !left.isEmpty
        context["orders"] = FoundingOrder.allCases.map { o -> [String: Any] in
            ["value": o.rawValue, "label": lang.text("admin.order.\(o.rawValue)"), "current": o == order, "slug": s.slug]
        }
        return context
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
        return Page.redirect("/c/s/\(m.slug)\(StatementStep.publish.suffix)")
    }

    /// The websites that may frame the embed: each line one origin, all refused together
    /// when one is not (the form comes back with what was typed).
    func setEmbedOrigins(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: EmbedForm) async throws -> Response {
        let lang = Page.language(of: request)
        let lines = form.origins.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var origins: [EmbedOrigin] = []
        var problems: [String] = []
        for line in lines.prefix(100) {
            if let origin = EmbedOrigin(line) {
                origins.append(origin)
            } else {
                problems.append("\(lang.text("embed.badOrigin")): \(line.prefix(80))")
            }
        }
        guard problems.isEmpty else {
            return try await statementPage(request, session, m, errors: problems, embedForm: form.origins, status: .unprocessableContent)
        }
        do { try await app.setEmbedOrigins(m, origins) } catch {
            guard error.code == .invalidInput else { return try await refused(error, request, session, m) }
            return try await statementPage(
                request, session, m, errors: [lang.text(error.messageKey)], embedForm: form.origins, status: .unprocessableContent)
        }
        return Page.redirect("/c/s/\(m.slug)\(StatementStep.publish.suffix)#embed")
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
