import BayanApp
import Foundation
import Logging
import ServiceLifecycle

/// `bayan serve` erases the contacts of statements closed longer than the retention time,
/// and forgets rate-limit windows older than a day, at start and then every `interval`
/// (an hour).
struct ScheduledRetention: Service {
    let retention: Retention
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for (slug, count) in try await retention.purgeDue() {
                    logger.notice("contact details erased after retention", metadata: ["statement": "\(slug)", "sign-ons": "\(count)"])
                }
                _ = try await retention.pruneRateLimits()
            } catch {
                logger.error("contact retention failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
