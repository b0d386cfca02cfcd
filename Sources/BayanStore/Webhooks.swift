import BayanCore
import Foundation
import SQLKit

/// A hook leased for delivery, with what the deliverer needs and nobody else sees.
public struct ClaimedWebhook: Sendable {
    public var hook: Webhook
    public var slug: String
    /// The signing secret, opened with the contacts key.
    public var secret: String
}

/// Coordinators' webhooks (issue 17), migration 0017. The bookkeeping of deliveries goes
/// through `handle.transaction`, not `write`: it changes nothing a page shows, so it does
/// not bump the change count the public cache follows.
extension SQLStore {
    public func createWebhook(statementID: String, url: WebhookURL, secret: String, sendsContacts: Bool, fromStart: Bool)
        async throws(StoreError) -> Webhook
    {
        let env = self.env
        let seal = contacts
        return try await Self.wrap {
            try await self.write { db in
                let count = try await db.raw("SELECT COUNT(*) AS n FROM webhooks WHERE statement_id = \(bind: statementID)").first()!
                    .decode(column: "n", as: Int.self)
                guard count < Webhook.limit else { throw StoreError.conflict("a statement has at most \(Webhook.limit) webhooks") }
                let last = try await db.raw("SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE statement_id = \(bind: statementID)").first()!
                    .decode(column: "n", as: Int.self)
                let now = env.now()
                let hook = Webhook(
                    id: env.newID(), statementID: statementID, url: url, sendsContacts: sendsContacts, createdAt: now,
                    deliveredThrough: fromStart ? 0 : last, nextAttemptAt: now)
                try await db.raw(
                    """
                    INSERT INTO webhooks (id, statement_id, url, secret, sends_contacts, created_at, delivered_through, next_attempt_at)
                    VALUES (\(bind: hook.id), \(bind: statementID), \(bind: url.description), \(bind: seal.seal(secret)),
                      \(bind: sendsContacts ? 1 : 0), \(bind: now.millis), \(bind: hook.deliveredThrough), \(bind: now.millis))
                    """
                ).run()
                return hook
            }
        }
    }

    public func webhooks(of statementID: String) async throws(StoreError) -> [Webhook] {
        try await Self.wrap {
            try await self.handle.read { db in
                try await db.raw("SELECT * FROM webhooks WHERE statement_id = \(bind: statementID) ORDER BY created_at, id").all()
                    .map(Self.decodeWebhook)
            }
        }
    }

    public func deleteWebhook(statementID: String, id: String) async throws(StoreError) {
        try await Self.wrap {
            try await self.write { db in
                guard
                    try await db.raw("DELETE FROM webhooks WHERE id = \(bind: id) AND statement_id = \(bind: statementID) RETURNING id")
                        .first() != nil
                else { throw StoreError.notFound("webhook") }
            }
        }
    }

    /// Turns a disabled (or waiting) hook on again: delivery resumes at the event that failed.
    public func enableWebhook(statementID: String, id: String) async throws(StoreError) {
        let now = env.now().millis
        try await Self.wrap {
            try await self.write { db in
                guard
                    try await db.raw(
                        """
                        UPDATE webhooks SET disabled_at = NULL, disabled_reason = NULL, failures = 0, next_attempt_at = \(bind: now)
                        WHERE id = \(bind: id) AND statement_id = \(bind: statementID) RETURNING id
                        """
                    ).first() != nil
                else { throw StoreError.notFound("webhook") }
            }
        }
    }

