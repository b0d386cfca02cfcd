import BayanCore
import BayanHooks
import BayanStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import BayanWeb

/// What a receiver saw: each delivery's event id, kind, body and whether its signature held.
final class Receiver: Sendable {
    struct Delivery: Sendable {
        let id: String
        let kind: String
        let bytes: [UInt8]
        let signature: String
        let at: Date
        var body: String { String(decoding: bytes, as: UTF8.self) }
        /// Checked after the fact: the first deliveries may arrive before the test has read
        /// the secret from the page.
        func isSigned(with secret: String) -> Bool {
            WebhookSignature.verify(header: signature, secret: secret, body: bytes, now: at)
        }
    }
    let deliveries = Mutex<[String: [Delivery]]>([:])

    /// Paths that answer 500 to everything.
    let failing: Set<String>

    init(failing: Set<String>) { self.failing = failing }

    func received(_ path: String) -> [Delivery] { deliveries.withLock { $0[path] ?? [] } }

    /// A receiver on loopback (`port` 0: any free one); returns the task running it and its port.
    func start(port: Int) async throws -> (Task<Void, any Error>, Int) {
        let router = Router()
        router.post("{path}") { request, context -> Response in
            let path = try context.parameters.require("path")
            let body = try await request.body.collect(upTo: 1 << 20)
            let delivery = Delivery(
                id: request.headers[HTTPField.Name("Bayan-Event")!] ?? "", kind: request.headers[HTTPField.Name("Bayan-Event-Kind")!] ?? "",
                bytes: Array(buffer: body), signature: request.headers[HTTPField.Name(WebhookSignature.header)!] ?? "", at: Date())
            self.deliveries.withLock { $0[path, default: []].append(delivery) }
            return Response(status: self.failing.contains(path) ? .internalServerError : .noContent)
        }
        let bound = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in bound.continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task {
            // A server that cannot bind ends the stream: the test fails instead of waiting.
            defer { bound.continuation.finish() }
            try await app.runService()
        }
        var iterator = bound.stream.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        return (task, bound)
    }
}

/// Issue 17, acceptance 4: the live app's own background delivery, a receiver on loopback.
@Suite struct WebhookDelivery {
    /// Waits (polling) until `condition` holds, at most `seconds`.
    func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func everyEventArrivesOnceSignedAfterTheReceiverWasDownAndAFailingOneIsStopped() async throws {
        let receiver = Receiver(failing: ["fail"])
        let (firstRun, port) = try await receiver.start(port: 0)
        let tasks = Mutex([firstRun])
        try await Fixture.make().run(
            .live,
            configure: {
                $0.webhooksAllowLocal = true
                $0.webhookPollInterval = .milliseconds(50)
                $0.webhookRetry = WebhookRetryPolicy(base: 0.2, ceiling: 0.5, maximumFailures: 4)
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            let hash = try await store.currentVersion(of: id).contentHash
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c/s/pub/webhooks?lang=en")
            #expect(b.lastBody.contains("New webhook"))
            let csrf = try #require(b.field("_csrf"))
            // Refused addresses come back with the message and what was typed.
            let refused = try await b.request(
                "/c/s/pub/webhooks?lang=en", method: .post, form: ["_csrf": csrf, "url": "ftp://example.org/x"])
            #expect(refused.status == .unprocessableContent && refused.body.contains("must start with https://"))
            #expect(refused.body.contains("value=\"ftp://example.org/x\""))

            @discardableResult
            func add(_ path: String, contacts: Bool) async throws -> String {
                var form = ["_csrf": csrf, "url": "http://127.0.0.1:\(port)/\(path)", "past": "yes"]
                if contacts { form["contacts"] = "yes" }
                let page = try await b.request("/c/s/pub/webhooks?lang=en", method: .post, form: form)
                #expect(page.status == .ok && page.body.contains("shown only now"))
                let secret = try #require(page.body.firstMatch(of: /whsec_[0-9a-f]{64}/)).output
                return String(secret)
            }
            let secret = try await add("hook", contacts: false)
            let contactsSecret = try await add("contacts", contacts: true)
            // The secret is on that page only, not in the list.
            try await b.request("/c/s/pub/webhooks?lang=en")
            #expect(!b.lastBody.contains(secret) && b.lastBody.contains("http://127.0.0.1:\(port)/hook"))

            func expectedIDs() async throws -> [String] { try await store.events(of: id).map { "\(id):\($0.sequence)" } }
            let first = try await expectedIDs()
            #expect(try await eventually { receiver.received("hook").count >= first.count })

            // The receiver goes down; sign-ons keep coming and are not lost.
            firstRun.cancel()
            _ = try? await firstRun.value
            for n in 1...3 {
                _ = try await store.addEndorsement(
                    statementID: id,
                    NewEndorsement(signerKind: .organization, displayName: "رابطة \(n)", contact: "union\(n)@example.org", versionHash: hash))
            }
            #expect(
                try await eventually {
                    try await store.webhooks(of: id).first { $0.url.description.hasSuffix("/hook") }?.failures ?? 0 > 0
                })
            try await b.request("/c/s/pub/webhooks?lang=en")
            #expect(b.lastBody.contains("Failing, will try again") && b.lastBody.contains("refused the connection"))
            // Back on the same port: the missed events arrive, in order.
            let (again, samePort) = try await receiver.start(port: port)
            tasks.withLock { $0.append(again) }
            #expect(samePort == port)
            let all = try await expectedIDs()
            #expect(try await eventually { Set(receiver.received("hook").map(\.id)) == Set(all) })
            try await Task.sleep(for: .milliseconds(300))
            let got = receiver.received("hook")
            #expect(got.map(\.id) == all, "every event exactly once, in the log's order")
            #expect(
                got.allSatisfy { $0.isSigned(with: secret) } && !got.contains { $0.isSigned(with: contactsSecret) },
                "every signature verifies with the secret the page showed")
            let kinds = try await store.events(of: id).map(\.kind)
            #expect(got.map(\.kind) == kinds)
            // Without the contacts option no contact leaves; with it, the hook gets them.
            #expect(!got.contains { $0.body.contains("@example.org") })
            #expect(
                try await eventually { receiver.received("contacts").contains { $0.body.contains("union3@example.org") } })
            #expect(receiver.received("contacts").allSatisfy { $0.isSigned(with: contactsSecret) })

