import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Joining a published statement: organisations (moderated) and individuals (confirmed
/// by email through a page whose button POSTs, because mail scanners fetch links).
struct JoinRoutes {
    let store: any Store
    let limits: JoinLimits
    var policy: JoinPolicy { limits.policy }
    let mailEnabled: Bool
    /// Statement and current text per slug, reused for a second: during a burst every
    /// join would otherwise read them again. Harmless when stale, because the store checks
    /// the state and the version hash again inside the write.
    let recent = RecentStatements()
    /// Answer pages rendered once, cut where the private link goes.
    let answers = RenderedPages<String, [Substring]>()
    /// Email confirmation, through the application layer.
    var confirming: Confirming { Confirming(store: store) }
    /// Storing joins and recognising retried forms, through the application layer.
    var joining: Joining { Joining(store: store) }
    /// The form-stamp key and the links derived from a stamp (a retried join gets the same).
    let tokens: DerivedTokens
    /// Where the links in mail point (never the request's Host).
    let address: PublicAddress

    func add(to router: Router<BayanRequestContext>) {
        router.get("/s/:slug/join") { request, context in try await joinPage(request, slug: context.parameters.require("slug")) }
        router.post("/s/:slug/join") { request, context in try await join(request, context, slug: context.parameters.require("slug")) }
        if policy.benchmarkFloorRoute {
            // The floor of the HTTP stack for benchmarks: the same form parsed, nothing stored.
            router.post("/s/:slug/join-floor") { request, _ in
                let form = try await FormBody.read(JoinForm.self, request)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain"],
                    body: .init(byteBuffer: ByteBuffer(string: form.name.isEmpty ? "empty" : "parsed")))
            }
        }
        router.post("/s/:slug/join/resend") { request, context in
            try await resend(request, context, slug: context.parameters.require("slug"))
        }
        router.get("/confirm/:token") { request, context in try await confirmPage(request, token: context.parameters.require("token")) }
        router.post("/confirm/:token") { request, context in try await confirm(request, token: context.parameters.require("token")) }
    }

    func published(_ slug: String) async throws -> (StatementRecord, StatementVersion) {
        if let hit = recent.get(slug) { return hit }
        guard let value = try await PublicReading(store: store).statement(slug: slug) else { throw HTTPError(.notFound) }
        recent.put(slug, value)
        return value
    }

    /// The join and resend forms' stamps (`FormStamps`).
    var stamps: FormStamps { FormStamps(tokens: tokens) }

    func joinPage(
        _ request: Request, slug: String, form: JoinForm? = nil, errors: [FormProblem] = [], kind: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (statement, version) = try await published(slug)
        let lang = Page.language(of: request, default: UILanguage(statementLanguage: statement.language))
        let selected = kind ?? request.uri.queryParameters.get("kind") ?? "individual"
        let context: [String: Any] = [
            "slug": slug, "title": version.title, "versionHash": version.contentHash.hex, "stamp": try await stamps.issue(slug: slug),
            "errors": errors, "isOrganization": selected == "organization", "closed": !statement.acceptsJoins,
            // The text the consent box refers to, folded, with its fingerprint (issue 16).
            "bodyHTML": SafeMarkdown.html(version.body), "fingerprint": version.contentHash.fingerprint,
            "textLanguage": version.language, "textDir": UILanguage(statementLanguage: version.language).direction,
            "form": [
                "name": form?.name ?? "", "place": form?.place ?? "", "signer": form?.signer ?? "",
                "role": form?.role ?? "", "email": form?.email ?? "", "phone": form?.phone ?? "", "hidden": form?.visibility == "counted-only",
                // Kept ticked when the form comes back for another field (issue 16).
                "consent": form?.consent == "yes",
            ],
        ]
        return Page.html(try Page.render(.join, context, lang: lang, title: version.title, path: "/s/\(slug)/join"), status: status)
    }

    func join(_ request: Request, _ context: BayanRequestContext, slug: String) async throws -> Response {
        let form = try await FormBody.read(JoinForm.self, request)
        let (statement, current) = try await published(slug)
        let lang = Page.language(of: request, default: UILanguage(statementLanguage: statement.language))
        let kind = form.kind == "organization" ? SignerKind.organization : .individual
        func refuse(_ key: String, _ status: HTTPResponse.Status) async throws -> Response {
            try await joinPage(request, slug: slug, form: form, errors: [FormProblem(lang.text(key))], kind: kind.rawValue, status: status)
        }
        func refusePast(_ refusal: JoinLimitRefusal) async throws -> Response {
            switch refusal {
            case .rateLimited: try await refuse("join.rateLimited", .tooManyRequests)
            // The same words as the honeypot's: a blocked sender learns nothing new.
            case .blocked: try await refuse("join.honeypot", .unprocessableContent)
            }
        }
        guard statement.acceptsJoins else { return try await refuse("join.closed", .conflict) }
        // A field hidden from people; bots fill it.
        guard form.website.isEmpty else { return try await refuse("join.honeypot", .unprocessableContent) }
        guard let issued = try await stamps.servedAt(form.t, slug: slug) else { return try await refuse("join.expired", .unprocessableContent) }
        let elapsed = Date().timeIntervalSince(issued)
        guard elapsed >= policy.minimumFillSeconds else { return try await refuse("join.tooFast", .unprocessableContent) }
        if let refusal = try await limits.admit(client: context.client, statementID: statement.id) {
            return try await refusePast(refusal)
        }
        var v = FormValidation(lang: lang)
        let name = v.name(form.name, label: lang.text(kind == .organization ? "sign.orgName" : "join.personName"), field: "name")
        let place = v.name(form.place, label: lang.text("form.place"), field: "place", required: false, limit: Limits.placeLength)
        let signer = kind == .organization ? v.name(form.signer, label: lang.text("sign.signer"), field: "signer", limit: 200) : nil
        let role = kind == .organization ? v.name(form.role, label: lang.text("sign.role"), field: "role", required: false, limit: 200) : nil
        let email = v.email(form.email, label: lang.text("join.email"), field: "email")
        // An organisation may add its WhatsApp number (an individual is reached by email).
        let phone = kind == .organization ? v.phone(form.phone, field: "phone") : nil
        if form.consent != "yes" { v.fail(lang.text("join.consentMissing"), field: "consent") }
        guard v.isValid, let name, let email else {
            return try await joinPage(request, slug: slug, form: form, errors: v.problems, kind: kind.rawValue, status: .unprocessableContent)
        }
        if let refusal = try await limits.admit(email: email, statementID: statement.id) { return try await refusePast(refusal) }
        // The form stamp and the address are the submission's key: the links are derived
        // from them, so the same form sent again (its answer lost) finds the join it made.
        let stamp = form.t
        // Keyed by the address too: a stamp is not secret from a bot that loads the page
        // once, and two people sending the same page must not collide.
        let signerToken = try await tokens.token("join-signer \(email)", from: stamp, orderedAt: issued)
        let confirmToken = kind == .individual ? try await tokens.token("join-confirm \(email)", from: stamp, orderedAt: issued) : nil
        let base = address.base
        let version = ContentHash(hex: form.version)
        let title = current.title
        // The confirmation mail is only written when there is a relay to send it.
        var mail: OutboxMessage?
        if mailEnabled, let token = confirmToken {
            mail = Mail.confirmationMessage(
                to: email, lang: lang, statement: statement, title: title,
                confirmURL: "\(base)/confirm/\(token)", privateURL: "\(base)/e/\(signerToken)")
        } else if mailEnabled {
            // An organisation: its receipt, with the private link to keep (issue 16).
            mail = Mail.receiptMessage(to: email, lang: lang, name: name, title: title, privateURL: "\(base)/e/\(signerToken)")
        }
        let submission = JoinSubmission(
            kind: kind, name: name, place: place, signer: signer, role: role, email: email, versionHash: version,
            visibility: form.visibility == "counted-only" ? .countedOnly : .public, phone: phone)
        let outcome: Joining.Outcome
        do {
            outcome = try await joining.join(
                submission, statementID: statement.id, confirmTokenHash: confirmToken.map(Tokens.hash),
                signerTokenHash: Tokens.hash(signerToken),
                // One submission per stamp: the index on it refuses a replayed form.
                stampHash: FormStamps.useKey(stamp, servedAt: issued),
                origin: JoinOrigin(network: context.client?.network.description ?? "unknown", domain: JoinLimits.domain(of: email)),
                mail: mail, confirmationMailed: mailEnabled)
        } catch {
            // A failure that is not the visitor's goes to the error page and the log.
            guard error.code != .failed else { throw error }
            return try await refuse(error.messageKey, error.code == .notFound ? .notFound : .conflict)
        }
        // Joined before from another form and not confirmed yet: the mail is on its way,
        // and the page offers to send it again.
        if outcome == .awaitingConfirmation { return try await pendingPage(lang, slug: slug, email: email) }
        return try answer(lang: lang, kind: kind, slug: slug, privateURL: "\(base)/e/\(signerToken)")
    }

    /// "Your confirmation is on its way", with a button that sends it again.
    func pendingPage(_ lang: UILanguage, slug: String, email: String) async throws -> Response {
        let context: [String: Any] = [
            "heading": lang.text("join.pendingTitle"), "text": lang.text("join.pending"), "slug": slug,
            "resend": true, "stamp": try await stamps.issue(slug: slug), "email": email,
        ]
        return Page.html(try Page.render(.joined, context, lang: lang, title: lang.text("join.pendingTitle"), path: "/s/\(slug)"))
    }

    /// Sends the confirmation mail again to an address that joined and has not confirmed.
    /// The links are derived from the resend form's stamp and the address, so the button
    /// pressed twice writes one mail; new links supersede those of the lost mail. At most
    /// three mails an hour go to one address for one statement, and the join limits apply.
    func resend(_ request: Request, _ context: BayanRequestContext, slug: String) async throws -> Response {
        let resend = try await FormBody.read(ResendForm.self, request)
        let (statement, current) = try await published(slug)
        let lang = Page.language(of: request, default: UILanguage(statementLanguage: statement.language))
        // Refused, the join page shows the address again.
        var form = JoinForm()
        form.email = resend.email
        func refuse(_ key: String, _ status: HTTPResponse.Status) async throws -> Response {
            try await joinPage(request, slug: slug, form: form, errors: [FormProblem(lang.text(key))], status: status)
        }
        guard mailEnabled, statement.acceptsJoins else { return try await refuse("join.closed", .conflict) }
        guard let issued = try await stamps.servedAt(resend.t, slug: slug) else {
            return try await refuse("join.expired", .unprocessableContent)
        }
        var v = FormValidation(lang: lang)
        guard let email = v.email(resend.email, label: lang.text("join.email")) else {
            return try await joinPage(request, slug: slug, form: form, errors: v.problems, status: .unprocessableContent)
        }
        if try await limits.admit(client: context.client, statementID: statement.id) != nil {
            return try await refuse("join.rateLimited", .tooManyRequests)
        }
        let signerToken = try await tokens.token("join-signer \(email)", from: resend.t, orderedAt: issued)
        let confirmToken = try await tokens.token("join-confirm \(email)", from: resend.t, orderedAt: issued)
        let base = address.base
        let mail = Mail.confirmationMessage(
            to: email, lang: lang, statement: statement, title: current.title,
            confirmURL: "\(base)/confirm/\(confirmToken)", privateURL: "\(base)/e/\(signerToken)")
        do {
            try await joining.resend(
                statementID: statement.id, email: email, confirmTokenHash: Tokens.hash(confirmToken),
                signerTokenHash: Tokens.hash(signerToken), mail: mail)
        } catch {
            guard error.code != .failed else { throw error }
            let status: HTTPResponse.Status =
                switch error.code {
                case .rateLimited: .tooManyRequests
                case .gone: .unprocessableContent
                default: .conflict
                }
            return try await refuse(error.messageKey, status)
        }
        let context: [String: Any] = ["heading": lang.text("join.pendingTitle"), "text": lang.text("join.resent"), "slug": slug]
        return Page.html(try Page.render(.joined, context, lang: lang, title: lang.text("join.pendingTitle"), path: "/s/\(slug)"))
    }

    /// The page that answers a stored join (the same for its retries). Without a relay it
    /// is the only place the signer's private link is ever shown, so it shows it and says
    /// plainly to keep it; with one, the link is in the mail.
    func answer(lang: UILanguage, kind: SignerKind, slug: String, privateURL: String) throws -> Response {
        let key = kind == .organization ? "join.orgThanks" : (mailEnabled ? "join.checkMail" : "join.reviewByHand")
        var context: [String: Any] = ["heading": lang.text("join.thanksTitle"), "text": lang.text(key), "slug": slug]
        if !mailEnabled || kind == .organization { context["privateURL"] = privateURL }
        if !mailEnabled { context["keep"] = true } else if kind == .organization { context["mailed"] = true }
        let render = { (context: [String: Any]) throws -> String in
            try Page.render(.joined, context, lang: lang, title: lang.text("join.thanksTitle"), path: "/s/\(slug)")
        }
        // The same page for every joiner of a statement: rendered once per language and
        // kind, the link put in its slot (a link never needs escaping; one that would is
        // rendered in full).
        guard privateURL.allSatisfy({ !"&<>\"'".contains($0) }) else { return Page.html(try render(context)) }
        let shows = context["privateURL"] != nil
        if shows { context["privateURL"] = Self.linkSlot }
        // Cut once where the link goes and joined with each link as bytes: Foundation's
        // replacingOccurrences on the whole page took a fifth of a sign-on's CPU (issue 15).
        let parts = try answers.page("\(lang.rawValue)|\(kind.rawValue)|\(slug)") {
            try render(context).split(separator: Self.linkSlot, omittingEmptySubsequences: false)
        }
        var body = ByteBuffer()
        body.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count } + privateURL.utf8.count * (parts.count - 1))
        for (i, part) in parts.enumerated() {
            if i > 0 { body.writeString(privateURL) }
            body.writeSubstring(part)
        }
        return Page.html(body)
    }

    /// Where the private link goes in an answer page rendered once.
    static let linkSlot = "\u{E000}private-link\u{E000}"

    func confirmPage(_ request: Request, token: String) async throws -> Response {
        let lang = Page.language(of: request, default: .ar)
        let pending: Confirming.Pending
        do { pending = try await confirming.open(token: token) } catch { throw Self.unknownLink(error, lang) }
        let context: [String: Any] = [
            "token": token, "title": pending.title, "slug": pending.statement.slug, "name": pending.name, "done": pending.confirmed,
        ]
        return Page.html(try Page.render(.confirm, context, lang: lang, title: pending.title, path: "/confirm/\(token)"))
    }

    func confirm(_ request: Request, token: String) async throws -> Response {
        // The body is read only to bound it: the button sends nothing.
        _ = try await FormBody.read(request)
        let lang = Page.language(of: request, default: .ar)
        let statement: StatementRecord
        do { statement = try await confirming.confirm(token: token) } catch { throw Self.unknownLink(error, lang) }
        let context: [String: Any] = ["heading": lang.text("join.confirmedTitle"), "text": lang.text("join.confirmed"), "slug": statement.slug]
        return Page.html(try Page.render(.joined, context, lang: lang, title: lang.text("join.confirmedTitle"), path: "/s/\(statement.slug)"))
    }

    /// An unknown confirmation link is a 404 with its message; any other failure is not
    /// the visitor's and goes to the error page and the log.
    static func unknownLink(_ error: AppError, _ lang: UILanguage) -> any Error {
        error.code == .notFound ? HTTPError(.notFound, message: lang.text("invite.unknown")) : error
    }
}

/// A one-second memory of published statements and their current text, by slug.
final class RecentStatements: Sendable {
    private let entries = Mutex<[String: (StatementRecord, StatementVersion, ContinuousClock.Instant)]>([:])

    func get(_ slug: String) -> (StatementRecord, StatementVersion)? {
        entries.withLock { e in
            guard let hit = e[slug], ContinuousClock.now - hit.2 < .seconds(1) else { return nil }
            return (hit.0, hit.1)
        }
    }

    func put(_ slug: String, _ value: (StatementRecord, StatementVersion)) {
        entries.withLock { $0[slug] = (value.0, value.1, ContinuousClock.now) }
    }
}
