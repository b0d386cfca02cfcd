import ArabicText
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// The coordinator area: login, statements, drafting, invitations, moderation,
/// publication, the event log and the directory. Handlers turn forms into store calls
/// and store results into pages; the rules live in BayanCore and the store.
struct CoordinatorRoutes {
    let store: any Store
    let auth: Auth
    /// Every coordinator action; this type turns forms into its calls and its answers into pages.
    let app: Coordination
    let clock: @Sendable () -> Date
    /// Where the invitation links shown to copy point.
    let address: PublicAddress

    func add(to router: Router<BayanRequestContext>) {
        router.get("/login") { request, _ in try await loginPage(request) }
        router.post("/login") { request, context in try await login(request, client: context.clientKey) }
        router.post("/logout") { request, _ in try await logout(request) }
        // Everything under /c needs a session: one middleware for the whole area.
        let area = router.group("c").add(middleware: SignedInMiddleware(auth: auth))
        area.get { request, context in
            let user = try context.requireSignedIn()
            return try await dashboard(request, user.coordinator, user.session)
        }
        area.get("password") { request, context in
            let user = try context.requireSignedIn()
            return try await passwordPage(request, user)
        }
        area.post("password") { request, context in try await changePassword(request, try context.requireSignedIn()) }
        area.post("statements") { request, context in
            let user = try context.requireSignedIn()
            return try await createStatement(request, user.coordinator, user.session)
        }
        // The directory is shared by every statement, so it is the admins' (README).
        area.group("directory").add(middleware: AdminOnlyMiddleware())
            .get { request, context in
                let user = try context.requireSignedIn()
                return try await directory(request, user.coordinator, user.session)
            }
            .post { request, context in
                let user = try context.requireSignedIn()
                return try await saveOrganization(request, user.coordinator, user.session)
            }
        area.get("s/:slug") { request, context in
            try await managed(request, context) { session, s in try await statementPage(request, session, s) }
        }
        area.get("s/:slug/log") { request, context in
            try await managed(request, context) { _, s in try await logPage(request, s.record) }
        }
        area.get("s/:slug/export.csv") { request, context in
            try await managed(request, context) { _, s in try await contactsExport(s.record) }
        }
        area.get("s/:slug/diff") { request, context in
            try await managed(request, context) { _, s in try await diffPage(request, s.record) }
        }
        area.post("s/:slug/:action") { request, context in
            try await managedPost(request, context) { session, s, form in
                try await statementAction(request, context.parameters.get("action") ?? "", session, s, form)
            }
        }
        area.post("s/:slug/:action/:id/:op") { request, context in
            try await managedPost(request, context) { session, s, form in
                try await itemAction(
                    request, kind: context.parameters.get("action") ?? "", id: context.parameters.get("id") ?? "",
                    action: context.parameters.get("op") ?? "", session, s, form)
            }
        }
    }

    // MARK: - Access

    /// Loads a statement the signed-in coordinator manages: 404 when it does not exist,
    /// 403 when it belongs to others (the access rule is `Coordination.manage`'s).
    func managed(
        _ request: Request, _ context: BayanRequestContext,
        _ body: (Session, ManagedStatement) async throws -> Response
    ) async throws -> Response {
        let user = try context.requireSignedIn()
        let slug = try context.parameters.require("slug")
        do {
            return try await body(user.session, try await app.manage(slug: slug, by: .coordinator(user.coordinator)))
        } catch let error as AppError where error.code == .notFound {
            throw HTTPError(.notFound)
        } catch let error as AppError where error.code == .forbidden {
            throw HTTPError(.forbidden, message: Page.language(of: request).text(error.messageKey))
        }
    }

