import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import BayanWeb

/// Issue 14: `/healthz` answers while the process runs; `/readyz` only while the database
/// answers and its schema is current, and it answers (503) when the database does not.
@Suite struct HealthEndpoints {
    @Test func readyWhileTheDatabaseAnswersAndNotWhenAMigrationIsPending() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let alive = try await b.request("/healthz")
            #expect(alive.status == .ok && alive.body == "ok\n")
            let ready = try await b.request("/readyz")
            #expect(ready.status == .ok && ready.body == "ready\n")
            let last = Migrations.all.last!.name
            try await store.handle.transaction { db in
                try await db.raw("DELETE FROM schema_migrations WHERE name = \(bind: last)").run()
            }
            let behind = try await b.request("/readyz")
            #expect(behind.status == .serviceUnavailable && behind.body.contains(last), "\(behind.body)")
            #expect(try await b.request("/healthz").status == .ok)
        }
    }

    @Test func notReadyWithinTheDeadlineWhenTheDatabaseDoesNotAnswer() async throws {
        // A real PostgreSQL client pointed at a port where nothing listens.
        let port = try freePort()
        let store = SQLStore(
            handle: try PostgresHandle.open(url: "postgres://bayan@127.0.0.1:\(port)/bayan"), contacts: ContactSeal(key: .generate()))
        let started = ContinuousClock.now
        let readiness = await Health(store: store, deadline: .seconds(2)).readiness()
        #expect(readiness == .databaseUnreachable)
        // Without the deadline this waits for a client that retries for ever. The bound is
        // loose: in the full parallel run other suites' process waits hold the two
        // cooperative threads of these machines for seconds (2.0 s alone, 10.5 s seen there).
        #expect(ContinuousClock.now - started < .seconds(40))
        await store.close()
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Issue 14: `bayan serve` with `BAYAN_BACKUP_DIR` takes a backup at start and one every
/// interval, keeping the newest few; each restores and verifies.
@Suite struct ScheduledBackupsOfTheServer {
    @Test func backupsAreTakenOnScheduleAndTheOldestRemoved() async throws {
        let backups = TemporaryDirectory()
        defer { backups.remove() }
        let fixture = try await Fixture.make()
        _ = try await fixture.store.importStatement(
            ImportPlan(
                slug: try Slug("joint"), title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة المعلمين", number: 1)],
                publish: true, at: Date()))
        try await fixture.run(
            .live, configure: { $0.backups = BackupSchedule(directory: backups.path, interval: .milliseconds(300), keep: 2) }
        ) { (b: Browser, _: SQLStore) async throws in
            // Until a third backup has replaced the first of two (or 60 s on a busy machine).
            var first: String?
            for _ in 0..<600 {
                let now = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".sqlite") }.sorted()
                if now.count == 2, first == nil { first = now[0] }
                if let first, !now.contains(first) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(first != nil)
            #expect(try await b.request("/healthz").status == .ok)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: backups.path).filter { $0.hasSuffix(".sqlite") }.sorted()
        #expect(files.count == 2, "\(files)")
        let restored = TemporaryDirectory()
        defer { restored.remove() }
        // The backup opens with the instance's key only.
        await #expect(throws: StoreError.self) {
            try await Backup.restore(backups.file(files.last!), into: .sqlite(directory: restored.file("nokey")), key: nil)
        }
        let report = try await Backup.restore(
            backups.file(files.last!), into: .sqlite(directory: restored.file("d")), key: fixture.store.contacts.key)
        #expect(report.statements.map(\.slug) == ["joint"] && report.statements.allSatisfy(\.isValid))
    }
}

/// The socket peer read from the address's bytes (every request does it) is the same
/// address the text form gives, IPv4-mapped IPv6 included.
@Suite struct PeerAddresses {
    @Test func thePeerFromSocketBytesEqualsTheParsedText() throws {
        for (text, expected) in [("203.0.113.9", "203.0.113.9"), ("2001:db8::1", "2001:db8::1"), ("::ffff:198.51.100.7", "198.51.100.7")] {
            let peer = ClientAddressMiddleware.peer(try SocketAddress(ipAddress: text, port: 443))
            #expect(peer == IPAddress(expected), "\(text)")
        }
        #expect(try ClientAddressMiddleware.peer(SocketAddress(ipAddress: "127.0.0.1", port: 1))?.isLoopback == true)
        #expect(try ClientAddressMiddleware.peer(SocketAddress(ipAddress: "::1", port: 1))?.isLoopback == true)
        #expect(try ClientAddressMiddleware.peer(SocketAddress(ipAddress: "10.0.0.1", port: 1))?.isLoopback == false)
    }
}

/// Issue 14: `BAYAN_LOG_FORMAT=json` writes one JSON object a line, with the request id
/// and every metadata item.
@Suite struct JSONLogs {
    @Test func eachLineIsOneJSONObjectWithItsMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "bayan") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "hb.request.id"] = "2e83e680"
        logger.error("request failed", metadata: ["path": "/e/[redacted]", "quote": "a \"b\"\nc"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1 && written[0].hasSuffix("\n") && written[0].filter { $0 == "\n" }.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String]
        #expect(object?["message"] == "request failed" && object?["level"] == "error" && object?["label"] == "bayan")
        #expect(object?["hb.request.id"] == "2e83e680" && object?["path"] == "/e/[redacted]" && object?["quote"] == "a \"b\"\nc")
        #expect(object?["time"]?.hasSuffix("Z") == true)
    }
}
