import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import Testing

/// Issue 14: databases written by earlier builds, kept as data (Tests/Fixtures/README.md
/// says how each was made), migrate to this build's schema and verify, and restore as
/// backups into SQLite and PostgreSQL.
@Suite struct UpgradesFromEarlierReleases {
    static let fixtures = ["first-release", "266d616"]

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)/bayan.sqlite").path
    }

    /// What every fixture holds: the sample statement published with its 65 signatories,
    /// and a draft.
    static func expectSampleContent(_ store: SQLStore) async throws {
        #expect(try await Migrations.applied(on: store.handle) == Migrations.all.map(\.name))
        let checks = try await InstanceCheck.all(store)
        #expect(checks.count == 2 && checks.allSatisfy(\.isValid), "\(checks)")
        let joint = try await store.statement(slug: "joint")
        #expect(joint.state == .published)
        let list = SignatoryRules.foundingList(try await store.endorsements(of: joint.id))
        #expect(list.map(\.displayName) == Samples.organizations && list.map(\.number) == Array(1...65))
        #expect(try await store.statement(slug: "draft").publishedAt == nil)
    }

    @Test(arguments: fixtures)
    func aDatabaseOfAnEarlierBuildMigratesInPlaceAndVerifies(fixture: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: dir.file(SQLiteHandle.fileName))
        let store = try await SQLStore.open(.sqlite(directory: dir.path))
        do {
            try await Self.expectSampleContent(store)
            // A write on the migrated schema: the next event extends the old chain.
            let draft = try await store.statement(slug: "draft")
            _ = try await store.addVersion(statementID: draft.id, title: "بيان قيد الإعداد", body: "نص معدّل.", author: "test", reason: nil)
            #expect(try await InstanceCheck.all(store).allSatisfy(\.isValid))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test(arguments: fixtures)
    func aDatabaseOfAnEarlierBuildRestoresAsABackup(fixture: String) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try await Backup.restore(Self.fixture(fixture), into: .sqlite(directory: dir.file("restored")), key: nil)
        let store = try await SQLStore.open(.sqlite(directory: dir.file("restored")))
        do { try await Self.expectSampleContent(store) } catch {
            await store.close()
            throw error
        }
        await store.close()
        guard PostgresTestDatabase.enabled else { return }
        let (url, drop) = try await PostgresTestDatabase.create()
        do {
            let report = try await Backup.restore(Self.fixture(fixture), into: .postgres(url: url), key: nil)
            let pg = try await SQLStore.open(.postgres(url: url), contactKeys: .given(report.contactKey))
            do { try await Self.expectSampleContent(pg) } catch {
                await pg.close()
                throw error
            }
            await pg.close()
        } catch {
            await drop()
            throw error
        }
        await drop()
    }
}
