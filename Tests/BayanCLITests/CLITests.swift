import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import SQLKit
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// End-to-end: the real `bayan` binary on a real SQLite file.
@Suite(.serialized) struct CLIImportExport {
    func write(_ dir: TemporaryDirectory, _ name: String, _ text: String) -> String {
        let path = dir.file(name)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func importThenExportGivesTheCanonicalDocumentAndRoundTrips() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        // A messy paste of the sample: BOM, CRLF, mixed numbering, full stops.
        var messy = "\u{FEFF}# \(Samples.title)  \r\n\r\n" + Samples.body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n\r\n"
        for (i, name) in Samples.organizations.enumerated() {
            let arabicDigits = String(String(i + 1).map { Character(Unicode.Scalar(0x0660 + Int(String($0))!)!) })
            messy +=
                [("- \(i + 1) - \(name).\r\n"), ("\(i + 1). \(name)\r\n\r\n"), ("\(arabicDigits)- \(name) \r\n"), ("\(i + 1)) \(name)\r\n")][i % 4]
        }
        let imported = try BayanBinary.run(["import", write(dir, "messy.md", messy), "--slug", "joint", "--publish", "--data", data])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported joint: 65 signatories, published"))
        let md = try BayanBinary.run(["export", "joint", "--format", "md", "--data", data])
        #expect(md.stdout == Samples.document())
        // import → export → import → export is the identity.
        let again = try BayanBinary.run(["import", write(dir, "exported.md", md.stdout), "--slug", "again", "--publish", "--data", data])
        #expect(again.status == 0)
        #expect(try BayanBinary.run(["export", "again", "--data", data]).stdout == md.stdout)
        let out = dir.file("joint.csv")
        #expect(try BayanBinary.run(["export", "joint", "--format", "csv", "--output", out, "--data", data]).status == 0)
        let csv = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
        #expect(csv.hasPrefix("\u{FEFF}number,name") && csv.contains("\r\n\"65\",\"Association des Syriens Libres\","))
        let json = try BayanBinary.run(["export", "joint", "--format", "json", "--data", data])
        let decoded = try JSONDecoder().decode(PublicStatementProbe.self, from: Data(json.stdout.utf8))
        #expect(decoded.signatories.map(\.name) == Samples.organizations)
        let table = try BayanBinary.run(["statements", "--data", data])
        #expect(table.stdout.contains("joint") && table.stdout.contains("published") && table.stdout.contains("65"))
        #expect(try BayanBinary.run(["verify", "joint", "--data", data]).stdout.contains("valid: 69 events"))
    }

    struct PublicStatementProbe: Decodable {
        struct S: Decodable {
            let name: String
            let number: Int
        }
        let signatories: [S]
    }

    static let badInputs: [(String, Data, String)] = {
        var nonUTF8 = Data("# عنوان\n\n1. نقابة ".utf8)
        nonUTF8.append(contentsOf: [0xFF, 0xFE, 0x0A])
        let long = "# عنوان\n\n1. نقابة\n2. " + String(repeating: "رابطة ", count: 840) + "\n"
        return [
            ("empty", Data(), "empty"),
            ("not UTF-8", nonUTF8, "not valid UTF-8"),
            ("no title", Data("نص بلا عنوان\n\n1. نقابة\n".utf8), "line 1: expected the title"),
            ("repeated numbers", Data("# عنوان\n\n1. نقابة\n2. رابطة\n2. مجلس\n".utf8), "repeats numbers"),
            ("20 MB", Data(repeating: 0x61, count: 20 * 1024 * 1024), "limit is"),
            ("5000-character name", Data(long.utf8), "line 4: the organisation name is longer than"),
            ("same organisation twice", Data("# عنوان\n\n1. نقابة المعلمين\n2. نقابةُ المعلمين\n".utf8), "name the same organisation"),
            (
                "numbered line in the text", Data("# عنوان\n\nنطالب:\n\n1. الإفراج\n\nوالسلام.\n\n1. نقابة\n".utf8),
                "line 5: a numbered line in the statement's text"
            ),
            (
                "list not starting at 1", Data("# عنوان\n\nنص.\n\n24. نقابة\n25. رابطة\n".utf8),
                "2 signatories read from line 5 on, numbered 24–25"
            ),
            (
                "override inside a name", Data("# عنوان\n\n1. نقابة\u{202E}المعلمين\n".utf8),
                "line 3: U+202E RIGHT-TO-LEFT OVERRIDE at column 9"
            ),
        ]
    }()

