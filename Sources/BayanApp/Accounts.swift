import BayanCore
import BayanStore
import Foundation
import NIOPosix

/// Coordinators' accounts: bcrypt password hashes, server-side sessions stored (hashed) in
/// the database so several instances share them, each with its CSRF token, and the login
/// throttles. The web's `Auth` adds only the cookies.
public struct Accounts: Sendable {
    let store: any Store
    let clock: @Sendable () -> Date
    /// bcrypt's cost for new passwords (`BAYAN_BCRYPT_COST`, 12; tests use 4).
    let bcryptCost: UInt8

    public init(store: any Store, clock: @escaping @Sendable () -> Date, bcryptCost: UInt8 = Passwords.defaultCost) {
        self.store = store
        self.clock = clock
        self.bcryptCost = bcryptCost
    }

    /// Attempts per account in `loginWindow`, whatever their outcome: enough for a person
    /// who mistypes, too few to guess a password (issue 12). Counted in the database, so
    /// every instance shares them.
    public static let loginAttempts = 10
    public static let loginWindow: TimeInterval = 15 * 60
    /// Attempts from one client address in `loginWindow`, at any accounts: someone
    /// trying one common password on every account is stopped too.
    public static let loginAttemptsPerClient = 30

    /// The coordinator a session token belongs to, or nil. A session idle for too long
    /// ends here (and is deleted); an active one records the request every few minutes.
    public func signedIn(sessionToken token: String) async throws -> (Coordinator, Session)? {
        guard let session = try await found({ () async throws(StoreError) in try await store.session(tokenHash: Tokens.hash(token)) }) else {
            return nil
        }
        let now = clock()
        guard session.isLive(at: now) else {
            try await store.deleteSession(tokenHash: session.tokenHash)
            return nil
        }
        if session.needsTouch(at: now) { try await store.touchSession(tokenHash: session.tokenHash, at: now) }
        guard let coordinator = try await found({ () async throws(StoreError) in try await store.coordinator(id: session.coordinatorID) }),
            !coordinator.disabled
        else { return nil }
        return (coordinator, session)
    }

    /// Whether another attempt at this account, from this client, is allowed now.
    public func mayTry(email: String, client: String? = nil) async throws -> Bool {
        if let client, try await !store.allow(bucket: "login-ip:\(client)", window: Self.loginWindow, limit: Self.loginAttemptsPerClient) {
            return false
        }
        return try await store.allow(
            bucket: "login:\(store.contactLookupKey(email.lowercased()))", window: Self.loginWindow, limit: Self.loginAttempts)
    }

    /// A hash to check unknown and disabled accounts against, so they take as long as real
    /// ones and cannot be told apart by timing.
    static let decoyHash = Passwords.hash(Tokens.make())

    /// Checks a password off the caller's thread (bcrypt is deliberately slow).
    public func verify(email: String, password: String) async throws -> Coordinator? {
        let coordinator = try await found { () async throws(StoreError) in try await store.coordinator(email: email) }
        let usable = coordinator.flatMap { $0.disabled ? nil : $0 }
        let hash = usable?.passwordHash ?? Self.decoyHash
        let ok = try await NIOThreadPool.singleton.runIfActive { Passwords.verify(password, hash: hash) }
        return ok ? usable : nil
    }

    /// Hashes off the caller's thread, then stores; every other session of theirs ends.
    public func setPassword(_ coordinator: Coordinator, _ password: String, keeping session: Session) async throws {
        let cost = bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Passwords.hash(password, cost: cost) }
        try await store.setPassword(email: coordinator.email, passwordHash: hash, keeping: session.tokenHash)
    }

    /// A new session: the token (for the cookie, never stored) and its record.
    public func startSession(for coordinator: Coordinator) async throws -> (token: String, session: Session) {
        let token = Tokens.make()
        let session = Session(
            tokenHash: Tokens.hash(token), coordinatorID: coordinator.id, csrfToken: Tokens.make(),
            expiresAt: clock().addingTimeInterval(Session.lifetime), lastSeenAt: clock())
        try await store.createSession(session)
        return (token, session)
    }

    /// Signs out: the session is deleted, so its cookie opens nothing anywhere.
    public func endSession(_ session: Session) async throws { try await store.deleteSession(tokenHash: session.tokenHash) }
}