    /// As `managed`, for forms: the CSRF token must match the session's, and a form sent
    /// twice (an impatient thumb, a lost answer) has one effect. Its one-use key `_k` is
    /// recorded with what the form said, and every action below is idempotent by state
    /// (approving an approved sign-on, publishing a published statement, the same text
    /// again change nothing); the same key with other content is refused. The invitation
    /// form keeps its key in the same transaction as the batch it creates.
    func managedPost(
        _ request: Request, _ context: BayanRequestContext,
        _ body: (Session, ManagedStatement, Form) async throws -> Response
    ) async throws -> Response {
        let form = try await Form.read(request)
        return try await managed(request, context) { session, statement in
            try checkCSRF(form, session, request)
            let key = form["_k"]
            if !key.isEmpty, !request.uri.path.hasSuffix("/invitations") {
                do {
                    try await app.claimForm(
                        statement, action: request.uri.path, key: key,
                        fields: form.fields.filter { $0.key != "_csrf" && $0.key != "_k" })
                } catch let error as AppError {
                    return try await refused(error, request, session, statement)
                }
            }
            return try await body(session, statement, form)
        }
    }

    /// The statement page with an application refusal in the coordinator's language; a
    /// failure that is not theirs goes to the error page (and the log), and an unknown
    /// item is a 404.
    func refused(_ error: AppError, _ request: Request, _ session: Session, _ m: ManagedStatement, edit: Form? = nil) async throws -> Response {
        switch error.code {
        case .notFound: throw HTTPError(.notFound)
        case .failed: throw error
        case .forbidden: throw HTTPError(.forbidden, message: Page.language(of: request).text(error.messageKey))
        case .invalidInput:
            return try await statementPage(
                request, session, m, errors: [Page.language(of: request).text(error.messageKey)], edit: edit,
                status: .unprocessableContent)
        case .rateLimited:
            return try await statementPage(
                request, session, m, errors: [Page.language(of: request).text(error.messageKey)], edit: edit,
                status: .tooManyRequests)
        case .conflict, .staleVersion, .formReused, .gone:
            return try await statementPage(
                request, session, m, errors: [Page.language(of: request).text(error.messageKey)], edit: edit,
                status: .conflict)
        }
    }

    func checkCSRF(_ form: Form, _ session: Session, _ request: Request) throws {
        guard Tokens.equal(form["_csrf"], session.csrfToken) else {
            throw HTTPError(.forbidden, message: Page.language(of: request).text("error.csrf"))
        }
    }

    // MARK: - Login

    func loginPage(_ request: Request, email: String = "", errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = Page.language(of: request)
        let csrf = Tokens.make()
        var response = Page.html(
            try Page.render(
                .login, ["csrf": csrf, "email": email, "errors": errors], lang: lang,
                title: lang.text("login.title"), path: "/login"), status: status)
        response.setCookie(auth.cookie(auth.loginCSRFCookie, csrf, maxAge: 3600))
        return response
    }

    func login(_ request: Request, client: String) async throws -> Response {
        let form = try await Form.read(request)
        let lang = Page.language(of: request)
        guard let cookie = request.cookies[auth.loginCSRFCookie]?.value, Tokens.equal(cookie, form["_csrf"]) else {
            return try await loginPage(request, email: form["email"], errors: [lang.text("error.csrf")], status: .forbidden)
        }
        let email = form["email"].trimmingCharacters(in: .whitespaces)
        guard try await auth.mayTry(email: email, client: client) else {
            return try await loginPage(request, email: form["email"], errors: [lang.text("login.throttled")], status: .tooManyRequests)
        }
        guard let user = try await auth.verify(email: email, password: form["password"]) else {
            return try await loginPage(request, email: form["email"], errors: [lang.text("login.failed")], status: .unauthorized)
        }
        let (token, _) = try await auth.startSession(for: user)
        var response = Page.redirect("/c")
        response.setCookie(auth.cookie(auth.sessionCookie, token, maxAge: Int(Session.lifetime)))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        let form = try await Form.read(request)
        if let (_, session) = try await auth.current(request) {
            try checkCSRF(form, session, request)
            try await store.deleteSession(tokenHash: session.tokenHash)
        }
        var response = Page.redirect("/login")
        response.setCookie(auth.cookie(auth.sessionCookie, "", maxAge: 0))
        return response
    }