    @Test(arguments: badInputs.indices)
    func badInputIsAClearErrorAndChangesNothing(index: Int) async throws {
        let (label, bytes, message) = Self.badInputs[index]
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        #expect(try BayanBinary.run(["import", write(dir, "ok.md", Samples.document()), "--publish", "--slug", "ok", "--data", data]).status == 0)
        let before = try await snapshot(data)
        let path = dir.file("bad.md")
        FileManager.default.createFile(atPath: path, contents: bytes)
        let result = try BayanBinary.run(["import", path, "--publish", "--data", data])
        #expect(result.status != 0, "\(label)")
        #expect(result.stderr.contains(message), "\(label): \(result.stderr)")
        #expect(try await snapshot(data) == before, "\(label)")
    }

    /// Issue 18's report: an RLM at the start of list line 42 of the 65-signatory statement.
    @Test func anInvisibleMarkOnAListLineLosesNoSignatoryAndIsReported() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        var lines = Samples.document().components(separatedBy: "\n")
        let first = lines.firstIndex { $0.hasPrefix("- 1 - ") }!
        lines[first + 23] = "\u{200F}" + lines[first + 23]
        lines[first + 30] = lines[first + 30].replacingOccurrences(of: "- ", with: "-\u{200F} ", options: .anchored)
        let marked = write(dir, "marked.md", lines.joined(separator: "\n"))
        let result = try BayanBinary.run(["import", marked, "--slug", "s", "--publish", "--data", data])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("read: the title, 5 paragraphs of text, 65 signatories numbered 1–65"))
        #expect(result.stdout.contains("changed: line \(first + 24): removed U+200F RIGHT-TO-LEFT MARK at column 1"))
        #expect(result.stdout.contains("changed: line \(first + 31): removed U+200F RIGHT-TO-LEFT MARK at column 2"))
        #expect(result.stdout.contains("imported s: 65 signatories, published"))
        #expect(try BayanBinary.run(["export", "s", "--data", data]).stdout == Samples.document())
    }

    @Test func dryRunPrintsWhatWouldBeImportedAndStoresNothing() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        #expect(try BayanBinary.run(["import", write(dir, "ok.md", Samples.document()), "--publish", "--slug", "ok", "--data", data]).status == 0)
        let before = try await snapshot(data)
        let text = "# عنوان\n\nنص.\n\n\u{200F}3. نقابة\n4. رابطة\n"
        let dry = try BayanBinary.run(["import", write(dir, "d.md", text), "--publish", "--renumber", "--dry-run", "--slug", "d", "--data", data])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("read: the title, 1 paragraph of text, 2 signatories numbered 1–2 (the document numbers them 3–4)"))
        #expect(dry.stdout.contains("changed: line 5: removed U+200F RIGHT-TO-LEFT MARK at column 1"))
        #expect(dry.stdout.contains("changed: line 5: number 3 → 1") && dry.stdout.contains("changed: line 6: number 4 → 2"))
        #expect(dry.stdout.contains("dry run: nothing stored"))
        #expect(try await snapshot(data) == before)
    }

    @Test func unknownSlugAndBadSlugAreClearErrors() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let missing = try BayanBinary.run(["export", "nothing", "--data", dir.file("d")])
        #expect(missing.status != 0 && missing.stderr.contains("not found: statement 'nothing'"))
        let badSlug = try BayanBinary.run(["import", write(dir, "a.md", "# t\n"), "--slug", "Bad Slug", "--data", dir.file("d")])
        #expect(badSlug.status != 0 && badSlug.stderr.contains("not a valid slug"))
    }

    /// `bayan dev form-stamps` (the load generator's forms): stamps the instance accepts,
    /// served in order, each different; a bad count or an unknown statement is an error.
    @Test func devFormStampsPrintsStampsTheInstanceAcceptsInServingOrder() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "st")
        let printed = try BayanBinary.run(["dev", "form-stamps", "st", "--count", "5", "--interval-ms", "10", "--data", data])
        #expect(printed.status == 0, "\(printed.stderr)")
        let lines = printed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5 && Set(lines).count == 5)
        let store = try await SQLStore.openSQLite(directory: data)
        let stamps = FormStamps(tokens: DerivedTokens(store: store))
        var times: [Date] = []
        for line in lines { if let at = try await stamps.servedAt(line, slug: "st") { times.append(at) } }
        await store.close()
        #expect(times.count == 5 && times == times.sorted() && times.last! < Date())
        #expect(abs(times.last!.timeIntervalSince(times.first!) - 0.04) < 0.002)
        let unknown = try BayanBinary.run(["dev", "form-stamps", "nope", "--count", "1", "--data", data])
        #expect(unknown.status != 0 && unknown.stderr.contains("not found: statement 'nope'"))
        let badCount = try BayanBinary.run(["dev", "form-stamps", "st", "--count", "0", "--data", data])
        #expect(badCount.status != 0 && badCount.stderr.contains("--count must be between"))
    }

    @Test func dataDirectoryComesFromTheEnvironmentWhenNoFlagIsGiven() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let env = ["BAYAN_DATA": dir.file("from-env")]
        #expect(try BayanBinary.run(["import", write(dir, "a.md", Samples.document()), "--slug", "env", "--publish"], environment: env).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("from-env/bayan.sqlite")))
        #expect(try BayanBinary.run(["statements"], environment: env).stdout.contains("env"))
    }

    @Test func verifyNamesATamperedEvent() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        _ = try BayanBinary.run(["import", write(dir, "a.md", Samples.document()), "--slug", "s", "--publish", "--data", data])
        let store = try await SQLStore.openSQLite(directory: data)
        try await liftAppendOnly(store)
        try await store.handle.transaction { db in
            try await db.raw("UPDATE events SET at = at + 1 WHERE seq = 3").run()
        }
        await store.close()
        let result = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(result.status == 1)
        #expect(result.stdout.contains("broken at event 3"))
    }

    /// Issue 14: `bayan contacts purge` erases one statement's contacts at once, or those
    /// of statements closed longer than the retention time; a bad setting is refused.
    @Test func contactsPurgeErasesByHandAndByRetention() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        _ = try BayanBinary.run(["import", write(dir, "a.md", Samples.document()), "--slug", "s", "--publish", "--data", data])
        let store = try await SQLStore.openSQLite(directory: data)
        let record = try await store.statement(slug: "s")
        let hash = try await store.currentVersion(of: record.id).contentHash
        _ = try await store.join(
            statementID: record.id,
            NewEndorsement(signerKind: .individual, displayName: "سلمى", contact: "salma@example.org", versionHash: hash, visibility: .public),
            emailKey: "salma@example.org", confirmTokenHash: "c", signerTokenHash: "s", mail: nil)
        await store.close()
        let none = try BayanBinary.run(["contacts", "purge", "--data", data])
        #expect(none.status == 0 && none.stdout.contains("no closed statement"), "\(none.stderr)")
        let bad = try BayanBinary.run(["contacts", "purge", "--data", data], environment: ["BAYAN_CONTACT_RETENTION_DAYS": "0"])
        #expect(bad.status != 0 && bad.stderr.contains("BAYAN_CONTACT_RETENTION_DAYS"))
        let now = try BayanBinary.run(["contacts", "purge", "s", "--data", data])
        #expect(now.status == 0 && now.stdout.contains("s: contact details erased from 1 sign-ons"), "\(now.stderr)")
        let check = try BayanBinary.run(["verify", "--data", data])
        #expect(check.status == 0 && check.stdout.contains("s: valid"))
        let unknown = try BayanBinary.run(["contacts", "purge", "nothing", "--data", data])
        #expect(unknown.status != 0)
    }

    /// Issue 14: `bayan doctor` says what is fine and what to fix, and fails on what would
    /// stop Bayan or lose data; it never creates a database.
    @Test func doctorChecksTheConfigurationAndSaysWhatToFix() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        _ = try BayanBinary.run(["import", write(dir, "a.md", Samples.document()), "--slug", "s", "--publish", "--data", data])
        try FileManager.default.createDirectory(atPath: dir.file("backups"), withIntermediateDirectories: true)
        let good = ["BAYAN_PUBLIC_URL": "https://bayan.example.org", "BAYAN_BACKUP_DIR": dir.file("backups")]
        let healthy = try BayanBinary.run(["doctor", "--data", data], environment: good)
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        for line in ["ok    public address https://bayan.example.org", "is owner-only", "1 statements verify", "warn  no backup in"] {
            #expect(healthy.stdout.contains(line), "\(line) in \(healthy.stdout)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data)
        let open = try BayanBinary.run(["doctor", "--data", data], environment: good)
        #expect(open.status == 0 && open.stdout.contains("is mode 755: run `chmod 700"))
        var silentRelay = good
        silentRelay["BAYAN_SMTP_URL"] = "smtp://127.0.0.1:9?starttls=required"
        let relay = try BayanBinary.run(["doctor", "--data", data], environment: silentRelay)
        #expect(relay.status == 1 && relay.stdout.contains("FAIL  mail relay 127.0.0.1:9 does not answer"), "\(relay.stdout)")
        let store = try await SQLStore.openSQLite(directory: data)
        try await liftAppendOnly(store)
        try await store.handle.transaction { db in try await db.raw("UPDATE events SET at = at + 1 WHERE seq = 2").run() }
        await store.close()
        let tampered = try BayanBinary.run(["doctor", "--data", data], environment: good)
        #expect(tampered.status == 1 && tampered.stdout.contains("FAIL  s: broken at event 2"), "\(tampered.stdout)")
        let missing = try BayanBinary.run(["doctor", "--data", dir.file("nothing")], environment: good)
        #expect(missing.status == 1 && missing.stdout.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("nothing")))
    }

    @Test func verifyNamesAVersionWhoseStoredTextWasAltered() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        _ = try BayanBinary.run(["import", write(dir, "a.md", Samples.document()), "--slug", "s", "--publish", "--data", data])
        #expect(try BayanBinary.run(["verify", "s", "--data", data]).status == 0)
        let store = try await SQLStore.openSQLite(directory: data)
        try await store.handle.transaction { db in
            try await db.raw("UPDATE statement_versions SET body = body || ' وكلمة مضافة' WHERE number = 1").run()
        }
        await store.close()
        let result = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(result.status == 1)
        #expect(result.stdout.contains("text of version 1 does not match its hash"))
    }

    /// Every row of every table, as text: "unchanged" means equal snapshots.
    func snapshot(_ data: String) async throws -> [String] {
        let store = try await SQLStore.openSQLite(directory: data)
        var rows: [String] = []
        for table in ["statements", "statement_versions", "organizations", "endorsements", "events"] {
            let n = try await store.handle.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
            }
            let head = try await store.handle.read { db in
                try await db.raw("SELECT MAX(rowid) AS m FROM \(unsafeRaw: table)").first()!.decode(column: "m", as: Int?.self)
            }
            rows.append("\(table)=\(n)/\(head ?? 0)")
        }
        await store.close()
        return rows
    }
}

