import AsyncHTTPClient
import BayanCore
import BayanStore
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers every statement's events to its webhooks, in the background: leases the hooks
/// that are due and behind their log, POSTs each missing event in order, signed
/// (`WebhookSignature`), and moves the hook's cursor on a 2xx answer. Any other answer, a
/// refused connection or a timeout is a failure: the hook waits (`WebhookRetryPolicy`)
/// and resumes at the same event, so a receiver that was down gets everything once it is
/// back; one that keeps failing is disabled with the reason. Redirects are not followed
/// (the registered address is the only one reached). Requests never wait for a hook.
public struct WebhookService: Service {
    let store: any Store
    let policy: WebhookRetryPolicy
    /// `BAYAN_WEBHOOK_ALLOW_LOCAL`: without it, a receiver whose name resolves to a
    /// loopback or private address is not contacted.
    let allowLocal: Bool
    let logger: Logger
    let pollInterval: Duration
    let now: @Sendable () -> Date
    /// Events sent to one hook per lease; the lease (seconds) outlasts that many timeouts.
    let batch = 50
    let lease: TimeInterval = 15 * 60
    static let timeout = TimeAmount.seconds(10)

    public init(
        store: any Store, policy: WebhookRetryPolicy = WebhookRetryPolicy(), allowLocal: Bool = false,
        logger: Logger = Logger(label: "bayan.webhooks"),
        pollInterval: Duration = .seconds(1), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.policy = policy
        self.allowLocal = allowLocal
        self.logger = logger
        self.pollInterval = pollInterval
        self.now = now
    }

    /// The client every delivery uses: no redirects, short timeouts.
    public static func makeClient() -> HTTPClient {
        HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: timeout)))
    }

    public func run() async throws {
        let client = Self.makeClient()
        // A shutdown stops the wait at once (a delivery cut short is simply sent again later).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await deliverDue(with: client)
                } catch {
                    logger.error("webhook delivery failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: pollInterval)
            }
        }
        try? await client.shutdown()
    }

    /// One pass: every due hook gets the events it is missing (up to `batch` each), hooks
    /// side by side, each one's events in order. Returns how many events were delivered.
    @discardableResult
    public func deliverDue(with client: HTTPClient) async throws -> Int {
        var total = 0
        // A pass that filled a batch claims again at once: a backlog (a hook added with the
        // whole log, a receiver back after hours) drains without waiting a poll per batch.
        while !Task.isCancelled {
            let claimed = try await store.claimWebhooks(limit: 20, lease: lease)
            let counts = await withTaskGroup(of: Int.self) { group in
                for hook in claimed { group.addTask { await deliver(hook, with: client) } }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            total += counts.reduce(0, +)
            guard counts.contains(batch) else { break }
        }
        return total
    }

    enum Failure: Error, CustomStringConvertible {
        case status(UInt)
        case localAddress
        case unresolved
        var description: String {
            switch self {
            case .status(let code): "the receiver answered HTTP \(code)"
            case .localAddress: "the receiver's name leads inside the server's own network"
            case .unresolved: "the receiver's name does not resolve"
            }
        }
    }

    func deliver(_ claimed: ClaimedWebhook, with client: HTTPClient) async -> Int {
        let hook = claimed.hook
        var delivered = 0
        var failures = hook.failures
        do {
            let events = try await store.events(of: hook.statementID, from: hook.deliveredThrough + 1, limit: batch)
            for event in events {
                let signers: [Endorsement]? =
                    hook.sendsContacts
                    ? try await store.endorsements(ids: WebhookDelivery.endorsementIDs(of: event), of: hook.statementID) : nil
                let delivery = WebhookDelivery(statementID: hook.statementID, slug: claimed.slug, event: event, signers: signers)
                do {
                    try await post(delivery, to: hook.url, secret: claimed.secret, with: client)
                } catch {
                    // Stopping is not the receiver's failure: the event is sent again after the start.
                    if Task.isCancelled {
                        try? await store.releaseWebhook(id: hook.id)
                        return delivered
                    }
                    failures += 1
                    let disable = policy.givesUp(afterFailures: failures)
                    let reason = Self.describe(error)
                    Counter(label: "bayan_webhook_failures", dimensions: [("disabled", "\(disable)")]).increment()
                    logger.warning(
                        "webhook not delivered",
                        metadata: [
                            "hook": "\(hook.id)", "event": "\(delivery.id)", "failures": "\(failures)", "disabled": "\(disable)",
                            "error": "\(reason)",
                        ])
                    try await store.recordWebhookFailure(
                        id: hook.id, error: reason, retryAfter: policy.delay(afterFailures: failures), disable: disable)
                    return delivered
                }
                try await store.recordWebhookDelivery(id: hook.id, through: event.sequence)
                Counter(label: "bayan_webhook_deliveries").increment()
                failures = 0
                delivered += 1
            }
            try await store.releaseWebhook(id: hook.id)
        } catch {
            // The database failed, not the receiver: the lease expires and a later pass retries.
            logger.error("webhook bookkeeping failed", metadata: ["hook": "\(hook.id)", "error": "\(error)"])
        }
        return delivered
    }

    func post(_ delivery: WebhookDelivery, to url: WebhookURL, secret: String, with client: HTTPClient) async throws {
        if !allowLocal {
            let addresses = try await ResolvedAddresses.of(host: url.host)
            guard !addresses.isEmpty else { throw Failure.unresolved }
            guard !addresses.contains(where: WebhookURL.isLocalAddress) else { throw Failure.localAddress }
        }
        let body = delivery.body
        var request = HTTPClientRequest(url: url.description)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Bayan-Webhooks/1")
        request.headers.add(name: "Bayan-Event", value: delivery.id)
        request.headers.add(name: "Bayan-Event-Kind", value: delivery.kind)
        let timestamp = Int64(now().timeIntervalSince1970)
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(secret: secret, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: Self.timeout)
        // The answer's body is read (bounded) and dropped: it is not Bayan's to keep.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else { throw Failure.status(response.status.code) }
    }

    /// A failure as the coordinator reads it: short, no internals beyond the network's words.
    static func describe(_ error: any Error) -> String {
        if let failure = error as? Failure { return failure.description }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout, .readTimeout, .deadlineExceeded: return "the receiver did not answer in time"
            default: return "the request failed: \(client)"
            }
        }
        let text = "\(error)"
        if text.contains("refused") { return "the receiver refused the connection" }
        return "the request failed: \(text.prefix(200))"
    }
}