            // A receiver that always fails is stopped, and the page says why.
            let failingPage = try await b.request(
                "/c/s/pub/webhooks?lang=en", method: .post, form: ["_csrf": csrf, "url": "http://127.0.0.1:\(port)/fail"])
            #expect(failingPage.status == .ok)
            _ = try await store.addEndorsement(
                statementID: id, NewEndorsement(signerKind: .organization, displayName: "رابطة أخيرة", versionHash: hash))
            #expect(
                try await eventually {
                    try await store.webhooks(of: id).first { $0.url.description.hasSuffix("/fail") }?.isEnabled == false
                })
            try await Task.sleep(for: .milliseconds(600))
            #expect(receiver.received("fail").count == 4, "four attempts, then no more")
            #expect(Set(receiver.received("fail").map(\.id)).count == 1, "always the same event: nothing is skipped")
            try await b.request("/c/s/pub/webhooks?lang=en")
            #expect(b.lastBody.contains("Stopped after repeated failures") && b.lastBody.contains("the receiver answered HTTP 500"))
            // Turned on again, it tries the same event again.
            let hook = try #require(try await store.webhooks(of: id).first { $0.url.description.hasSuffix("/fail") })
            let enabled = try await b.request("/c/s/pub/webhooks/\(hook.id)/enable", method: .post, form: ["_csrf": csrf])
            #expect(enabled.status == .seeOther)
            #expect(try await eventually { receiver.received("fail").count > 4 })
            let removed = try await b.request("/c/s/pub/webhooks/\(hook.id)/remove", method: .post, form: ["_csrf": csrf])
            let left = try await store.webhooks(of: id).count
            #expect(removed.status == .seeOther && left == 2)
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
    }

    /// A receiver registered as public whose address leads inside (written past the form's
    /// check here, as a name re-pointed at 127.0.0.1 would be) is never contacted.
    @Test func aReceiverInsideTheServersNetworkIsNotContacted() async throws {
        let receiver = Receiver(failing: [])
        let (running, port) = try await receiver.start(port: 0)
        try await Fixture.make().run(
            configure: {
                $0.webhookPollInterval = .milliseconds(50)
                $0.webhookRetry = WebhookRetryPolicy(base: 60, maximumFailures: 3)
            }
        ) { (_: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            _ = try await store.createWebhook(
                statementID: id, url: WebhookURL(stored: "http://127.0.0.1:\(port)/inside"), secret: "whsec_x", sendsContacts: true,
                fromStart: true)
            let deadline = Date().addingTimeInterval(20)
            while try await store.webhooks(of: id).first?.failures == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let hook = try #require(try await store.webhooks(of: id).first)
            #expect(hook.failures == 1 && hook.deliveredThrough == 0)
            #expect(hook.lastError == "the receiver's name leads inside the server's own network")
            #expect(receiver.received("inside").isEmpty)
        }
        running.cancel()
    }

    /// A backlog longer than one batch (a hook added with the whole log) is sent in one pass.
    @Test func aBacklogDrainsInOnePass() async throws {
        let receiver = Receiver(failing: [])
        let (running, port) = try await receiver.start(port: 0)
        try await Fixture.make().run(configure: { $0.webhookDelivery = false }) { (_: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            let hash = try await store.currentVersion(of: id).contentHash
            for n in 1...120 {
                _ = try await store.addEndorsement(
                    statementID: id, NewEndorsement(signerKind: .organization, displayName: "منظمة \(n)", versionHash: hash))
            }
            _ = try await store.createWebhook(
                statementID: id, url: WebhookURL(stored: "http://127.0.0.1:\(port)/backlog"), secret: "whsec_b", sendsContacts: false,
                fromStart: true)
            let service = WebhookService(store: store, allowLocal: true)
            let client = WebhookService.makeClient()
            let delivered = try await service.deliverDue(with: client)
            try await client.shutdown()
            let logged = try await store.events(of: id).count
            #expect(logged > 120 && delivered == logged)
            #expect(receiver.received("backlog").map(\.id) == (1...logged).map { "\(id):\($0)" })
            #expect(try await store.webhooks(of: id).first?.deliveredThrough == logged)
        }
        running.cancel()
    }
}
