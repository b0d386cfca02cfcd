import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation
import Hummingbird

/// What an organisation's representative sees: the sign-on page an invitation opens and
/// the private page of their sign-on. The unguessable token in the address is the
/// capability (and the form's CSRF protection); only its hash is stored.
///
/// A poor connection often loses the answer to "sign": the signer's private link is derived
/// from the invitation token (`DerivedTokens`), so sending the same form again, or opening
/// the invitation link again, gives back the same private link without a second sign-on.
struct SignOnRoutes {
    /// Every signer action; this type reads forms and renders answers.
    let signing: Signing
    /// Where the private link shown to the signer points.
    let address: PublicAddress
    /// Whether a relay is configured: then the signer's private link is also mailed.
    var mailEnabled = false

    func add(to router: Router<BayanRequestContext>) {
        router.get("/i/:token") { request, context in try await signOnPage(request, token: context.parameters.require("token")) }
        router.post("/i/:token") { request, context in try await signOn(request, token: context.parameters.require("token")) }
        router.get("/e/:token") { request, context in try await signerPage(request, token: context.parameters.require("token")) }
        router.get("/e/:token/receipt.json") { request, context in try await receipt(request, token: context.parameters.require("token")) }
        router.post("/e/:token/reconfirm") { request, context in try await reconfirm(request, token: context.parameters.require("token")) }
        router.post("/e/:token/withdraw") { request, context in try await withdraw(request, token: context.parameters.require("token")) }
        router.post("/e/:token/erase-contact") { request, context in
            try await eraseContact(request, token: context.parameters.require("token"))
        }
    }

    /// A refusal as the page that says why in the visitor's language: an unknown link is a
    /// 404, a link that no longer works a 410; a failure of the server goes to the error page.
    func page(for error: AppError, _ request: Request) -> HTTPError {
        let text = Page.language(of: request).text(error.messageKey)
        switch error.code {
        case .notFound: return HTTPError(.notFound, message: text)
        case .gone: return HTTPError(.gone, message: text)
        case .rateLimited: return HTTPError(.tooManyRequests, message: text)
        default: return HTTPError(.conflict, message: text)
        }
    }

    func signOnPage(
        _ request: Request, token: String, form: SignOnForm? = nil, errors: [FormProblem] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let opened: OpenedInvitation
        do { opened = try await signing.open(invitationToken: token, markOpened: form == nil) } catch {
            guard error.code != .failed else { throw error }
            throw page(for: error, request)
        }
        switch opened {
        case .signed(let privateToken):
            // An invitation that has signed opens what was signed, with the private link again.
            let lang = Page.language(of: request, default: .ar)
            return try await signerPage(request, token: privateToken, notice: lang.text("sign.alreadySigned"), showLink: true)
        case .form(let invitation, let statement, let version):
            let lang = Page.language(of: request, default: UILanguage(statementLanguage: statement.language))
            let context: [String: Any] = [
                "token": token, "orgName": invitation.organizationName, "title": version.title,
                "bodyHTML": SafeMarkdown.html(version.body), "fingerprint": version.contentHash.fingerprint,
                "versionHash": version.contentHash.hex, "language": statement.language,
                "dir": UILanguage(statementLanguage: statement.language).direction, "errors": errors,
                "form": [
                    "name": form?.name ?? invitation.organizationName, "place": form?.place ?? "",
                    "signer": form?.signer ?? "", "role": form?.role ?? "", "contact": form?.contact ?? "", "phone": form?.phone ?? "",
                    // Kept ticked when the form comes back for another field (issue 16).
                    "consent": form?.consent == "yes",
                ],
            ]
            // no-store: SecurityHeadersMiddleware, for every private path.
            return Page.html(
                try Page.render(.signon, context, lang: lang, title: version.title, path: "/i/\(token)"), status: status)
        }
    }

    func signOn(_ request: Request, token: String) async throws -> Response {
        let form = try await FormBody.read(SignOnForm.self, request)
        let lang = Page.language(of: request, default: .ar)
        var v = FormValidation(lang: lang)
        let name = v.name(form.name, label: lang.text("sign.orgName"), field: "name")
        let place = v.name(form.place, label: lang.text("form.place"), field: "place", required: false, limit: Limits.placeLength)
        let signer = v.name(form.signer, label: lang.text("sign.signer"), field: "signer", limit: 200)
        let role = v.name(form.role, label: lang.text("sign.role"), field: "role", required: false, limit: 200)
        // An email, a phone (WhatsApp) number, or both (issue 16): many organisations
        // answer on WhatsApp only.
        let email = v.email(form.contact, label: lang.text("sign.email"), field: "contact", required: false)
        let phone = v.phone(form.phone, field: "phone")
        if v.isValid && email == nil && phone == nil { v.fail(lang.text("sign.contactMissing"), field: "contact") }
        if form.consent != "yes" { v.fail(lang.text("sign.consentMissing"), field: "consent") }
        let contact = ContactDetails.joined(email: email, phone: phone)
        guard v.isValid, let name, let signer else {
            return try await signOnPage(request, token: token, form: form, errors: v.problems, status: .unprocessableContent)
        }
        let signOn = SignOnRequest(
            name: name, place: place, signer: signer, role: role, contact: contact, versionHash: ContentHash(hex: form.version))
        let outcome: SignOnOutcome
        let base = address.base
        var receipt: (@Sendable (String, String) -> OutboxMessage)?
        if mailEnabled, let email {
            receipt = { privateToken, title in
                Mail.receiptMessage(to: email, lang: lang, name: name, title: title, privateURL: "\(base)/e/\(privateToken)")
            }
        }
        do { outcome = try await signing.signOn(invitationToken: token, signOn, receipt: receipt) } catch {
            switch error.code {
            case .failed: throw error
            case .notFound, .gone: throw page(for: error, request)
            default:
                return try await signOnPage(request, token: token, form: form, errors: [FormProblem(lang.text(error.messageKey))], status: .conflict)
            }
        }
        switch outcome {
        case .signed(let t), .repeated(let t):
            return try await signerPage(request, token: t, notice: lang.text("sign.thanks"), showLink: true, mailed: receipt != nil)
        case .differs(let t):
            return try await signerPage(request, token: t, errors: [lang.text("sign.differentRetry")], showLink: true, status: .conflict)
        }
    }

