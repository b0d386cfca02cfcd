import BayanApp
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
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
        let store = SQLStore(handle: try PostgresHandle.open(url: "postgres://bayan@127.0.0.1:\(port)/bayan"))
        let started = ContinuousClock.now
        let readiness = await Health(store: store, deadline: .seconds(2)).readiness()
        #expect(readiness == .databaseUnreachable)
        #expect(ContinuousClock.now - started < .seconds(10))
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