    // MARK: - Password

    func passwordPage(_ request: Request, _ user: SignedIn, errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = Page.language(of: request)
        let context: [String: Any] = ["csrf": user.session.csrfToken, "email": user.coordinator.email, "errors": errors]
        return Page.html(try Page.render(.password, context, lang: lang, title: lang.text("password.title"), path: "/c/password"), status: status)
    }

    /// A new password, after the current one (so a session left open cannot take the
    /// account over); attempts count toward the login throttle of the account, and every
    /// other session of the coordinator ends.
    func changePassword(_ request: Request, _ user: SignedIn) async throws -> Response {
        let form = try await Form.read(request)
        try checkCSRF(form, user.session, request)
        let lang = Page.language(of: request)
        func refuse(_ key: String, _ status: HTTPResponse.Status) async throws -> Response {
            try await passwordPage(request, user, errors: [lang.text(key)], status: status)
        }
        guard try await auth.mayTry(email: user.coordinator.email) else { return try await refuse("login.throttled", .tooManyRequests) }
        guard try await auth.verify(email: user.coordinator.email, password: form["current"]) != nil else {
            return try await refuse("password.wrong", .forbidden)
        }
        guard PasswordRule.accepts(form["new"]) else { return try await refuse("password.tooShort", .unprocessableContent) }
        guard form["new"] == form["repeat"] else { return try await refuse("password.mismatch", .unprocessableContent) }
        try await auth.setPassword(user.coordinator, form["new"], keeping: user.session)
        return try Page.message(status: .ok, heading: lang.text("password.title"), text: lang.text("password.changed"), lang: lang)
    }

    // MARK: - Dashboard and drafting

