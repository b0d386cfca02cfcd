import BayanApp
import Hummingbird

/// `/healthz` (the process answers) and `/readyz` (it may take traffic: 503 while the
/// database does not answer or its schema is behind), for load balancers and systemd.
/// Plain text, never cached.
struct HealthRoutes {
    let health: Health

    func add(to router: Router<BayanRequestContext>) {
        router.get("/healthz") { _, _ in Self.text(.ok, "ok") }
        router.get("/readyz") { _, _ in
            let readiness = await health.readiness()
            return Self.text(readiness.isReady ? .ok : .serviceUnavailable, readiness.description)
        }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }
}
