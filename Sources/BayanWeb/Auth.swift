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
    static let sessionCookie = "bayan_session"
    /// Double-submit cookie protecting the login form itself (login CSRF).
    static let loginCSRFCookie = "bayan_login_csrf"
    static let sessionLifetime: TimeInterval = 12 * 3600

    /// The signed-in coordinator and their session, or nil.
    func current(_ request: Request) async throws -> (Coordinator, Session)? {
        guard let token = request.cookies[Self.sessionCookie]?.value, !token.isEmpty else { return nil }
        do {
            let session = try await store.session(tokenHash: Tokens.hash(token))
            let coordinator = try await store.coordinator(id: session.coordinatorID)
            return coordinator.disabled ? nil : (coordinator, session)
        } catch StoreError.notFound {
            return nil
        }
    }

    /// Checks a password off the event loop (bcrypt is deliberately slow).
    func verify(email: String, password: String) async throws -> Coordinator? {
        let coordinator: Coordinator
        do { coordinator = try await store.coordinator(email: email) } catch StoreError.notFound {
            return nil
        }
        guard !coordinator.disabled else { return nil }
        let ok = try await NIOThreadPool.singleton.runIfActive { Passwords.verify(password, hash: coordinator.passwordHash) }
        return ok ? coordinator : nil
    }

    func startSession(for coordinator: Coordinator) async throws -> (token: String, session: Session) {
        let token = Tokens.make()
        let session = Session(
            tokenHash: Tokens.hash(token), coordinatorID: coordinator.id, csrfToken: Tokens.make(),
            expiresAt: clock().addingTimeInterval(Self.sessionLifetime))
        try await store.createSession(session)
        return (token, session)
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Whether a coordinator may see and change a statement: admins all, others those
    /// granted to them.
    func canManage(_ coordinator: Coordinator, statementID: String) async throws -> Bool {
        if coordinator.role == .admin { return true }
        return try await store.managedStatementIDs(coordinatorID: coordinator.id).contains(statementID)
    }

}
