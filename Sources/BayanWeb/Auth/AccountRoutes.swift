import BayanApp
import BayanCore
import BayanStore
import Foundation
import Hummingbird

/// Signing in and out, and changing one's password.
extension CoordinatorRoutes {
    func addAccount(to router: Router<BayanRequestContext>) {
        router.get("/login") { request, _ in try await loginPage(request) }
        router.post("/login") { request, context in try await login(request, client: context.clientKey) }
        router.post("/logout") { request, _ in try await logout(request) }
    }

    func addPassword(to area: Area) {
        area.get("password") { request, context in try await passwordPage(request, try context.requireSignedIn()) }
        area.post("password") { request, context in try await changePassword(request, try context.requireSignedIn()) }
    }

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
        let form = try await FormBody.read(LoginForm.self, request)
        let lang = Page.language(of: request)
        guard let cookie = request.cookies[auth.loginCSRFCookie]?.value, Tokens.equal(cookie, form.csrf) else {
            return try await loginPage(request, email: form.email, errors: [lang.text("error.csrf")], status: .forbidden)
        }
        let email = form.email.trimmingCharacters(in: .whitespaces)
        guard try await auth.accounts.mayTry(email: email, client: client) else {
            return try await loginPage(request, email: form.email, errors: [lang.text("login.throttled")], status: .tooManyRequests)
        }
        guard let user = try await auth.accounts.verify(email: email, password: form.password) else {
            return try await loginPage(request, email: form.email, errors: [lang.text("login.failed")], status: .unauthorized)
        }
        let (token, _) = try await auth.accounts.startSession(for: user)
        var response = Page.redirect("/c")
        response.setCookie(auth.cookie(auth.sessionCookie, token, maxAge: Int(Session.lifetime)))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        let form = try await FormBody.read(CSRFForm.self, request)
        if let (_, session) = try await auth.current(request) {
            try checkCSRF(form.csrf, session, request)
            try await auth.accounts.endSession(session)
        }
        var response = Page.redirect("/login")
        response.setCookie(auth.cookie(auth.sessionCookie, "", maxAge: 0))
        return response
    }

    func passwordPage(_ request: Request, _ user: SignedIn, errors: [String] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let lang = Page.language(of: request)
        let context: [String: Any] = ["csrf": user.session.csrfToken, "email": user.coordinator.email, "errors": errors]
        return Page.html(try Page.render(.password, context, lang: lang, title: lang.text("password.title"), path: "/c/password"), status: status)
    }

    /// A new password, after the current one (so a session left open cannot take the
    /// account over); attempts count toward the login throttle of the account, and every
    /// other session of the coordinator ends.
    func changePassword(_ request: Request, _ user: SignedIn) async throws -> Response {
        let form = try await FormBody.read(PasswordForm.self, request)
        try checkCSRF(form.csrf, user.session, request)
        let lang = Page.language(of: request)
        func refuse(_ key: String, _ status: HTTPResponse.Status) async throws -> Response {
            try await passwordPage(request, user, errors: [lang.text(key)], status: status)
        }
        guard try await auth.accounts.mayTry(email: user.coordinator.email) else { return try await refuse("login.throttled", .tooManyRequests) }
        guard try await auth.accounts.verify(email: user.coordinator.email, password: form.current) != nil else {
            return try await refuse("password.wrong", .forbidden)
        }
        guard PasswordRule.accepts(form.newPassword) else { return try await refuse("password.tooShort", .unprocessableContent) }
        guard form.newPassword == form.repeated else { return try await refuse("password.mismatch", .unprocessableContent) }
        try await auth.accounts.setPassword(user.coordinator, form.newPassword, keeping: user.session)
        return try Page.message(status: .ok, heading: lang.text("password.title"), text: lang.text("password.changed"), lang: lang)
    }
}
