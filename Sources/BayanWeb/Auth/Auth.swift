import BayanApp
import BayanCore
import BayanStore
import Foundation
import Hummingbird

/// The web side of coordinators' accounts (`Accounts`): the session and login-CSRF cookies.
struct Auth: Sendable {
    let accounts: Accounts
    let secureCookies: Bool
    /// With `Secure`, the `__Host-` prefix: the browser then refuses the cookie unless it
    /// came over HTTPS for this exact host and path `/`, so no subdomain can plant one.
    var sessionCookie: String { secureCookies ? "__Host-bayan_session" : "bayan_session" }
    /// Double-submit cookie protecting the login form itself (login CSRF).
    var loginCSRFCookie: String { secureCookies ? "__Host-bayan_login_csrf" : "bayan_login_csrf" }

    /// The signed-in coordinator and their session, or nil.
    func current(_ request: Request) async throws -> (Coordinator, Session)? {
        guard let token = request.cookies[sessionCookie]?.value, !token.isEmpty else { return nil }
        return try await accounts.signedIn(sessionToken: token)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }
}
