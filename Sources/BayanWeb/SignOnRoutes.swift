import BayanApp
import BayanCore
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
    let store: any Store
    let tokens: DerivedTokens
    let clock: @Sendable () -> Date

    func add(to router: Router<BasicRequestContext>) {
        router.get("/i/:token") { request, context in try await signOnPage(request, token: context.parameters.require("token")) }
        router.post("/i/:token") { request, context in try await signOn(request, token: context.parameters.require("token")) }
        router.get("/e/:token") { request, context in try await signerPage(request, token: context.parameters.require("token")) }
        router.post("/e/:token/:action") { request, context in
            try await signerAction(request, token: context.parameters.require("token"), action: context.parameters.get("action") ?? "")
        }
    }

    /// The invitation behind a token, or a clear page saying why it cannot be used.
    func usableInvitation(_ request: Request, token: String) async throws -> Result<Invitation, HTTPError> {
        let lang = Page.language(of: request)
        guard let invitation = try await found({ () async throws(StoreError) in try await store.invitation(tokenHash: Tokens.hash(token)) }) else {
            return .failure(HTTPError(.notFound, message: lang.text("invite.unknown")))
        }
        if let refusal = invitation.refusal(at: clock()) {
            return .failure(HTTPError(.gone, message: lang.text("invite.\(refusal.rawValue)")))
        }
        return .success(invitation)
    }

    /// The private link of the sign-on an invitation token made.
    func signerToken(forInvitation token: String) async throws -> String {
        try await tokens.token("signer", from: token)
    }

    /// The sign-on made through this invitation, if it is the one whose private link the
    /// invitation token derives (a coordinator's re-invitation replaces that link).
    func earlierSignOn(invitationToken token: String) async throws -> (String, StatementRecord, Endorsement)? {
        let signerToken = try await signerToken(forInvitation: token)
        guard
            let (statement, e) = try await found({ () async throws(StoreError) in
                try await store.endorsement(signerTokenHash: Tokens.hash(signerToken))
            })
        else { return nil }
        return (signerToken, statement, e)
    }

    func signOnPage(
        _ request: Request, token: String, form: Form? = nil, errors: [String] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let usable = try await usableInvitation(request, token: token)
        // An invitation that has signed opens what was signed, with the private link again.
        if case .failure = usable, let (signerToken, _, _) = try await earlierSignOn(invitationToken: token) {
            let lang = Page.language(of: request, default: .ar)
            return try await signerPage(request, token: signerToken, notice: lang.text("sign.alreadySigned"), showLink: true)
        }
        let invitation = try usable.get()
        if form == nil { try await store.markOpened(invitationID: invitation.id) }
        let statement = try await store.statement(id: invitation.statementID)
        let version = try await store.currentVersion(of: statement.id)
        let lang = Page.language(of: request, default: UILanguage(statementLanguage: statement.language))
        let context: [String: Any] = [
            "token": token, "orgName": invitation.organizationName, "title": version.title, "bodyHTML": SafeMarkdown.html(version.body),
            "fingerprint": version.contentHash.fingerprint, "versionHash": version.contentHash.hex,
            "language": statement.language, "dir": UILanguage(statementLanguage: statement.language).direction, "errors": errors,
            "form": [
                "name": form?["name"] ?? invitation.organizationName, "place": form?["place"] ?? "", "signer": form?["signer"] ?? "",
                "role": form?["role"] ?? "", "contact": form?["contact"] ?? "",
            ],
        ]
        var response = Page.html(try Page.render(.signon, context, lang: lang, title: version.title, path: "/i/\(token)"), status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func signOn(_ request: Request, token: String) async throws -> Response {
        let form = try await Form.read(request)
        let lang = Page.language(of: request, default: .ar)
        let usable = try await usableInvitation(request, token: token)
        // Sent again after it signed (its answer lost): the sign-on it made.
        if case .failure = usable, let earlier = try await earlierSignOn(invitationToken: token) {
            return try await repeated(request, form: form, earlier: earlier)
        }
        let invitation = try usable.get()
        var v = FormValidation(lang: lang)
        let name = v.name(form["name"], label: lang.text("sign.orgName"))
        let place = v.name(form["place"], label: lang.text("form.place"), required: false, limit: Limits.placeLength)
        let signer = v.name(form["signer"], label: lang.text("sign.signer"), limit: 200)
        let role = v.name(form["role"], label: lang.text("sign.role"), required: false, limit: 200)
        let contact = v.email(form["contact"], label: lang.text("form.contact"))
        if form["consent"] != "yes" { v.fail(lang.text("sign.consentMissing")) }
        guard v.isValid, let name, let signer, let contact else {
            return try await signOnPage(request, token: token, form: form, errors: v.errors, status: .unprocessableContent)
        }
        let signerToken = try await signerToken(forInvitation: token)
        do {
            _ = try await store.signOn(
                invitationID: invitation.id,
                NewEndorsement(
                    displayName: name, place: place, signerName: signer, signerRole: role, contact: contact,
                    versionHash: ContentHash(hex: form["version"])),
                signerTokenHash: Tokens.hash(signerToken))
        } catch {
            guard error.isRefusal else { throw error }
            // The same form sent twice at once: the other request signed first.
            if case .invitation(.used) = error, let earlier = try await earlierSignOn(invitationToken: token) {
                return try await repeated(request, form: form, earlier: earlier)
            }
            let message: String =
                switch error {
                case .duplicateOrganization: lang.text("error.duplicate")
                case .staleVersion: lang.text("error.stale")
                case .invitation(let refusal): lang.text("invite.\(refusal.rawValue)")
                default: lang.text("error.state")
                }
            return try await signOnPage(request, token: token, form: form, errors: [message], status: .conflict)
        }
        return try await signerPage(request, token: signerToken, notice: lang.text("sign.thanks"), showLink: true)
    }

    /// A sign-on form sent again after it signed: the same answer when it says the same
    /// thing, a refusal that shows what was signed when it does not.
    func repeated(_ request: Request, form: Form, earlier: (String, StatementRecord, Endorsement)) async throws -> Response {
        let lang = Page.language(of: request, default: .ar)
        let (signerToken, _, e) = earlier
        var v = FormValidation(lang: lang)
        let same =
            v.name(form["name"], label: "") == e.displayName
            && v.name(form["place"], label: "", required: false, limit: Limits.placeLength) == e.place
            && v.name(form["signer"], label: "", limit: 200) == e.signerName
            && v.name(form["role"], label: "", required: false, limit: 200) == e.signerRole
            && v.email(form["contact"], label: "") == e.contact
            && ContentHash(hex: form["version"]) == e.versionHash
        guard same else {
            return try await signerPage(
                request, token: signerToken, errors: [lang.text("sign.differentRetry")], showLink: true,
                status: .conflict)
        }
        return try await signerPage(request, token: signerToken, notice: lang.text("sign.thanks"), showLink: true)
    }

    func signerPage(
        _ request: Request, token: String, notice: String? = nil, errors: [String] = [], showLink: Bool = false,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let lang = Page.language(of: request, default: .ar)
        guard
            let (statement, e) = try await found({ () async throws(StoreError) in try await store.endorsement(signerTokenHash: Tokens.hash(token)) })
        else {
            throw HTTPError(.notFound, message: lang.text("invite.unknown"))
        }
        let current = try await store.currentVersion(of: statement.id)
        let stale = SignatoryRules.needsReconfirmation(e, currentHash: current.contentHash, textIsEditable: statement.state.textIsEditable)
        var context: [String: Any] = [
            "token": token, "name": e.displayName, "stateLabel": lang.text("endorsement.\(e.state.rawValue)"),
            "slug": statement.slug, "title": current.title, "stale": stale, "bodyHTML": SafeMarkdown.html(current.body),
            "versionHash": current.contentHash.hex, "canWithdraw": e.state != .withdrawn && e.state != .rejected,
            "errors": errors, "signedFingerprint": e.versionHash.fingerprint, "signedAt": CoordinatorRoutes.time(e.createdAt),
        ]
        if let notice { context["notice"] = notice }
        if showLink { context["privateURL"] = Page.baseURL(of: request) + "/e/\(token)" }
        var response = Page.html(try Page.render(.signer, context, lang: lang, title: lang.text("signer.title"), path: "/e/\(token)"), status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func signerAction(_ request: Request, token: String, action: String) async throws -> Response {
        let form = try await Form.read(request)
        let lang = Page.language(of: request, default: .ar)
        guard
            let (statement, e) = try await found({ () async throws(StoreError) in try await store.endorsement(signerTokenHash: Tokens.hash(token)) })
        else {
            throw HTTPError(.notFound, message: lang.text("invite.unknown"))
        }
        switch action {
        case "reconfirm":
            do {
                _ = try await store.reconfirm(statementID: statement.id, endorsementID: e.id, versionHash: ContentHash(hex: form["version"]))
            } catch {
                guard error.isRefusal else { throw error }
                return try await signerPage(
                    request, token: token, errors: [lang.text(error == .staleVersion ? "error.stale" : "error.state")],
                    status: .conflict)
            }
            return try await signerPage(request, token: token, notice: lang.text("signer.reconfirmed"))
        case "withdraw":
            if e.state == .withdrawn {
                return try await signerPage(request, token: token, notice: lang.text("signer.withdrawn"))
            }
            guard form["confirm"] == "yes" else {
                return try await signerPage(request, token: token, errors: [lang.text("error.confirm")], status: .unprocessableContent)
            }
            do {
                _ = try await store.setEndorsementState(statementID: statement.id, endorsementID: e.id, to: .withdrawn, reason: "signer")
            } catch {
                guard error.isRefusal else { throw error }
                return try await signerPage(request, token: token, errors: [lang.text("error.state")], status: .conflict)
            }
            return try await signerPage(request, token: token, notice: lang.text("signer.withdrawn"))
        default:
            throw HTTPError(.notFound)
        }
    }
}