@Suite(.serialized) struct CLIServe {
    /// Issue 12: with a mail relay, links in mail need the public address; without it (or
    /// with a malformed one) `serve` refuses to start and says why.
    @Test func serveWithMailButNoPublicAddressRefusesToStart() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let relay = ["BAYAN_SMTP_URL": "smtp://127.0.0.1:1?starttls=required"]
        let missing = try BayanBinary.run(["serve", "--port", "0", "--data", dir.file("d")], environment: relay)
        #expect(missing.status != 0 && missing.stderr.contains("BAYAN_PUBLIC_URL must be set"))
        let malformed = try BayanBinary.run(
            ["serve", "--port", "0", "--data", dir.file("d")], environment: relay.merging(["BAYAN_PUBLIC_URL": "bayan.example.org"]) { $1 })
        #expect(malformed.status != 0 && malformed.stderr.contains("is not an http(s) address"))
        // A malformed relay URL, or credentials without TLS, stop the start with a message
        // (they used to be read after the store opened, and crashed a debug build).
        for url in ["http://relay.example.org", "smtp://user:pw@127.0.0.1:25?starttls=off"] {
            let refused = try BayanBinary.run(
                ["serve", "--port", "0", "--data", dir.file("d")],
                environment: ["BAYAN_SMTP_URL": url, "BAYAN_PUBLIC_URL": "https://bayan.example.org"])
            #expect(refused.status == 1 && refused.stderr.contains("SMTP configuration"), "\(url): \(refused.stderr)")
            #expect(!refused.stderr.contains("Assertion failed"))
        }
    }

    /// Issue 12: `bayan coordinator password` sets a new password and ends every session
    /// of the account; a password outside the rule is refused and changes nothing.
    @Test func coordinatorPasswordSetsANewPasswordAndEndsEverySession() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        let cost = ["BAYAN_BCRYPT_COST": "4"]
        let create = ["coordinator", "create", "--email", "admin@example.org", "--password-stdin", "--data", data]
        #expect(try BayanBinary.run(create, stdin: "correct horse battery\n", environment: cost).status == 0)
        let store = try await SQLStore.openSQLite(directory: data)
        let admin = try await store.coordinator(email: "admin@example.org")
        try await store.createSession(
            Session(tokenHash: "t", coordinatorID: admin.id, csrfToken: "c", expiresAt: Date().addingTimeInterval(3600), lastSeenAt: Date()))
        await store.close()
        let change = ["coordinator", "password", "--email", "Admin@example.org", "--password-stdin", "--data", data]
        let short = try BayanBinary.run(change, stdin: "short\n", environment: cost)
        #expect(short.status != 0 && short.stderr.contains("between 10 and 200 characters"))
        let unknown = try BayanBinary.run(
            ["coordinator", "password", "--email", "nobody@example.org", "--password-stdin", "--data", data], stdin: "a long new passphrase\n",
            environment: cost)
        #expect(unknown.status != 0 && unknown.stderr.contains("nobody@example.org"))
        let done = try BayanBinary.run(change, stdin: "a long new passphrase\n", environment: cost)
        #expect(done.status == 0 && done.stdout.contains("every session of theirs has ended"))
        let after = try await SQLStore.openSQLite(directory: data)
        await #expect(throws: StoreError.self) { try await after.session(tokenHash: "t") }
        let hash = try await after.coordinator(email: "admin@example.org").passwordHash
        await after.close()
        #expect(Passwords.verify("a long new passphrase", hash: hash) && !Passwords.verify("correct horse battery", hash: hash))
    }

    /// Issue 14: the contacts key from the command line: a wrong one is a clear error, a
    /// rotation seals again and keeps the old key, a restore needs the backup's key.
    @Test func contactsKeyErrorsRotationAndRestoreFromTheCommandLine() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "joint")
        let store = try await SQLStore.openSQLite(directory: data)
        let old = store.contacts.key
        _ = try await store.saveOrganization(name: "نقابة المعلمين", latinName: nil, place: nil, kind: nil, contact: "+963 11 555 0199")
        await store.close()
        let wrong = try BayanBinary.run(["statements", "--data", data], environment: ["BAYAN_CONTACTS_KEY": ContactKey.generate().text])
        #expect(wrong.status != 0 && wrong.stderr.contains("sealed with key \(old.id)"), "\(wrong.stderr)")
        let malformed = try BayanBinary.run(["statements", "--data", data], environment: ["BAYAN_CONTACTS_KEY": "short"])
        #expect(malformed.status != 0 && malformed.stderr.contains("BAYAN_CONTACTS_KEY: a contacts key is 32 random bytes"))
        #expect(try BayanBinary.run(["backup", "--output", dir.file("b.sqlite"), "--data", data]).status == 0)

        let rotated = try BayanBinary.run(["contacts", "rotate-key", "--data", data])
        #expect(rotated.status == 0 && rotated.stdout.contains("replaced by key"), "\(rotated.stderr)")
        let key = try #require(try ContactKeyFile.read(ContactKeyFile.path(in: data)))
        let retired = try ContactKeyFile.read(data + "/contacts.key.retired-\(old.id)")
        #expect(key != old && retired == old)
        #expect(try BayanBinary.run(["verify", "--data", data]).status == 0)

        let nokey = try BayanBinary.run(["restore", dir.file("b.sqlite"), "--data", dir.file("r1")])
        #expect(nokey.status != 0 && nokey.stderr.contains("--contacts-key"), "\(nokey.stderr)")
        let newKey = try BayanBinary.run(["restore", dir.file("b.sqlite"), "--data", dir.file("r2"), "--contacts-key", ContactKeyFile.path(in: data)])
        #expect(newKey.status != 0 && newKey.stderr.contains("sealed with key \(old.id)"), "\(newKey.stderr)")
        let restored = try BayanBinary.run(
            ["restore", dir.file("b.sqlite"), "--data", dir.file("r3"), "--contacts-key", data + "/contacts.key.retired-\(old.id)"])
        #expect(restored.status == 0 && restored.stdout.contains("contacts key \(old.id)"), "\(restored.stderr)")
        #expect(try BayanBinary.run(["statements", "--data", dir.file("r3")]).status == 0)
    }

    /// Issue 13: `bayan verify` checks the log against its last signed tree head: a
    /// truncated log, a history rewritten with every chain hash recomputed, and a head
    /// signed by a key the instance does not hold are each named.
    @Test func verifyHoldsTheLogToItsLastSignedHead() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "s")
        let key = try SigningKeyFile.load(directory: data)
        var store = try await SQLStore.openSQLite(directory: data)
        let first = try await store.signTreeHeads(with: key)
        let again = try await store.signTreeHeads(with: key)
        #expect(first == 1 && again == 0)
        let record = try await store.statement(slug: "s")
        let events = try await store.events(of: record.id)
        await store.close()
        let fine = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(fine.status == 0, "\(fine.stdout)")
        let show = try BayanBinary.run(["key", "show", "--data", data])
        #expect(show.status == 0 && show.stdout.contains("key id: \(key.publicKey.id)"))

        // Rewritten from event 2 on, every later hash recomputed: the chain alone verifies.
        store = try await SQLStore.openSQLite(directory: data)
        try await liftAppendOnly(store)
        try await rewriteHistory(store, statementID: record.id, events: events)
        await store.close()
        let rewritten = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(
            rewritten.status == 1 && rewritten.stdout.contains("s: valid") && rewritten.stdout.contains("history rewritten"), "\(rewritten.stdout)")

        // Truncated: the last event deleted.
        store = try await SQLStore.openSQLite(directory: data)
        try await store.handle.transaction { db in
            try await db.raw("DELETE FROM events WHERE statement_id = \(bind: record.id) AND seq = \(bind: events.count)").run()
        }
        await store.close()
        let truncated = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(truncated.status == 1 && truncated.stdout.contains("log truncated"), "\(truncated.stdout)")

        // Another key in the data directory: the head's key is not the instance's.
        try FileManager.default.removeItem(atPath: SigningKeyFile.path(in: data))
        _ = try SigningKeyFile.load(directory: data)
        let stranger = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(stranger.status == 1 && stranger.stdout.contains("does not list"), "\(stranger.stdout)")
    }

    /// Issue 13, acceptance 2: `bayan watch` follows a statement's signed heads; after the
    /// instance's database is rewritten and re-signed with the same key, it reports the fork.
    @Test func watchReportsAForkAfterTheDatabaseIsRewrittenAndReSigned() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.file("watch")
        let data = try publishedStatement(in: dir, slug: "s")
        func serving(_ body: (String) async throws -> Void) async throws {
            let server = try BayanBinary.Server(arguments: ["--data", data])
            do { try await body(server.baseURL) } catch {
                server.stop()
                throw error
            }
            server.stop()
        }
        /// The head.json once the server has signed a head of at least `size` events.
        func head(_ base: String, atLeast size: Int) async throws -> String {
            for _ in 0..<200 {
                let h = try await httpGet(base + "/s/s/head.json")
                if h.status == 200, let n = Int(h.body.split(separator: "\"size\":").last?.prefix { $0.isNumber } ?? ""), n >= size {
                    return h.body
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw NSError(domain: "bayan-test", code: 1, userInfo: [NSLocalizedDescriptionKey: "no head of \(size) events"])
        }
        var store = try await SQLStore.openSQLite(directory: data)
        let record = try await store.statement(slug: "s")
        let size = try await store.events(of: record.id).count
        await store.close()
        try await serving { base in
            _ = try await head(base, atLeast: size)
            let first = try BayanBinary.run(["watch", base + "/s/s", "--state", state])
            #expect(first.status == 0 && first.stdout.contains("first seen"), "\(first.stdout)\(first.stderr)")
            #expect(try await httpGet(base + "/s/s/proof/consistency?from=5&to=2").status == 400)
            #expect(try await httpGet(base + "/s/nothing/head.json").status == 404)
            let inclusion = try await httpGet(base + "/s/s/proof/inclusion?index=1&size=\(size)")
            #expect(inclusion.status == 200 && inclusion.body.contains("\"proof\":["))
        }
        store = try await SQLStore.openSQLite(directory: data)
        _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "t")
        await store.close()
        try await serving { base in
            _ = try await head(base, atLeast: size + 1)
            let second = try BayanBinary.run(["watch", base + "/s/s", "--state", state])
            #expect(second.status == 0 && second.stdout.contains("extends the head of \(size)"), "\(second.stdout)\(second.stderr)")
        }
        // Someone holding the database and the key rewrites event 2 and signs again.
        store = try await SQLStore.openSQLite(directory: data)
        try await liftAppendOnly(store)
        try await store.handle.transaction { db in
            try await db.raw("DROP TRIGGER tree_heads_no_delete").run()
            try await db.raw("DELETE FROM tree_heads").run()
            // The stored tree is derived from the events: rebuilt from the rewritten ones.
            try await db.raw("DELETE FROM tree_nodes").run()
        }
        try await rewriteHistory(store, statementID: record.id, events: try await store.events(of: record.id))
        _ = try await store.signTreeHeads(with: try SigningKeyFile.load(directory: data))
        await store.close()
        try await serving { base in
            _ = try await head(base, atLeast: size + 1)
            let third = try BayanBinary.run(["watch", base + "/s/s", "--state", state])
            #expect(third.status == 1 && third.stdout.contains("ALERT: fork"), "\(third.stdout)\(third.stderr)")
        }
    }

    /// Issue 13: `bayan key rotate` puts a new key in place that the old one endorses; the
    /// old key stays listed, so heads it signed still verify, and a watcher that trusted it
    /// follows the endorsement (a key listed without one is not followed).
    @Test func keyRotationKeepsOldHeadsVerifiableAndEndorsesTheNewKey() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "s")
        let old = try SigningKeyFile.load(directory: data)
        var store = try await SQLStore.openSQLite(directory: data)
        #expect(try await store.signTreeHeads(with: old) == 1)
        await store.close()

        let rotated = try BayanBinary.run(["key", "rotate", "--data", data])
        #expect(rotated.status == 0 && rotated.stdout.contains("retired key: \(old.publicKey.id)"), "\(rotated.stdout)\(rotated.stderr)")
        let new = try #require(try SigningKeyFile.read(directory: data))
        #expect(new.publicKey != old.publicKey && rotated.stdout.contains("new key id: \(new.publicKey.id)"))
        let listed = try SigningKeyFile.published(directory: data, current: new)
        #expect(listed.keys.map(\.id) == [old.publicKey.id, new.publicKey.id] && listed.keys[0].retired == true)
        #expect(try listed.publicKeys() == [old.publicKey, new.publicKey])
        #expect(try listed.followed(from: [old.publicKey]) == [old.publicKey, new.publicKey])
        // A key slipped into the list without an endorsement is listed but not followed;
        // a forged endorsement makes the file unreadable.
        var slipped = listed
        slipped.keys.append(KeysFile.Key(SigningKey.generate().publicKey))
        #expect(try slipped.followed(from: [old.publicKey]).count == 2)
        var forged = listed
        forged.keys[1].since = (forged.keys[1].since ?? 0) + 1
        #expect(throws: VerificationError.self) { try forged.publicKeys() }

        // The head the old key signed still verifies; the next is signed by the new key.
        let before = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(before.status == 0, "\(before.stdout)")
        store = try await SQLStore.openSQLite(directory: data)
        let record = try await store.statement(slug: "s")
        _ = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "t")
        #expect(try await store.signTreeHeads(with: new) == 1)
        #expect(try await store.latestTreeHead(of: record.id)?.keyID == new.publicKey.id)
        await store.close()
        let after = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(after.status == 0, "\(after.stdout)")
        let show = try BayanBinary.run(["key", "show", "--data", data])
        #expect(show.stdout.contains("key id: \(new.publicKey.id)"))
        let shared = try BayanBinary.run(["key", "rotate", "--data", data], environment: ["BAYAN_SIGNING_KEY": new.text])
        #expect(shared.status != 0 && shared.stderr.contains("BAYAN_SIGNING_KEY is set"))
    }

    /// Issue 13, acceptance 1: the tables edited without the log (a founding signatory
    /// renamed, one deleted, a 66th inserted) are each named by `bayan verify`, with the
    /// sign-on they concern; the chain itself still holds.
    @Test func verifyNamesTablesEditedWithoutTheLog() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "s")
        let fine = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(fine.status == 0, "\(fine.stdout)")
        let store = try await SQLStore.openSQLite(directory: data)
        try await store.handle.transaction { db in
            try await db.raw("UPDATE endorsements SET display_name = 'جمعية مزورة' WHERE founding = 1 AND number = 1").run()
            let tenth = try #require(try await db.raw("SELECT * FROM endorsements WHERE founding = 1 AND number = 10").first())
            let org = try tenth.decode(column: "organization_id", as: String.self)
            try await db.raw("DELETE FROM endorsements WHERE founding = 1 AND number = 10").run()
            try await db.raw(
                """
                INSERT INTO endorsements (id, statement_id, signer_kind, organization_id, display_name, version_hash, state, founding,
                  number, visibility, imported, name_key, created_at, updated_at)
                SELECT 'forged-66', statement_id, signer_kind, \(bind: org), 'منظمة مضافة', version_hash, state, 1, 66, visibility,
                  imported, name_key, created_at, updated_at FROM endorsements WHERE founding = 1 AND number = 65
                """
            ).run()
        }
        await store.close()
        let edited = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(edited.status == 1 && edited.stdout.contains("s: valid"), "\(edited.stdout)")
        #expect(edited.stdout.contains("is جمعية مزورة in the tables, \(Samples.organizations[0]) in the log (renamed outside the log)"))
        #expect(edited.stdout.contains("sign-on forged-66 (منظمة مضافة) is in the tables but not in the log (inserted outside the log)"))
        #expect(edited.stdout.contains("(\(Samples.organizations[9])) is in the log but not in the tables (deleted outside the log)"))
    }

    /// Issue 13: an event back-dated with every later hash recomputed is named, also where
    /// no head was signed yet.
    @Test func verifyNamesABackDatedEvent() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "s")
        let store = try await SQLStore.openSQLite(directory: data)
        let record = try await store.statement(slug: "s")
        try await liftAppendOnly(store)
        try await rewriteHistory(store, statementID: record.id, events: try await store.events(of: record.id), backDating: true)
        await store.close()
        let result = try BayanBinary.run(["verify", "s", "--data", data])
        #expect(result.status == 1 && result.stdout.contains("s: valid") && result.stdout.contains("event 2"), "\(result.stdout)")
        #expect(result.stdout.contains("back-dated"))
    }

    @Test func serveAnswersThePublicPageOverLoopbackAndStopsOnSIGTERM() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let data = try publishedStatement(in: dir, slug: "joint")
        let server = try BayanBinary.Server(arguments: ["--data", data])
        let page = try await httpGet(server.baseURL + "/s/joint")
        let missing = try await httpGet(server.baseURL + "/s/missing")
        let status = server.stop()
        #expect(page.status == 200)
        for (i, name) in Samples.organizations.enumerated() {
            #expect(page.body.contains(#"<li value="\#(i + 1)"><bdi>\#(name)</bdi></li>"#))
        }
        let parser = XMLParser(data: Data(page.body.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        #expect(missing.status == 404)
        #expect(status == 0)
    }
}