    func signerPage(
        _ request: Request, token: String, notice: String? = nil, errors: [String] = [], showLink: Bool = false,
        mailed: Bool = false, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request, default: .ar)
        let view: SignerView
        do { view = try await signing.signer(privateToken: token) } catch {
            guard error.code != .failed else { throw error }
            throw page(for: error, request)
        }
        let e = view.endorsement
        var context: [String: Any] = [
            "token": token, "name": e.displayName, "stateLabel": lang.text("endorsement.\(e.state.rawValue)"),
            "slug": view.statement.slug, "title": view.current.title, "stale": view.needsReconfirmation,
            "bodyHTML": SafeMarkdown.html(view.current.body), "versionHash": view.current.contentHash.hex,
            "canWithdraw": view.canWithdraw, "hasContact": e.contact != nil, "errors": errors, "signedFingerprint": e.versionHash.fingerprint,
            "signedAt": lang.dateTime(e.createdAt),
        ]
        if let notice { context["notice"] = notice }
        if showLink { context["privateURL"] = address.base + "/e/\(token)" }
        if showLink && mailed { context["mailed"] = true }
        // no-store: SecurityHeadersMiddleware, for every private path.
        return Page.html(
            try Page.render(.signer, context, lang: lang, title: lang.text("signer.title"), path: "/e/\(token)"), status: status)
    }

    /// The signer's receipt as JSON to keep (`ReceiptFile`): the public form of the event
    /// recording the sign-on (from which the leaf is recomputed), its index, and the signed
    /// head and inclusion proof once a head covers it. `no-store`, as every private path.
    func receipt(_ request: Request, token: String) async throws -> Response {
        let r: ReceiptFile
        do { r = try await signing.receipt(privateToken: token) } catch {
            guard error.code != .failed else { throw error }
            throw page(for: error, request)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json",
                .contentDisposition: "attachment; filename=\"\(r.slug)-receipt.json\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: ProofRoutes.encode(r))))
    }

    /// Agrees to the current text again after a revision.
    func reconfirm(_ request: Request, token: String) async throws -> Response {
        let form = try await FormBody.read(SignerActionForm.self, request)
        return try await signerAction(request, token: token, notice: "signer.reconfirmed") { () async throws(AppError) in
            try await signing.reconfirm(privateToken: token, versionHash: ContentHash(hex: form.version))
            return nil
        }
    }

    /// Withdraws the sign-on, asked to confirm unless it is withdrawn already (the same
    /// form again).
    func withdraw(_ request: Request, token: String) async throws -> Response {
        let form = try await FormBody.read(SignerActionForm.self, request)
        return try await signerAction(request, token: token, notice: "signer.withdrawn") { () async throws(AppError) in
            if form.confirm != "yes", try await signing.signer(privateToken: token).endorsement.state != .withdrawn { return "error.confirm" }
            try await signing.withdraw(privateToken: token)
            return nil
        }
    }

    /// Erases the signer's contact details, asked to confirm first; the sign-on stays.
    func eraseContact(_ request: Request, token: String) async throws -> Response {
        let form = try await FormBody.read(SignerActionForm.self, request)
        return try await signerAction(request, token: token, notice: "signer.contactErased") { () async throws(AppError) in
            if form.confirm != "yes", try await signing.signer(privateToken: token).endorsement.contact != nil { return "error.confirm" }
            try await signing.eraseContact(privateToken: token)
            return nil
        }
    }

    /// Runs a signer's action and answers with their page: the notice when it is done, the
    /// refusal (the key `action` returns, or its error) otherwise.
    func signerAction(
        _ request: Request, token: String, notice: String, _ action: () async throws(AppError) -> String?
    ) async throws -> Response {
        let lang = Page.language(of: request, default: .ar)
        let unconfirmed: String?
        do throws(AppError) { unconfirmed = try await action() } catch {
            switch error.code {
            case .failed: throw error
            case .notFound, .gone: throw page(for: error, request)
            default: return try await signerPage(request, token: token, errors: [lang.text(error.messageKey)], status: .conflict)
            }
        }
        if let unconfirmed {
            return try await signerPage(request, token: token, errors: [lang.text(unconfirmed)], status: .unprocessableContent)
        }
        return try await signerPage(request, token: token, notice: lang.text(notice))
    }
}
