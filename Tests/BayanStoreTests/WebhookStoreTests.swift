import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import SQLKit
import Testing

/// Issue 17: webhooks follow the statement's log with a cursor each; a hook is leased to one
/// deliverer at a time, a failure keeps the cursor, a disabled hook waits for a coordinator.
@Suite struct WebhookStore {
    @Test(arguments: TestDatabase.available)
    func hooksFollowTheLogOneLeaseAtATime(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            let other = try await store.createStatement(
                slug: try Slug("other"), language: "ar", title: "بيان آخر", body: "نص", author: "admin")
            let logged = try await store.events(of: record.id).count
            let url = try WebhookURL("https://hooks.example.org/bayan", allowLocal: false)
            let upcoming = try await store.createWebhook(
                statementID: record.id, url: url, secret: "whsec_upcoming", sendsContacts: false, fromStart: false)
            let everything = try await store.createWebhook(
                statementID: record.id, url: url, secret: "whsec_all", sendsContacts: true, fromStart: true)
            #expect(upcoming.deliveredThrough == logged && everything.deliveredThrough == 0)

            // Only the hook behind the log is due, with its secret opened and the slug.
            var claimed = try await store.claimWebhooks(limit: 10, lease: 60)
            #expect(claimed.map(\.hook.id) == [everything.id])
            #expect(claimed.first?.secret == "whsec_all" && claimed.first?.slug == record.slug)
            // Leased: another instance polling now gets nothing.
            #expect(try await store.claimWebhooks(limit: 10, lease: 60).isEmpty)
            try await store.recordWebhookDelivery(id: everything.id, through: logged)
            try await store.releaseWebhook(id: everything.id)
            #expect(try await store.claimWebhooks(limit: 10, lease: 60).isEmpty, "caught up: nothing is due")

            // A new event makes both due.
            let hash = try await store.currentVersion(of: record.id).contentHash
            let later = try await store.addEndorsement(
                statementID: record.id,
                NewEndorsement(signerKind: .organization, displayName: "رابطة لاحقة", contact: "later@example.org", versionHash: hash))
            claimed = try await store.claimWebhooks(limit: 10, lease: 60)
            #expect(Set(claimed.map(\.hook.id)) == [upcoming.id, everything.id])
            try await store.recordWebhookFailure(id: upcoming.id, error: "the receiver answered HTTP 500", retryAfter: 0, disable: false)
            try await store.recordWebhookFailure(id: upcoming.id, error: "the receiver answered HTTP 500", retryAfter: 0, disable: true)
            try await store.recordWebhookDelivery(id: everything.id, through: logged + 1)
            // An older acknowledgement never moves the cursor back.
            try await store.recordWebhookDelivery(id: everything.id, through: logged)
            try await store.releaseWebhook(id: everything.id)
            var hooks = try await store.webhooks(of: record.id)
            let stopped = try #require(hooks.first { $0.id == upcoming.id })
            #expect(!stopped.isEnabled && stopped.failures == 2 && stopped.deliveredThrough == logged)
            #expect(stopped.disabledReason == "the receiver answered HTTP 500")
            #expect(hooks.first { $0.id == everything.id }?.deliveredThrough == logged + 1)
            #expect(hooks.first { $0.id == everything.id }?.lastDeliveredAt != nil)
            #expect(try await store.claimWebhooks(limit: 10, lease: 60).isEmpty, "a disabled hook is not delivered")

            // Turned on again, it resumes at the event that failed.
            try await store.enableWebhook(statementID: record.id, id: upcoming.id)
            claimed = try await store.claimWebhooks(limit: 10, lease: 60)
            #expect(claimed.map(\.hook.id) == [upcoming.id] && claimed.first?.hook.deliveredThrough == logged)
            #expect(claimed.first?.hook.failures == 0 && claimed.first?.hook.isEnabled == true)

            // The secret is sealed like a contact, and the sign-on's contact opens for a hook.
            let stored = try await store.handle.read { db in
                try await db.raw("SELECT secret FROM webhooks").all().map { try $0.decode(column: "secret", as: String.self) }
            }
            #expect(stored.allSatisfy { $0.hasPrefix(ContactSeal.prefix) && !$0.contains("whsec") })
            #expect(try await store.contactsNotSealed() == 0)
            let named = try await store.endorsements(ids: [later.id, "missing"], of: record.id)
            #expect(named.map(\.contact) == ["later@example.org"])
            #expect(try await store.endorsements(ids: [later.id], of: other.id).isEmpty)

            // Another statement's hook is not this one's to change; at most Webhook.limit each.
            await #expect(throws: StoreError.notFound("webhook")) {
                try await store.deleteWebhook(statementID: other.id, id: upcoming.id)
            }
            for _ in hooks.count..<Webhook.limit {
                _ = try await store.createWebhook(statementID: record.id, url: url, secret: "s", sendsContacts: false, fromStart: false)
            }
            await #expect(throws: StoreError.self) {
                try await store.createWebhook(statementID: record.id, url: url, secret: "s", sendsContacts: false, fromStart: false)
            }
            try await store.deleteWebhook(statementID: record.id, id: upcoming.id)
            hooks = try await store.webhooks(of: record.id)
            #expect(hooks.count == Webhook.limit - 1 && !hooks.contains { $0.id == upcoming.id })
        }
    }
}