@Suite struct CLINames {
    @Test func namesSortAndDuplicatesWorkOnStdin() throws {
        let sorted = try BayanBinary.run(["names", "sort"], stdin: "نقابة المعلمين\n\nالاتحاد العام\nAmnesty\nرابطة الكتاب\n")
        #expect(sorted.stdout == "الاتحاد العام\nرابطة الكتاب\nنقابة المعلمين\nAmnesty\n")
        let dups = try BayanBinary.run(["names", "duplicates"], stdin: "الجالية في سورية\nرابطة\nالجالية في سوريا\n")
        #expect(dups.stdout == "1\t3\tspelling variant ية/يا\n")
    }
}

@Suite struct TourDocument {
    /// The README's tour imports docs/sample-statement.md: it must stay the canonical sample.
    @Test func theTourSampleIsTheCanonicalSixtyFiveSignatoryDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/sample-statement.md"), encoding: .utf8)
        #expect(text == Samples.document())
    }
}

/// Changes event 2 of the log and recomputes every chain hash after it, so the chain
/// alone still verifies: what `bayan verify` against a signed head, and a watcher, catch.
/// With `backDating`, event 2's date moves two days back instead.
func rewriteHistory(_ store: SQLStore, statementID: String, events: [Event], backDating: Bool = false) async throws {
    try await store.handle.transaction { db in
        var previous = events[0].hash
        for e in events.dropFirst() {
            var payload = e.payload
            var at = e.atMillis
            if e.sequence == 2 {
                if backDating { at -= 2 * 86_400_000 } else { payload["title"] = "بيان آخر" }
            }
            let hash = Event.computeHash(prevHash: previous, sequence: e.sequence, kind: e.kind, atMillis: at, payload: payload)
            var json: [UInt8] = []
            CanonicalJSON.object(payload, into: &json)
            try await db.raw(
                """
                UPDATE events SET payload = \(bind: String(decoding: json, as: UTF8.self)), at = \(bind: at), prev_hash = \(bind: previous),
                  hash = \(bind: hash)
                WHERE statement_id = \(bind: statementID) AND seq = \(bind: e.sequence)
                """
            ).run()
            previous = hash
        }
    }
}

/// A data directory under `dir` holding the 65-signatory sample, imported and published
/// as `slug` by the binary.
func publishedStatement(in dir: TemporaryDirectory, slug: String) throws -> String {
    let data = dir.file("data")
    let doc = dir.file("s.md")
    FileManager.default.createFile(atPath: doc, contents: Data(Samples.document().utf8))
    let imported = try BayanBinary.run(["import", doc, "--slug", slug, "--publish", "--data", data])
    #expect(imported.status == 0, "\(imported.stderr)")
    return data
}
