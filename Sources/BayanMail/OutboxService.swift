import BayanStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Delivers the outbox in the background: claims due messages (a lease, so several
/// instances never send one message twice at once), sends them, and records the outcome.
/// A relay that is down or answers 4xx means a retry with exponential back-off; a 5xx
/// answer, or too many attempts, gives the message up. Requests never wait for mail.
public struct OutboxService: Service {
    let store: any Store
    let client: SMTPClient
    let logger: Logger
    let pollInterval: Duration
    let retryBase: TimeInterval
    let maximumAttempts: Int
    /// Mail sent in any hour (`JoinPolicy.mailPerHour`): past it the outbox waits.
    let perHour: Int

    public init(
        store: any Store, client: SMTPClient, logger: Logger = Logger(label: "bayan.mail"),
        pollInterval: Duration = .seconds(1), retryBase: TimeInterval = 30, maximumAttempts: Int = 10, perHour: Int
    ) {
        self.perHour = perHour
        self.store = store
        self.client = client
        self.logger = logger
        self.pollInterval = pollInterval
        self.retryBase = retryBase
        self.maximumAttempts = maximumAttempts
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await deliverDue()
            } catch {
                logger.error("outbox delivery failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// One pass over the due messages; returns how many were sent.
    @discardableResult
    public func deliverDue() async throws -> Int {
        Gauge(label: "bayan_outbox_waiting").record(try await store.outboxCounts().waiting)
        let due = try await store.claimOutbox(limit: 20, lease: 120, perHour: perHour)
        var sent = 0
        for message in due {
            let failure: SMTPError?
            do {
                try await client.send(to: message.recipient, subject: message.subject, body: message.body)
                failure = nil
            } catch {
                failure = error
            }
            if failure == nil {
                try await store.recordDelivery(id: message.id, .sent)
                Counter(label: "bayan_mail_sent").increment()
                sent += 1
            } else if let error = failure {
                let attempts = message.attempts + 1
                let permanent = error.isPermanent || attempts >= maximumAttempts
                let retryAfter = min(retryBase * pow(2, Double(attempts - 1)), 3600)
                // Relays quote the recipient in their replies: kept out of logs and the database.
                let reply = Self.withoutAddresses(error.description)
                Counter(label: "bayan_mail_failures", dimensions: [("permanent", "\(permanent)")]).increment()
                // The recipient is contact data: it stays out of the log.
                logger.warning(
                    "mail not delivered",
                    metadata: [
                        "message": "\(message.id)", "attempt": "\(attempts)",
                        "permanent": "\(permanent)", "error": "\(reply)",
                    ])
                try await store.recordDelivery(id: message.id, .failed(error: reply, retryAfter: retryAfter, permanent: permanent))
            }
        }
        return sent
    }

    /// A relay's reply with every word that holds an `@` (an address, `<a@b>`) replaced.
    static func withoutAddresses(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).map { $0.contains("@") ? "[address]" : String($0) }
            .joined(separator: " ")
    }
}