    func dashboard(
        _ request: Request, _ user: Coordinator, _ session: Session, form: Form? = nil, errors: [String] = [],
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
            "form": ["title": form?["title"] ?? "", "slug": form?["slug"] ?? "", "body": form?["body"] ?? ""],
        ]
        return Page.html(try Page.render(.dashboard, context, lang: lang, title: lang.text("dash.title"), path: "/c"), status: status)
    }

    func createStatement(_ request: Request, _ user: Coordinator, _ session: Session) async throws -> Response {
        let form = try await Form.read(request)
        try checkCSRF(form, session, request)
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let title = v.name(form["title"], label: lang.text("form.title"), limit: Limits.titleLength)
        let body = v.text(form["body"], label: lang.text("form.body"), required: false, limit: Limits.bodyLength) ?? ""
        var slug: Slug?
        if let title {
            let raw = form["slug"].trimmingCharacters(in: .whitespaces)
            slug = raw.isEmpty ? Slug.suggested(from: title) : try? Slug(raw)
            if slug == nil { v.fail(lang.text("error.slug")) }
        }
        guard v.isValid, let title, let slug else {
            return try await dashboard(request, user, session, form: form, errors: v.errors, status: .unprocessableContent)
        }
        let language = form["language"] == "en" ? "en" : "ar"
        do {
            let record = try await app.createStatement(slug: slug, language: language, title: title, body: body, by: .coordinator(user))
            return Page.redirect("/c/s/\(record.slug)")
        } catch {
            guard let refusal = error as? AppError, refusal.code == .conflict else { throw error }
            return try await dashboard(request, user, session, form: form, errors: [lang.text(refusal.messageKey)], status: .conflict)
        }
    }

    // MARK: - The statement page

    func statementPage(
        _ request: Request, _ session: Session, _ m: ManagedStatement, errors: [String] = [],
        notice: String? = nil, edit: Form? = nil, status: HTTPResponse.Status = .ok
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
        let pending: [[String: Any]] = view.awaitingReview.map { e in
            let index = live.firstIndex { $0.id == e.id }!
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
            "editTitle": edit?["title"] ?? current.title, "editBody": edit?["body"] ?? current.body,
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
        return Page.html(try Page.render(.admin, context, lang: lang, title: current.title, path: "/c/s/\(s.slug)"), status: status)
    }

    /// How many duplicate candidates a row of the moderation queue shows.
    static let warningsPerRow = 3

    /// A `datetime-local` field's value (`2026-12-01T10:30`), read as UTC.
    static func utcMinute(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.standard).time(includingFractionalSeconds: false)
            .parse(text.count == 16 ? text + ":00" : text)
    }

    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day().time(includingFractionalSeconds: false))
    }

    // MARK: - Statement actions

    func statementAction(_ request: Request, _ action: String, _ session: Session, _ m: ManagedStatement, _ form: Form) async throws -> Response {
        let lang = Page.language(of: request)
        let s = m.record
        do {
            switch action {
            case "text":
                var v = FormValidation(lang: lang)
                let title = v.name(form["title"], label: lang.text("form.title"), limit: Limits.titleLength)
                let body = v.text(form["body"], label: lang.text("form.body"), required: false, limit: Limits.bodyLength) ?? ""
                guard v.isValid, let title else {
                    return try await statementPage(request, session, m, errors: v.errors, edit: form, status: .unprocessableContent)
                }
                do { _ = try await app.revise(m, title: title, body: body) } catch {
                    return try await refused(error, request, session, m, edit: form)
                }
                return Page.redirect("/c/s/\(s.slug)")
            case "state":
                guard form["confirm"] == "yes" else {
                    return try await statementPage(request, session, m, errors: [lang.text("error.confirm")], status: .unprocessableContent)
                }
                guard let to = StatementState(rawValue: form["to"]) else { throw HTTPError(.badRequest, message: lang.text("error.state")) }
                _ = try await app.changeState(m, to: to, order: FoundingOrder(rawValue: form["order"]))
                return Page.redirect("/c/s/\(s.slug)")
            case "invitations":
                return try await createInvitations(request, session, m, form)
            case "translation":
                var v = FormValidation(lang: lang)
                let language = v.text(form["language"], label: lang.text("form.language"), limit: 8) ?? ""
                let title = v.name(form["title"], label: lang.text("form.title"), limit: Limits.titleLength)
                let body = v.text(form["body"], label: lang.text("form.body"), required: false, limit: Limits.bodyLength) ?? ""
                guard v.isValid, let title else {
                    return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
                }
                do { _ = try await app.translate(m, language: language, title: title, body: body) } catch {
                    guard error.code == .conflict else { throw error }
                    return try await statementPage(request, session, m, errors: [lang.text("error.translation")], status: .unprocessableContent)
                }
                return Page.redirect("/c/s/\(s.slug)")
            case "invalidate":
                let selection: JoinSelection
                switch form["by"] {
                case "network": selection = .network(form["value"])
                case "domain": selection = .domain(form["value"].lowercased())
                case "name": selection = .name(key: form["value"])
                default:
                    guard let from = Self.utcMinute(form["from"]), let to = Self.utcMinute(form["to"]) else {
                        throw AppError(.invalidInput, "signals.badSelection", "no period given")
                    }
                    selection = .window(from: from, to: to)
                }
                let count = try await app.invalidateJoins(m, selection, reason: form["reason"])
                return try await statementPage(request, session, m, notice: "\(lang.text("signals.done")): \(count)")
            case "reinvite":
                // Links derived from the form's key: pressed twice, the second page shows
                // the same links instead of silently replacing those on the first.
                let links = try await app.reinvite(m, key: form["_k"].isEmpty ? nil : form["_k"])
                let title = try await store.currentVersion(of: s.id).title
                return try linksPage(request, s, title, heading: lang.text("mod.reinvited"), links: links.map { ($0.name, "/e/\($0.token)") })
            default:
                throw HTTPError(.notFound)
            }
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
    }

    func createInvitations(_ request: Request, _ session: Session, _ m: ManagedStatement, _ form: Form) async throws -> Response {
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let names = v.pastedNames(form["names"], label: lang.text("inv.org"))
        if names.isEmpty && form["from"].isEmpty && v.isValid { v.fail(lang.text("inv.noNames")) }
        var lifetime: InvitationLifetime?
        do {
            lifetime = try InvitationLifetime(days: Int(form["days"].trimmingCharacters(in: .whitespaces)) ?? InvitationLifetime.defaultDays)
        } catch { v.fail(lang.text("inv.daysRange")) }
        guard v.isValid, let lifetime else {
            return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
        }
        do {
            let (links, _) = try await app.invite(
                m, names: names, alsoSignatoriesOf: form["from"], lifetime: lifetime,
                key: form["_k"].isEmpty ? nil : form["_k"])
            let title = try await store.currentVersion(of: m.id).title
            return try linksPage(request, m.record, title, heading: lang.text("inv.created"), links: links.map { ($0.name, "/i/\($0.token)") })
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
    }

    /// The page that shows capability links once, with ready-to-paste messages.
    func linksPage(_ request: Request, _ s: StatementRecord, _ title: String, heading: String, links: [(String, String)]) throws -> Response {
        let lang = Page.language(of: request)
        let base = address.base
        // A ready message in every interface language, the coordinator's first.
        let languages = [lang] + UILanguage.allCases.filter { $0 != lang }
        let items: [[String: Any]] = links.map { name, path in
            let url = base + path
            let messages = languages.map { l -> [String: String] in
                [
                    "code": l.rawValue, "dir": l.direction, "name": l.name,
                    "text": l.text("inv.message", ["name": name, "title": title, "url": url]),
                ]
            }
            return ["name": name, "url": url, "messages": messages]
        }
        // no-store: SecurityHeadersMiddleware, for every private path.
        return Page.html(
            try Page.render(
                .links, ["slug": s.slug, "title": title, "heading": heading, "links": items],
                lang: lang, title: heading, path: "/c/s/\(s.slug)"))
    }

    func itemAction(
        _ request: Request, kind: String, id: String, action: String, _ session: Session,
        _ m: ManagedStatement, _ form: Form
    ) async throws -> Response {
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        do {
            switch (kind, action) {
            case ("invitations", "revoke"):
                try await app.revoke(m, invitationID: id)
            case ("endorsements", "approve"):
                try await app.moderate(m, endorsementID: id, .approve)
            case ("endorsements", "reject"):
                let reason = v.text(form["reason"], label: lang.text("mod.reason"), required: false, limit: 300)
                guard v.isValid else { return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent) }
                try await app.moderate(m, endorsementID: id, .reject(reason: reason))
            case ("endorsements", "merge"):
                try await app.moderate(m, endorsementID: id, .merge(into: form["into"]))
            case ("endorsements", "rename"):
                guard let name = v.name(form["name"], label: lang.text("dir.name")) else {
                    return try await statementPage(request, session, m, errors: v.errors, status: .unprocessableContent)
                }
                try await app.moderate(m, endorsementID: id, .rename(name))
            default:
                throw HTTPError(.notFound)
            }
        } catch let error as AppError {
            return try await refused(error, request, session, m)
        }
        return Page.redirect("/c/s/\(m.slug)#moderation")
    }

    /// Every sign-on with its private details, for the statement's coordinators only.
    func contactsExport(_ s: StatementRecord) async throws -> Response {
        var csv = "\u{FEFF}list,number,name,place,kind,state,signer,role,contact,visibility,version,signed_at\r\n"
        let iso = Date.ISO8601FormatStyle()
        for e in try await store.endorsements(of: s.id) {
            let list = e.founding ? "founding" : (e.signerKind == .individual ? "individual" : "later")
            let cells = [
                list, e.number.map(String.init) ?? "", e.displayName, e.place ?? "", e.signerKind.rawValue, e.state.rawValue,
                e.signerName ?? "", e.signerRole ?? "", e.contact ?? "", e.visibility.rawValue,
                String(e.versionHash.hex.prefix(12)), e.createdAt.formatted(iso),
            ]
            csv += cells.map(CSV.cell).joined(separator: ",") + "\r\n"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(s.slug)-contacts.csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    // MARK: - Log, diff, directory

    func logPage(_ request: Request, _ s: StatementRecord) async throws -> Response {
        let lang = Page.language(of: request)
        let events = try await store.events(of: s.id)
        let result = EventChain.verify(events)
        let title = try await store.currentVersion(of: s.id).title
        let context: [String: Any] = [
            "slug": s.slug, "title": title,
            "verification": result.isValid ? lang.text("log.valid") : "\(lang.text("log.broken")): \(result)",
            "verifyClass": result.isValid ? "notice" : "error",
            "events": events.reversed().map { e -> [String: Any] in
                [
                    "seq": e.sequence, "when": Self.time(Date(timeIntervalSince1970: Double(e.atMillis) / 1000)), "kind": e.kind,
                    "details": e.payload.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map {
                        "\($0.key): \($0.value.count > 24 && $0.key.lowercased().contains("hash") ? String($0.value.prefix(12)) : $0.value)"
                    }.joined(separator: " · "),
                    "hash": String(e.hash.prefix(12)),
                ]
            },
        ]
        return Page.html(try Page.render(.log, context, lang: lang, title: lang.text("log.title"), path: "/c/s/\(s.slug)/log"))
    }

    func diffPage(_ request: Request, _ s: StatementRecord) async throws -> Response {
        let lang = Page.language(of: request)
        let versions = try await store.versions(of: s.id).filter(\.isAuthoritative)
        guard let from = Int(request.uri.queryParameters.get("from") ?? ""), let to = Int(request.uri.queryParameters.get("to") ?? ""),
            let a = versions.first(where: { $0.number == from }), let b = versions.first(where: { $0.number == to })
        else {
            throw HTTPError(.notFound)
        }
        let words: [[String: Any]] = WordDiff.diff(a.title + "\n\n" + a.body, b.title + "\n\n" + b.body).map {
            switch $0 {
            case .same(let t): ["same": true, "text": t]
            case .added(let t): ["added": true, "text": t]
            case .removed(let t): ["removed": true, "text": t]
            }
        }
        let context: [String: Any] = ["slug": s.slug, "title": b.title, "from": from, "to": to, "words": words]
        return Page.html(try Page.render(.diff, context, lang: lang, title: lang.text("admin.diff"), path: "/c/s/\(s.slug)/diff"))
    }

    func directory(
        _ request: Request, _ user: Coordinator, _ session: Session, form: Form? = nil, errors: [String] = [],
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
                "name": form?["name"] ?? "", "latin": form?["latin"] ?? "", "place": form?["place"] ?? "",
                "kind": form?["kind"] ?? "", "contact": form?["contact"] ?? "",
            ],
        ]
        return Page.html(try Page.render(.directory, context, lang: lang, title: lang.text("dir.title"), path: "/c/directory"), status: status)
    }

    func saveOrganization(_ request: Request, _ user: Coordinator, _ session: Session) async throws -> Response {
        let form = try await Form.read(request)
        try checkCSRF(form, session, request)
        let lang = Page.language(of: request)
        var v = FormValidation(lang: lang)
        let name = v.name(form["name"], label: lang.text("dir.name"))
        let latin = v.name(form["latin"], label: lang.text("dir.latin"), required: false)
        let place = v.name(form["place"], label: lang.text("form.place"), required: false, limit: Limits.placeLength)
        let kind = v.name(form["kind"], label: lang.text("dir.kind"), required: false, limit: 80)
        let contact = v.text(form["contact"], label: lang.text("form.contact"), required: false, limit: 200)
        guard v.isValid, let name else {
            return try await directory(request, user, session, form: form, errors: v.errors, status: .unprocessableContent)
        }
        _ = try await store.saveOrganization(name: name, latinName: latin, place: place, kind: kind, contact: contact)
        return Page.redirect("/c/directory")
    }
}
