import BayanCore
import BayanTestSupport
import Foundation
import Testing

/// `migrate-data` and the CLI on PostgreSQL; these run when the test script started a
/// PostgreSQL cluster.
@Suite(.serialized, .enabled(if: PostgresTestDatabase.enabled)) struct PostgresCLI {
    @Test func migrateDataMovesAPopulatedInstanceAndRefusesANonEmptyTarget() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        let doc = dir.file("s.md")
        FileManager.default.createFile(atPath: doc, contents: Data(Samples.document().utf8))
        let draft = dir.file("draft.md")
        FileManager.default.createFile(atPath: draft, contents: Data("# مسودة بيان\n\nنص المسودة.\n".utf8))
        #expect(try BayanBinary.run(["import", doc, "--slug", "joint", "--publish", "--data", data]).status == 0)
        #expect(try BayanBinary.run(["import", draft, "--slug", "draft", "--data", data]).status == 0)
        #expect(try BayanBinary.run(["state", "draft", "--to", "circulating", "--data", data]).status == 0)
        let invited = try BayanBinary.run(["invite", "draft", "--data", data], stdin: "نقابة المعلمين\nرابطة الكتاب\n")
        #expect(invited.stdout.split(separator: "\n").count == 2)
        #expect(
            try BayanBinary.run(
                ["coordinator", "create", "--email", "c@example.org", "--password-stdin", "--data", data],
                stdin: "correct horse battery\n", environment: ["BAYAN_BCRYPT_COST": "4"]
            ).status == 0)

        let (url, drop) = try await PostgresTestDatabase.create()
        let moved = try BayanBinary.run(["migrate-data", "--from", data, "--to", url])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.contains("endorsements: 65") && moved.stdout.contains("event chains verified: 2"))
        for args in [
            ["statements"], ["export", "joint", "--format", "json"], ["export", "joint", "--format", "csv"],
            ["export", "draft"], ["coordinator", "list"], ["verify", "joint"], ["verify", "draft"],
        ] {
            let sqlite = try BayanBinary.run(args + ["--data", data])
            // The PostgreSQL instance keeps its contacts key in its data directory.
            let postgres = try BayanBinary.run(args + ["--database", url, "--data", data])
            #expect(sqlite.status == 0 && postgres.status == 0, "\(args)")
            #expect(sqlite.stdout == postgres.stdout, "\(args) differs")
        }
        #expect(try PostgresTestDatabase.psql(url, "SELECT COUNT(*) FROM invitations") == "2")
        let again = try BayanBinary.run(["migrate-data", "--from", data, "--to", url])
        #expect(again.status != 0 && again.stderr.contains("not empty"))
        #expect(try PostgresTestDatabase.psql(url, "SELECT COUNT(*) FROM statements") == "2")
        await drop()
    }

    @Test func theDatabaseURLComesFromTheEnvironmentAndBadURLsAreClearErrors() async throws {
        let (url, drop) = try await PostgresTestDatabase.create()
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let doc = dir.file("s.md")
        FileManager.default.createFile(atPath: doc, contents: Data(Samples.document().utf8))
        let key = ContactKey.generate().text
        #expect(
            try BayanBinary.run(["import", doc, "--slug", "env", "--publish"], environment: ["BAYAN_DATABASE_URL": url, "BAYAN_CONTACTS_KEY": key])
                .status == 0)
        #expect(try PostgresTestDatabase.psql(url, "SELECT COUNT(*) FROM endorsements") == "65")
        let bad = try BayanBinary.run(["statements", "--database", "mysql://nope"])
        #expect(bad.status != 0 && bad.stderr.contains("not a PostgreSQL URL"))
        await drop()
    }
}
