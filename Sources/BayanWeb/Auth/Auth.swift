import BayanApp
import BayanCore
import BayanStore
import Foundation
import Hummingbird
import NIOPosix

/// Coordinator login: bcrypt password hashes, server-side sessions stored (hashed) in
/// the database so several instances can share them, and a CSRF token per session.
struct Auth: Sendable {
    let store: any Store
    let secureCookies: Bool
    let clock: @Sendable () -> Date
    /// bcrypt's cost for new passwords (`BAYAN_BCRYPT_COST`, 12; tests use 4).
    var bcryptCost = Passwords.defaultCost
    /// With `Secure`, the `__Host-` prefix: the browser then refuses the cookie unless it
    /// came over HTTPS for this exact host and path `/`, so no subdomain can plant one.
    var sessionCookie: String { secureCookies ? "__Host-bayan_session" : "bayan_session" }
    /// Double-submit cookie protecting the login form itself (login CSRF).
    var loginCSRFCookie: String { secureCookies ? "__Host-bayan_login_csrf" : "bayan_login_csrf" }
    /// The signed-in coordinator and their session, or nil. A session idle for too long
    /// ends here (and is deleted); an active one records the request every few minutes.
    func current(_ request: Request) async throws -> (Coordinator, Session)? {
        guard let token = request.cookies[sessionCookie]?.value, !token.isEmpty else { return nil }
        do {
            let session = try await store.session(tokenHash: Tokens.hash(token))
            let now = clock()
            guard session.isLive(at: now) else {
                try await store.deleteSession(tokenHash: session.tokenHash)
                return nil
            }
            if session.needsTouch(at: now) { try await store.touchSession(tokenHash: session.tokenHash, at: now) }
            let coordinator = try await store.coordinator(id: session.coordinatorID)
            return coordinator.disabled ? nil : (coordinator, session)
        } catch StoreError.notFound {
            return nil
        }
    }

    /// Attempts per account in `loginWindow`, whatever their outcome: enough for a person
    /// who mistypes, too few to guess a password (issue 12). Counted in the database, so
    /// every instance shares them.
    static let loginAttempts = 10
    static let loginWindow: TimeInterval = 15 * 60

    /// Attempts from one client address in `loginWindow`, at any accounts: someone
    /// trying one common password on every account is stopped too.
    static let loginAttemptsPerClient = 30

    /// Whether another attempt at this account, from this client, is allowed now.
    func mayTry(email: String, client: String? = nil) async throws -> Bool {
        if let client, try await !store.allow(bucket: "login-ip:\(client)", window: Self.loginWindow, limit: Self.loginAttemptsPerClient) {
            return false
        }
        return try await store.allow(bucket: "login:\(Tokens.hash(email.lowercased()))", window: Self.loginWindow, limit: Self.loginAttempts)
    }

    /// A hash to check unknown and disabled accounts against, so they take as long as real
    /// ones and cannot be told apart by timing.
    static let decoyHash = Passwords.hash(Tokens.make())

    /// Checks a password off the event loop (bcrypt is deliberately slow).
    func verify(email: String, password: String) async throws -> Coordinator? {
        let coordinator = try await found { () async throws(StoreError) in try await store.coordinator(email: email) }
        let usable = coordinator.flatMap { $0.disabled ? nil : $0 }
        let hash = usable?.passwordHash ?? Self.decoyHash
        let ok = try await NIOThreadPool.singleton.runIfActive { Passwords.verify(password, hash: hash) }
        return ok ? usable : nil
    }

    /// Hashes off the event loop, then stores; every other session of theirs ends.
    func setPassword(_ coordinator: Coordinator, _ password: String, keeping session: Session) async throws {
        let cost = bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Passwords.hash(password, cost: cost) }
        try await store.setPassword(email: coordinator.email, passwordHash: hash, keeping: session.tokenHash)
    }

    func startSession(for coordinator: Coordinator) async throws -> (token: String, session: Session) {
        let token = Tokens.make()
        let session = Session(
            tokenHash: Tokens.hash(token), coordinatorID: coordinator.id, csrfToken: Tokens.make(),
            expiresAt: clock().addingTimeInterval(Session.lifetime), lastSeenAt: clock())
        try await store.createSession(session)
        return (token, session)
    }

    /// Signs out: the session is deleted, so its cookie opens nothing anywhere.
    func endSession(_ session: Session) async throws { try await store.deleteSession(tokenHash: session.tokenHash) }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

}
