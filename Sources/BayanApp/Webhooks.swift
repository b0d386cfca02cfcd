import BayanCore
import BayanStore
import Foundation

/// Webhooks (issue 17): a statement's coordinators register receivers of its events. The
/// delivery itself is `WebhookService` (BayanHooks), reading the same log.
extension Coordination {
    /// Registers `address` for the statement. The secret that signs deliveries is returned
    /// once, for the coordinator to give the receiver; it is kept sealed with the contacts
    /// key. `allowLocal` (the instance's setting) admits loopback and private addresses.
    public func addWebhook(_ s: ManagedStatement, address: String, sendsContacts: Bool, fromStart: Bool, allowLocal: Bool)
        async throws(AppError) -> (secret: String, hook: Webhook)
    {
        let url: WebhookURL
        do { url = try WebhookURL(address, allowLocal: allowLocal) } catch {
            throw AppError(.invalidInput, error.messageKey, "the webhook address is refused: \(error)")
        }
        let secret = WebhookSignature.newSecret()
        let hook: Webhook
        do {
            hook = try await store.createWebhook(statementID: s.id, url: url, secret: secret, sendsContacts: sendsContacts, fromStart: fromStart)
        } catch .conflict(let detail) {
            // The store counts the statement's hooks in the same transaction: its one conflict is the limit.
            throw AppError(.invalidInput, "webhook.tooMany", detail)
        } catch {
            throw AppError(error)
        }
        return (secret, hook)
    }

    /// How many events the statement's log holds (from its revision, without reading the log).
    public func eventCount(_ s: ManagedStatement) async throws(AppError) -> Int {
        let store = self.store
        return Revision.eventCount(try await attempt { () async throws(StoreError) in try await store.revision(slug: s.slug) })
    }

    public func webhooks(_ s: ManagedStatement) async throws(AppError) -> [Webhook] {
        let store = self.store
        return try await attempt { () async throws(StoreError) in try await store.webhooks(of: s.id) }
    }

    public func removeWebhook(_ s: ManagedStatement, id: String) async throws(AppError) {
        let store = self.store
        try await attempt { () async throws(StoreError) in try await store.deleteWebhook(statementID: s.id, id: id) }
    }

    /// Turns a hook that gave up on again; the events it missed follow in order.
    public func enableWebhook(_ s: ManagedStatement, id: String) async throws(AppError) {
        let store = self.store
        try await attempt { () async throws(StoreError) in try await store.enableWebhook(statementID: s.id, id: id) }
    }
}
