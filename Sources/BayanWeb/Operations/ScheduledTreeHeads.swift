import BayanCore
import BayanStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `bayan serve` signs a tree head for each statement whose log grew, at start and then
/// every `interval` (a minute), and within `statePoll` of a statement changing state (its
/// publication above all), seen on the small statements table: never on the request path
/// of a sign-on.
struct ScheduledTreeHeads: Service {
    let store: SQLStore
    let key: SigningKey
    let interval: Duration
    var statePoll: Duration = .seconds(2)
    let logger: Logger

    func run() async throws {
        var states = (try? await store.statementStates()) ?? [:]
        var last = ContinuousClock.now
        await signNow()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: min(statePoll, interval)) }
            let now = (try? await store.statementStates()) ?? states
            if now != states || ContinuousClock.now - last >= interval {
                states = now
                last = ContinuousClock.now
                await signNow()
            }
        }
    }

    func signNow() async {
        do { _ = try await store.signTreeHeads(with: key) } catch {
            logger.error("signing tree heads failed", metadata: ["error": "\(error)"])
        }
    }
}

/// `/.well-known/bayan/keys.json`: the public keys that sign this instance's tree heads
/// and those that did before a rotation (`KeysFile`), so anyone can check a head without
/// trusting the page it came with.
struct KeysRoute {
    let keys: KeysFile

    func add(to router: Router<BayanRequestContext>) {
        let body = ProofRoutes.encode(keys)
        router.get("/.well-known/bayan/keys.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
