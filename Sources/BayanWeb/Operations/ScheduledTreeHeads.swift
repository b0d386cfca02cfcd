import BayanCore
import BayanStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `bayan serve` signs a tree head for each statement whose log grew, at start and then
/// every `interval` (a minute): never on the request path of a sign-on.
struct ScheduledTreeHeads: Service {
    let store: SQLStore
    let key: SigningKey
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do { _ = try await store.signTreeHeads(with: key) } catch {
                logger.error("signing tree heads failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// `/.well-known/bayan/keys.json`: the public keys that sign this instance's tree heads,
/// so anyone can check a head without trusting the page it came with.
struct KeysRoute {
    let keys: [PublicSigningKey]

    func add(to router: Router<BayanRequestContext>) {
        let body = Self.json(keys)
        router.get("/.well-known/bayan/keys.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    static func json(_ keys: [PublicSigningKey]) -> String {
        var out: [UInt8] = Array(#"{"keys":["#.utf8)
        for (i, key) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.object(["id": key.id, "publicKey": key.base64, "algorithm": "Ed25519"], into: &out)
        }
        out.append(contentsOf: Array("]}\n".utf8))
        return String(decoding: out, as: UTF8.self)
    }
}
