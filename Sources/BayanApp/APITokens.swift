import BayanCore
import BayanStore
import Foundation

/// API tokens (issue 17): made, listed and revoked by a coordinator, and the one place a
/// bearer token becomes an actor, checked against the token's statements and scope before
/// the usual access rule (`manage`). The API edge calls only these.
extension Coordination {
    /// A new token for `actor` (a coordinator), limited to `slugs` (each one it manages;
    /// none for all of them) and to reading unless `write`, valid `days`. The token is
    /// returned once; only its hash is kept.
    public func createAPIToken(by actor: Actor, name: String, slugs: [String], write: Bool, days: Int) async throws(AppError)
        -> (token: String, record: APIToken)
    {
        guard case .coordinator(let coordinator) = actor else {
            throw AppError(.forbidden, "error.forbidden", "tokens belong to coordinators")
        }
        guard APIToken.allowedDays.contains(days) else { throw AppError(.invalidInput, "api.tokenDays", "tokens last 1 to 365 days") }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw AppError(.invalidInput, "api.tokenName", "a token needs a short name") }
        var ids: Set<String> = []
        for slug in slugs { ids.insert(try await manage(slug: slug, by: actor).id) }
        let token = "bayan_" + Tokens.make()
        let store = self.store
        let expiry = now().addingTimeInterval(Double(days) * 86_400)
        let record = try await attempt { () async throws(StoreError) in
            try await store.createAPIToken(
                coordinatorID: coordinator.id, name: trimmed, tokenHash: Tokens.hash(token), statementIDs: ids, mayWrite: write,
                expiresAt: expiry)
        }
        return (token, record)
    }

    public func apiTokens(of actor: Actor) async throws(AppError) -> [APIToken] {
        guard case .coordinator(let coordinator) = actor else { return [] }
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.apiTokens(coordinatorID: coordinator.id) }
    }

    public func revokeAPIToken(id: String, by actor: Actor) async throws(AppError) {
        guard case .coordinator(let coordinator) = actor else { throw AppError(.forbidden, "error.forbidden", "not a coordinator") }
        let store = self.store
        try await attempt { () async throws(StoreError) in try await store.revokeAPIToken(id: id, coordinatorID: coordinator.id) }
    }

    /// The coordinator `bearer` speaks for, if the token may act on `statementID` (nil: a
    /// new statement) for reading or `write`. An unknown, revoked or expired token is
    /// `api.tokenRefused`; a token for other statements or read-only is `api.tokenScope`.
    public func actor(bearer: String, statementID: String?, write: Bool) async throws(AppError) -> Actor {
        let token = try await usableToken(bearer)
        if let refusal = token.refusal(statementID: statementID, write: write, at: now()) {
            throw AppError(.forbidden, "api.tokenScope", "token \(refusal.rawValue)")
        }
        let store = self.store
        let coordinator = try await attempt { () async throws(StoreError) in try await store.coordinator(id: token.coordinatorID) }
        return .coordinator(coordinator)
    }

    /// The statement `slug` for a token's holder: the token first (an unknown token learns
    /// nothing, not even whether the statement exists), its scope, then `manage`'s rule.
    public func manage(slug: String, bearer: String, write: Bool) async throws(AppError) -> ManagedStatement {
        _ = try await usableToken(bearer)
        let store = self.store
        let record = try await attempt { () async throws(StoreError) in try await store.statement(slug: slug) }
        return try await manage(slug: slug, by: try await actor(bearer: bearer, statementID: record.id, write: write))
    }

    func usableToken(_ bearer: String) async throws(AppError) -> APIToken {
        let store = self.store
        let token: APIToken
        do { token = try await store.apiToken(tokenHash: Tokens.hash(bearer)) } catch {
            if case .notFound = error { throw AppError(.forbidden, "api.tokenRefused", "unknown token") }
            throw AppError(error)
        }
        if let refusal = token.unusable(at: now()) { throw AppError(.forbidden, "api.tokenRefused", "token \(refusal.rawValue)") }
        return token
    }
}