    /// Leases up to `limit` enabled hooks that are due and have events past their cursor, for
    /// `lease` seconds. Each lease is taken by a conditional update, so of several instances
    /// polling at once exactly one gets a hook, and a crashed deliverer's lease expires.
    public func claimWebhooks(limit: Int, lease: TimeInterval) async throws(StoreError) -> [ClaimedWebhook] {
        let env = self.env
        let seal = contacts
        return try await Self.wrap {
            try await self.handle.transaction { db in
                // Polled every second: without an enabled hook, not even the clock is read.
                guard try await db.raw("SELECT id FROM webhooks WHERE disabled_at IS NULL LIMIT 1").first() != nil else { return [] }
                let now = env.now().millis
                let rows = try await db.raw(
                    """
                    SELECT w.*, s.slug AS statement_slug FROM webhooks w JOIN statements s ON s.id = w.statement_id
                    WHERE w.disabled_at IS NULL AND w.next_attempt_at <= \(bind: now)
                      AND (w.claimed_until IS NULL OR w.claimed_until < \(bind: now))
                      AND EXISTS (SELECT 1 FROM events e WHERE e.statement_id = w.statement_id AND e.seq > w.delivered_through)
                    ORDER BY w.next_attempt_at LIMIT \(bind: limit)
                    """
                ).all()
                var claimed: [ClaimedWebhook] = []
                for row in rows {
                    let hook = try Self.decodeWebhook(row)
                    let taken = try await db.raw(
                        """
                        UPDATE webhooks SET claimed_until = \(bind: now + Int64(lease * 1000))
                        WHERE id = \(bind: hook.id) AND (claimed_until IS NULL OR claimed_until < \(bind: now)) RETURNING id
                        """
                    ).first()
                    guard taken != nil else { continue }
                    claimed.append(
                        ClaimedWebhook(
                            hook: hook, slug: try row.decode(column: "statement_slug", as: String.self),
                            secret: try seal.open(try row.decode(column: "secret", as: String.self))))
                }
                return claimed
            }
        }
    }

    /// The receiver acknowledged every event up to `sequence`.
    public func recordWebhookDelivery(id: String, through sequence: Int) async throws(StoreError) {
        let now = env.now().millis
        try await Self.wrap {
            try await self.handle.transaction { db in
                try await db.raw(
                    """
                    UPDATE webhooks SET delivered_through = \(bind: sequence), failures = 0, last_error = NULL,
                      last_delivered_at = \(bind: now), next_attempt_at = \(bind: now)
                    WHERE id = \(bind: id) AND delivered_through < \(bind: sequence)
                    """
                ).run()
            }
        }
    }

    /// A delivery failed: the next attempt waits `retryAfter`; `disable` gives the hook up
    /// with the error as its reason. The lease is released either way.
    public func recordWebhookFailure(id: String, error: String, retryAfter: TimeInterval, disable: Bool) async throws(StoreError) {
        let now = env.now().millis
        let error = String(error.prefix(300))
        try await Self.wrap {
            try await self.handle.transaction { db in
                try await db.raw(
                    """
                    UPDATE webhooks SET failures = failures + 1, last_error = \(bind: error), claimed_until = NULL,
                      next_attempt_at = \(bind: now + Int64(retryAfter * 1000)),
                      disabled_at = \(bind: disable ? now : nil), disabled_reason = \(bind: disable ? error : nil)
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
    }

    /// Ends a lease early: the deliverer is done with the hook for this pass.
    public func releaseWebhook(id: String) async throws(StoreError) {
        try await Self.wrap {
            try await self.handle.transaction { db in
                try await db.raw("UPDATE webhooks SET claimed_until = NULL WHERE id = \(bind: id)").run()
            }
        }
    }

    /// The statement's sign-ons with these ids, contacts opened (a hook that sends contacts).
    public func endorsements(ids: [String], of statementID: String) async throws(StoreError) -> [Endorsement] {
        guard !ids.isEmpty else { return [] }
        let seal = contacts
        return try await Self.wrap {
            try await self.handle.read { db in
                var out: [Endorsement] = []
                for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                    out += try await db.raw(
                        "SELECT * FROM endorsements WHERE statement_id = \(bind: statementID) AND id IN (\(binds: chunk)) ORDER BY created_at, id"
                    ).all().map { try Self.decodeEndorsement($0, seal) }
                }
                return out
            }
        }
    }

    static func decodeWebhook(_ row: any SQLRow) throws -> Webhook {
        Webhook(
            id: try row.decode(column: "id", as: String.self), statementID: try row.decode(column: "statement_id", as: String.self),
            url: WebhookURL(stored: try row.decode(column: "url", as: String.self)),
            sendsContacts: try row.decode(column: "sends_contacts", as: Int.self) != 0,
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            deliveredThrough: try row.decode(column: "delivered_through", as: Int.self),
            failures: try row.decode(column: "failures", as: Int.self),
            nextAttemptAt: Date(millis: try row.decode(column: "next_attempt_at", as: Int64.self)),
            lastError: try row.decode(column: "last_error", as: String?.self),
            lastDeliveredAt: try row.decode(column: "last_delivered_at", as: Int64?.self).map(Date.init(millis:)),
            disabledAt: try row.decode(column: "disabled_at", as: Int64?.self).map(Date.init(millis:)),
            disabledReason: try row.decode(column: "disabled_reason", as: String?.self))
    }
}
