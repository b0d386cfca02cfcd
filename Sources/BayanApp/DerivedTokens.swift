import BayanCore
import BayanStore
import Crypto
import Foundation
import Synchronization

/// Capability tokens computed from a submission's one-use key (an invitation token, a form
/// stamp, a form key) and the instance secret. A retried submission, whose first answer was
/// lost on a poor connection, recomputes exactly the links that answer carried, while the
/// database still keeps only their hashes. Holding the key is what made the first
/// submission possible, so it grants nothing more.
public final class DerivedTokens: Sendable {
    let store: any Store
    private let cached = Mutex<(String, SymmetricKey)?>(nil)

    public init(store: any Store) { self.store = store }

    /// The HMAC key made from the store's secret, derived once per secret.
    public func key() async throws -> SymmetricKey {
        let secret = try await store.secret()
        return cached.withLock { cached in
            if let cached, cached.0 == secret { return cached.1 }
            let key = SymmetricKey(data: Data(secret.utf8))
            cached = (secret, key)
            return key
        }
    }

    /// `purpose` keeps tokens made from one key for different uses apart ("signer",
    /// "confirm", "invitation 3"). With `orderedAt`, the token carries the time prefix of
    /// `Tokens.makeOrdered`, so the token indexes still grow at their end in a burst.
    public func token(_ purpose: String, from submissionKey: String, orderedAt: Date? = nil) async throws -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(purpose)|\(submissionKey)".utf8), using: try await key())
        let random = Tokens.base64url(Array(code))
        guard let orderedAt else { return random }
        return Tokens.timePrefix(at: orderedAt) + random
    }
}

extension DerivedTokens {
    /// `token(purpose, from:)` for the application layer: a failure to read the secret is
    /// the server's (`.failed`), never the user's.
    func derive(_ purpose: String, from key: String) async throws(AppError) -> String {
        do { return try await token(purpose, from: key) } catch let error as StoreError { throw AppError(error) } catch {
            throw AppError(.failed, "error.body", "deriving a token: \(error)")
        }
    }
}
