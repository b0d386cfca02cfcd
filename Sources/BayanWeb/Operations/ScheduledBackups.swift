import BayanStore
import Foundation
import Logging
import ServiceLifecycle

/// Backups taken by `bayan serve` itself (`BAYAN_BACKUP_DIR`): one at start and one every
/// `interval`, the newest `keep` kept. Each is `Backup.write`'s verified, consistent copy.
public struct BackupSchedule: Sendable, Equatable {
    public var directory: String
    public var interval: Duration
    public var keep: Int

    public init(directory: String, interval: Duration = .seconds(24 * 3600), keep: Int = 14) {
        self.directory = directory
        self.interval = interval
        self.keep = keep
    }
}

struct ScheduledBackups: Service {
    let store: SQLStore
    let schedule: BackupSchedule
    let logger: Logger
    let clock: @Sendable () -> Date

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let file = try await backUp()
                logger.notice("backup written", metadata: ["file": "\(file)"])
            } catch {
                logger.error("backup failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: schedule.interval) }
        }
    }

    /// Writes one backup named by its UTC time to the millisecond (so names sort as times)
    /// and removes the oldest beyond `keep`.
    @discardableResult
    func backUp() async throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: schedule.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // 20261202T034512.345Z: fixed width, so names sort as times.
        let stamp = clock().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)).filter { $0 != "-" && $0 != ":" }
        var name = "bayan-\(stamp).sqlite"
        var n = 1
        while fm.fileExists(atPath: (schedule.directory as NSString).appendingPathComponent(name)) {
            n += 1
            name = "bayan-\(stamp)-\(n).sqlite"
        }
        let file = (schedule.directory as NSString).appendingPathComponent(name)
        _ = try await Backup.write(store, to: file)
        let backups = try fm.contentsOfDirectory(atPath: schedule.directory)
            .filter { $0.hasPrefix("bayan-") && $0.hasSuffix(".sqlite") }.sorted()
        for old in backups.dropLast(max(1, schedule.keep)) {
            try? fm.removeItem(atPath: (schedule.directory as NSString).appendingPathComponent(old))
        }
        return file
    }
}
