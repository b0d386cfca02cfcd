import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import BayanWeb

/// `bayan serve` stops on SIGTERM: when one service ends, ServiceLifecycle cancels the
/// others, and a scheduled service must then return. Found by the issue-15 benchmark: the
/// retention loop swallowed its cancelled sleep, failed its cancelled query, logged it and
/// went round again, thousands of times a second, and the process never exited.
@Suite struct ScheduledServicesStopWhenCancelled {
    @Test func eachScheduledServiceReturnsSoonAfterItsTaskIsCancelled() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let backups = TemporaryDirectory()
        defer { backups.remove() }
        let logger = Logger(label: "t")
        let services: [(String, any Service)] = [
            ("retention", ScheduledRetention(retention: Retention(store: store), interval: .milliseconds(10), logger: logger)),
            (
                "tree heads",
                ScheduledTreeHeads(
                    store: store, key: SigningKey.generate(), interval: .milliseconds(10), statePoll: .milliseconds(10), logger: logger)
            ),
            (
                "backups",
                ScheduledBackups(
                    store: store, schedule: BackupSchedule(directory: backups.path, interval: .milliseconds(10), keep: 1), logger: logger,
                    clock: { Date() })
            ),
        ]
        for (name, service) in services {
            let running = Task { try await service.run() }
            try await Task.sleep(for: .milliseconds(100))
            running.cancel()
            let stopped = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    _ = await running.result
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(10))
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(stopped, "the \(name) service still runs 10 s after its task was cancelled")
        }
        await store.close()
    }
}
