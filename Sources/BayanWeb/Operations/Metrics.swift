import BayanApp
import BayanCore
import CoreMetrics
import Foundation
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// The process's metrics (swift-metrics) in Prometheus' text format: requests and latency
/// per route (Hummingbird's `MetricsMiddleware`), joins and sign-ons (BayanApp), group
/// commit batch sizes and latency (BayanStore), the mail queue (BayanMail) and the public
/// page cache. Names are sanitized to Prometheus' alphabet and counters end in `_total`,
/// so `promtool check metrics` accepts the output.
public enum BayanMetrics {
    /// Bootstrapped once per process, on first use (swift-metrics allows one bootstrap).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.nameAndLabelSanitizer = { name, labels in (sanitized(name), labels.map { (sanitized($0.0), $0.1) }) }
        MetricsSystem.bootstrap(Factory(base: prometheus))
        return registry
    }()

    /// What each family measures, for the `# HELP` lines swift-metrics cannot carry.
    static let help: [String: String] = [
        "bayan_joins_total": "Public joins by outcome (joined, retried, awaiting-confirmation, refused).",
        "bayan_sign_ons_total": "Sign-ons stored through invitation links.",
        "bayan_group_commit_batch_size": "Write transactions committed together by the SQLite writer.",
        "bayan_group_commit_seconds": "Time from BEGIN to COMMIT of one group-commit batch.",
        "bayan_page_cache_total": "Public page cache lookups by result (hit, revalidated, rendered).",
        "bayan_mail_sent_total": "Confirmation mails handed to the relay.",
        "bayan_mail_failures_total": "Mail deliveries that failed, by whether they were given up.",
        "bayan_outbox_waiting": "Mails waiting in the outbox.",
        "hb_requests_total": "HTTP requests by route, method and status.",
        "hb_request_errors_total": "HTTP requests that ended in an error, by route, method and status.",
        "http_server_request_duration": "HTTP request duration by route, method and status, in seconds.",
        "http_server_active_requests": "HTTP requests being answered, by method.",
    ]

    /// The registry's text with a `# HELP` line before every family's `# TYPE` line.
    public static func exposition() -> String {
        var out = ""
        for line in registry.emitToString().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first {
                out += "# HELP \(name) \(help[String(name)] ?? "Bayan's \(name.replacingOccurrences(of: "_", with: " ")).")\n"
            }
            out += line + "\n"
        }
        return String(out.dropLast())
    }

    /// Prometheus names are `[a-zA-Z_:][a-zA-Z0-9_:]*`; Hummingbird's use dots. Hummingbird
    /// makes its counters anew for every request, so each name is worked out once and
    /// remembered (names and label keys are a handful; label values are not sanitized).
    static func sanitized(_ name: String) -> String {
        if let known = sanitizedNames.withLock({ $0[name] }) { return known }
        let clean = String(
            name.unicodeScalars.map { c -> Character in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == ":") ? Character(c) : "_"
            })
        sanitizedNames.withLock { if $0.count < 1_000 { $0[name] = clean } }
        return clean
    }
    private static let sanitizedNames = Mutex<[String: String]>([:])

    /// Prometheus' factory with `_total` on every counter's name.
    struct Factory: MetricsFactory {
        let base: PrometheusMetricsFactory

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
            base.makeCounter(label: label.hasSuffix("_total") ? label : label + "_total", dimensions: dimensions)
        }
        func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
            base.makeFloatingPointCounter(label: label.hasSuffix("_total") ? label : label + "_total", dimensions: dimensions)
        }
        func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
            base.makeMeter(label: label, dimensions: dimensions)
        }
        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
            base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
            base.makeTimer(label: label, dimensions: dimensions)
        }
        func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
        func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
        func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
        func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
        func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
    }
}

/// `GET /metrics`: for the machine itself (a client address on loopback, after trusted
/// proxies are taken into account, so a request relayed by nginx for someone outside is
/// not) or with `Authorization: Bearer` and the configured `BAYAN_METRICS_TOKEN`.
struct MetricsRoutes {
    let token: String?

    func add(to router: Router<BayanRequestContext>) {
        router.get("/metrics") { request, context in
            let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
            let byToken = token.map { expected in bearer.map { Tokens.equal($0, expected) } ?? false } ?? false
            guard byToken || context.client?.isLoopback == true else {
                throw HTTPError(.forbidden, message: "metrics are served to the machine itself or with its token")
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: BayanMetrics.exposition())))
        }
    }
}
