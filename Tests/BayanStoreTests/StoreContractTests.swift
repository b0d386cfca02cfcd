import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import SQLKit
import Testing

/// The databases the contract runs on: SQLite and PostgreSQL (`BAYAN_TEST_POSTGRES_URL`,
/// set by scripts/test; without it the PostgreSQL cases fail unless
/// `BAYAN_TEST_SKIP_POSTGRES=1`). Every test below runs unchanged on each.
enum TestDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var available: [TestDatabase] {
        PostgresTestDatabase.enabled ? [.sqlite, .postgres] : [.sqlite]
    }

    /// A fresh, migrated store with a fake clock and sequential ids, and its cleanup. On
    /// PostgreSQL each store gets its own new database, so tests run in parallel.
    func makeStore() async throws -> (SQLStore, @Sendable () async -> Void) {
        let clock = TestClock()
        switch self {
        case .sqlite:
            let dir = TemporaryDirectory()
            let store = try await SQLStore.openSQLite(directory: dir.path, environment: clock.environment)
            return (
                store,
                {
                    await store.close()
                    dir.remove()
                }
            )
        case .postgres:
            let (url, drop) = try await PostgresTestDatabase.create()
            let store = try await SQLStore.open(.postgres(url: url), environment: clock.environment, contactKeys: .given(.generate()))
            return (
                store,
                {
                    await store.close()
                    await drop()
                }
            )
        }
    }
}

/// A clock that advances one second per reading, and ids in creation order.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var tick = 0
    var environment: StoreEnvironment {
        StoreEnvironment(
            now: { self.next { Date(timeIntervalSince1970: 1_780_000_000 + Double($0)) } },
            newID: { self.next { String(format: "id-%06d", $0) } })
    }
    private func next<T>(_ make: (Int) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        tick += 1
        return make(tick)
    }
}

func withStore(_ db: TestDatabase, _ body: (SQLStore) async throws -> Void) async throws {
    let (store, cleanup) = try await db.makeStore()
    do { try await body(store) } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

func samplePlan(publish: Bool, slug: String = "joint-statement", names: [String] = Samples.organizations) throws -> ImportPlan {
    ImportPlan(
        slug: try Slug(slug), title: Samples.title, body: Samples.body, author: "test",
        signatories: names.enumerated().map { (name: $0.element, number: $0.offset + 1) },
        publish: publish, at: Date(timeIntervalSince1970: 1_780_000_000))
}

/// Row counts of every table: "unchanged" means these are equal.
func tableCounts(_ store: SQLStore) async throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for table in ["statements", "statement_versions", "organizations", "endorsements", "events"] {
        counts[table] = try await store.handle.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
    }
    return counts
}

@Suite struct StoreContract {
    /// Issue 15: rate-limit counters, several in one round trip: each counted once a call,
    /// refused past its limit, and concurrent callers on the same counters, naming them in
    /// opposite orders, lose no hit (and do not deadlock on PostgreSQL).
    @Test(arguments: TestDatabase.available)
    func rateBudgetsCountTogetherAndExactlyUnderConcurrency(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let a = RateBudget("a", window: 3600, limit: 3)
            let b = RateBudget("b", window: 3600, limit: 100)
            #expect(try await store.allow([a, b]))
            #expect(try await store.allow([b, a, a]))  // a named twice counts once: a = 2
            #expect(try await store.allow([a]))  // a = 3
            #expect(try await !store.allow([a, b]))  // a = 4, over its limit
            #expect(try await store.allow([b]))  // b = 4: within its own
            #expect(try await store.allow([]))
            #expect(try await !store.allow(bucket: "a", window: 3600, limit: 3))
            let c = RateBudget("c", window: 3600, limit: 40)
            let d = RateBudget("d", window: 3600, limit: 1000)
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<50 { group.addTask { try await store.allow(i % 2 == 0 ? [c, d] : [d, c]) } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(admitted == 40)
        }
    }

    /// SQLite's counters live in memory and are pruned past 100,000: a flood of new
    /// addresses must not reset a budget whose window still runs (pruning kept only the
    /// counters of one window's start, so the statement's minute budget started again).
    @Test func aFloodOfNewCountersDoesNotResetARunningBudget() async throws {
        try await withStore(.sqlite) { store in
            let statement = RateBudget("statement", window: 100_000_000, limit: 2)
            #expect(try await store.allow([statement]))
            #expect(try await store.allow([statement]))
            for i in 0..<100_001 { _ = try await store.allow([RateBudget("ip \(i)", window: 1_000_000_000, limit: 10)]) }
            #expect(try await !store.allow([statement]))
        }
    }

    @Test(arguments: TestDatabase.available)
    func migrationsAreRecordedAndIdempotent(db: TestDatabase) async throws {
        try await withStore(db) { store in
            #expect(try await Migrations.applied(on: store.handle) == Migrations.all.map(\.name))
            try await Migrations.run(on: store.handle)
            #expect(try await Migrations.applied(on: store.handle) == Migrations.all.map(\.name))
        }
    }

    @Test(arguments: TestDatabase.available)
    func importWithPublishRecordsTheFoundingListInDocumentOrder(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            #expect(record.state == .published && record.publishedAt != nil)
            let list = SignatoryRules.foundingList(try await store.endorsements(of: record.id))
            #expect(list.map(\.displayName) == Samples.organizations)
            #expect(list.map(\.number) == Array(1...65))
            #expect(list.allSatisfy { $0.imported && $0.state == .approved })
            let version = try await store.currentVersion(of: record.id)
            #expect(list.allSatisfy { $0.versionHash == version.contentHash })
            let events = try await store.events(of: record.id)
            // Each imported signatory is an event of its own, with the number it carries.
            #expect(
                events.map(\.kind)
                    == ["statement.created", "version.added", "statement.imported"] + Array(repeating: "endorsement.added", count: 65)
                    + ["statement.published"])
            #expect(events[2].payload["published"] == "elsewhere")
            #expect(events[3].payload["name"] == Samples.organizations[0] && events[3].payload["number"] == "1")
            #expect(events.last?.payload["ids"]?.split(separator: " ").map(String.init) == list.map(\.id))
            let replay = LogReplay(events.map(\.publicEvent))
            #expect(replay.founding.map(\.name) == Samples.organizations && replay.founding.map(\.number) == Array(1...65))
            #expect(EventChain.verify(events).isValid)
            let summaries = try await store.statementSummaries()
            #expect(summaries.map(\.signatoryCount) == [65])
            #expect(summaries.first?.title == Samples.title)
        }
    }

    @Test(arguments: TestDatabase.available)
    func importWithoutPublishLeavesADraftAwaitingConfirmation(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: false))
            #expect(record.state == .draft)
            let all = try await store.endorsements(of: record.id)
            #expect(all.count == 65 && all.allSatisfy { $0.state == .pending && !$0.founding && $0.number == nil })
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFailedImportLeavesTheDatabaseUnchanged(db: TestDatabase) async throws {
        try await withStore(db) { store in
            _ = try await store.importStatement(try samplePlan(publish: true))
            let before = try await tableCounts(store)
            // Same slug: refused before anything is written.
            await #expect(throws: StoreError.slugTaken("joint-statement")) {
                try await store.importStatement(try samplePlan(publish: true))
            }
            // Two names of one organisation: refused by the schema half-way through.
            await #expect(throws: StoreError.self) {
                try await store.importStatement(try samplePlan(publish: true, slug: "other", names: ["نقابة الأطباء", "رابطة", "نقابة الأطباء"]))
            }
            #expect(try await tableCounts(store) == before)
        }
    }

    @Test(arguments: TestDatabase.available)
    func oneOrganisationSignsAStatementOnce(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let s = try await store.createStatement(slug: try Slug("s"), language: "ar", title: "بيان", body: "نص", author: "c")
            _ = try await store.changeState(statementID: s.id, to: .circulating, foundingOrder: nil)
            let hash = try await store.currentVersion(of: s.id).contentHash
            _ = try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "نقابة المعلمين", versionHash: hash))
            await #expect(throws: StoreError.duplicateOrganization(name: "نقابةُ المعلّمين")) {
                try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "نقابةُ المعلّمين", versionHash: hash))
            }
            // The schema refuses it too, whatever the code above does.
            let org = try await store.endorsements(of: s.id)[0].organizationID!
            await #expect(throws: (any Error).self) {
                try await store.handle.transaction { db in
                    try await db.raw(
                        """
                        INSERT INTO endorsements (id, statement_id, signer_kind, organization_id, display_name, version_hash, state,
                          visibility, name_key, created_at, updated_at)
                        VALUES ('x', \(bind: s.id), 'organization', \(bind: org), 'n', 'h', 'pending', 'public', 'k', 0, 0)
                        """
                    ).run()
                }
            }
            #expect(try await store.endorsements(of: s.id).count == 1)
        }
    }

    /// Issue 11: a stored value no enumeration knows (a newer version's, a hand edit past
    /// the CHECK constraints) is an error naming its column, never a default.
    @Test(arguments: TestDatabase.available)
    func anUnknownStoredValueIsAnErrorNotADefault(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["أ ب", "ج د"]))
            try await store.handle.transaction { db in
                if db.dialect.name == "postgresql" {
                    try await db.raw("ALTER TABLE endorsements DROP CONSTRAINT IF EXISTS endorsements_state_check").run()
                } else {
                    try await db.raw("PRAGMA ignore_check_constraints = ON").run()
                }
                try await db.raw("UPDATE endorsements SET state = 'suspended' WHERE number = 2").run()
            }
            do throws(StoreError) {
                _ = try await store.endorsements(of: record.id)
                Issue.record("an unknown state was read")
            } catch {
                guard case .database(let message) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(message.contains("state"), "\(message)")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func foundingNumbersAreUniqueInTheSchema(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["أ ب", "ج د"]))
            await #expect(throws: (any Error).self) {
                try await store.handle.transaction { db in
                    try await db.raw("UPDATE endorsements SET number = 1 WHERE statement_id = \(bind: record.id)").run()
                }
            }
            let list = SignatoryRules.foundingList(try await store.endorsements(of: record.id))
            #expect(list.map(\.number) == [1, 2])
        }
    }

    @Test(arguments: TestDatabase.available)
    func signingDraftingAndPublishingFollowTheRules(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let s = try await store.createStatement(slug: try Slug("flow"), language: "ar", title: "بيان", body: "النص الأول", author: "c")
            let v1 = try await store.currentVersion(of: s.id).contentHash
            // A draft does not accept signatures.
            await #expect(throws: StoreError.domain(.notAcceptingSignatures(.draft))) {
                try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "نقابة", versionHash: v1))
            }
            _ = try await store.changeState(statementID: s.id, to: .circulating, foundingOrder: nil)
            let a = try await store.addEndorsement(
                statementID: s.id, NewEndorsement(displayName: "نقابة المعلمين", contact: "a@example.org", versionHash: v1))
            let b = try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "الاتحاد العام", versionHash: v1))
            let c = try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "رابطة الكتاب", versionHash: v1))
            for e in [a, b, c] { _ = try await store.setEndorsementState(statementID: s.id, endorsementID: e.id, to: .approved, reason: nil) }
            // The text changes: a sign-on of the old text is refused, old sign-ons drop out.
            let v2 = try await store.addVersion(statementID: s.id, title: "بيان", body: "النص الثاني", author: "c", reason: nil)
            await #expect(throws: StoreError.staleVersion) {
                try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "مجلس", versionHash: v1))
            }
            let all = try await store.endorsements(of: s.id)
            #expect(SignatoryRules.needingReconfirmation(all, currentHash: v2.contentHash, textIsEditable: true).count == 3)
            let d = try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "مجلس حلب", versionHash: v2.contentHash))
            _ = try await store.setEndorsementState(statementID: s.id, endorsementID: d.id, to: .approved, reason: nil)
            let published = try await store.changeState(statementID: s.id, to: .published, foundingOrder: .arabic)
            #expect(published.state == .published)
            let list = SignatoryRules.foundingList(try await store.endorsements(of: s.id))
            #expect(list.map(\.displayName) == ["مجلس حلب"])
            // Published text is frozen.
            await #expect(throws: StoreError.domain(.textFrozen(.published))) {
                try await store.addVersion(statementID: s.id, title: "بيان", body: "تغيير", author: "c", reason: nil)
            }
            // Withdrawal keeps the number; publishing again never renumbers.
            let w = try await store.setEndorsementState(statementID: s.id, endorsementID: d.id, to: .withdrawn, reason: "طلب الجهة")
            #expect(w.state == .withdrawn)
            _ = try await store.changeState(statementID: s.id, to: .closed, foundingOrder: nil)
            _ = try await store.changeState(statementID: s.id, to: .published, foundingOrder: nil)
            let after = SignatoryRules.foundingList(try await store.endorsements(of: s.id))
            #expect(after.map(\.number) == [1] && after[0].state == .withdrawn)
            let events = try await store.events(of: s.id)
            #expect(EventChain.verify(events).isValid)
            // Contacts never enter the event log.
            #expect(!events.contains { $0.payloadJSON.contains("a@example.org") })
        }
    }

    /// Issue 16: organisations approved after publication continue the founding numbers
    /// (65 founders: 66, 67 in the order of approval), so no number appears twice on the
    /// page or in an export; individuals get none.
    /// Issue 17: named individuals read by keyset, every one once, in signing order.
    @Test(arguments: TestDatabase.available)
    func individualsReadByKeysetEachOnceInOrder(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            try await store.seedIndividuals(statementID: record.id, count: 120, state: .confirmed)
            var seen: [Endorsement] = []
            var cursor: IndividualCursor?
            while true {
                let page = try await store.individuals(of: record.id, after: cursor, limit: 50)
                #expect(page.total == 120 && page.shown == 108)
                seen += page.items
                guard page.items.count == 50, let last = page.items.last else { break }
                cursor = IndividualCursor(after: last)
                #expect(IndividualCursor(cursor!.text) == cursor)
            }
            let offsetRead = try await store.individuals(of: record.id, offset: 0, limit: 500).items
            #expect(seen.map(\.id) == offsetRead.map(\.id) && seen.count == 108)
        }
    }

    /// Issue 17: API tokens kept by hash, listed, revoked once.
    @Test(arguments: TestDatabase.available)
    func apiTokensAreKeptByHashAndRevoked(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let c = try await store.createCoordinator(email: "t@example.org", passwordHash: "x", role: .coordinator)
            let record = try await store.importStatement(try samplePlan(publish: true))
            let expiry = Date(timeIntervalSince1970: 2_000_000_000)
            let made = try await store.createAPIToken(
                coordinatorID: c.id, name: "sync", tokenHash: "h1", statementIDs: [record.id], mayWrite: true, expiresAt: expiry)
            let found = try await store.apiToken(tokenHash: "h1")
            #expect(found.id == made.id && found.statementIDs == [record.id] && found.mayWrite && found.revokedAt == nil)
            #expect(abs(found.expiresAt.timeIntervalSince(expiry)) < 0.001)
            await #expect(throws: StoreError.self) { _ = try await store.apiToken(tokenHash: "nope") }
            try await store.revokeAPIToken(id: made.id, coordinatorID: c.id)
            try await store.revokeAPIToken(id: made.id, coordinatorID: c.id)
            #expect(try await store.apiTokens(coordinatorID: c.id).map(\.revokedAt).allSatisfy { $0 != nil })
            await #expect(throws: StoreError.self) { try await store.revokeAPIToken(id: made.id, coordinatorID: "someone else") }
        }
    }

    /// Issue 17: the websites that may frame a statement's embed, replaced as a set and
    /// logged once per change.
    @Test(arguments: TestDatabase.available)
    func embedOriginsAreReplacedAsASetAndLogged(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            #expect(try await store.embedOrigins(of: record.id).isEmpty)
            let origins = ["https://partner.example.org", "https://news.example:8443", "https://partner.example.org"].compactMap(EmbedOrigin.init)
            let before = try await store.events(of: record.id).count
            try await store.setEmbedOrigins(statementID: record.id, origins)
            try await store.setEmbedOrigins(statementID: record.id, origins)
            #expect(try await store.embedOrigins(of: record.id) == ["https://news.example:8443", "https://partner.example.org"])
            let events = try await store.events(of: record.id)
            #expect(events.count == before + 1 && events.last?.kind == EventKind.embedOriginsChanged.rawValue)
            try await store.setEmbedOrigins(statementID: record.id, [])
            #expect(try await store.embedOrigins(of: record.id).isEmpty)
            #expect(EventChain.verify(try await store.events(of: record.id)).isValid)
        }
    }

    @Test(arguments: TestDatabase.available)
    func laterOrganisationsContinueTheFoundingNumbers(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            let hash = try await store.currentVersion(of: record.id).contentHash
            let first = try await store.addEndorsement(
                statementID: record.id, NewEndorsement(signerKind: .organization, displayName: "رابطة لاحقة", versionHash: hash))
            let second = try await store.addEndorsement(
                statementID: record.id, NewEndorsement(signerKind: .organization, displayName: "Later Union", versionHash: hash))
            let person = try await store.addEndorsement(
                statementID: record.id, NewEndorsement(signerKind: .individual, displayName: "سلمى", versionHash: hash))
            let b = try await store.setEndorsementState(statementID: record.id, endorsementID: second.id, to: .approved, reason: nil)
            let p = try await store.setEndorsementState(statementID: record.id, endorsementID: person.id, to: .approved, reason: nil)
            let a = try await store.setEndorsementState(statementID: record.id, endorsementID: first.id, to: .approved, reason: nil)
            #expect(b.number == 66 && a.number == 67 && p.number == nil)
            // Withdrawing keeps the number; the next one is still new.
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: a.id, to: .withdrawn, reason: nil)
            let third = try await store.addEndorsement(
                statementID: record.id, NewEndorsement(signerKind: .organization, displayName: "مجلس ثالث", versionHash: hash))
            let c = try await store.setEndorsementState(statementID: record.id, endorsementID: third.id, to: .approved, reason: nil)
            #expect(c.number == 68)
            let numbers = try await store.endorsements(of: record.id).compactMap(\.number)
            #expect(Set(numbers).count == numbers.count && numbers.count == 68)
            #expect(EventChain.verify(try await store.events(of: record.id)).isValid)
        }
    }

    /// Issue 16: the hourly tallies behind the growth chart, kept by the database, always
    /// equal a count of the live sign-ons themselves, through approvals, confirmations,
    /// withdrawals, rejections and erasure.
    @Test(arguments: TestDatabase.available)
    func theHourlyTalliesEqualACountOfTheLiveSignOns(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            let hash = try await store.currentVersion(of: record.id).contentHash
            var ids: [String] = []
            for i in 0..<6 {
                let kind: SignerKind = i % 2 == 0 ? .individual : .organization
                let e = try await store.addEndorsement(
                    statementID: record.id, NewEndorsement(signerKind: kind, displayName: "اسم \(i)", versionHash: hash))
                ids.append(e.id)
            }
            for (i, state) in [EndorsementState.confirmed, .approved, .approved, .rejected, .confirmed].enumerated() {
                _ = try await store.setEndorsementState(statementID: record.id, endorsementID: ids[i], to: state, reason: nil)
            }
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: ids[1], to: .withdrawn, reason: nil)
            func counted() async throws -> [String: Int] {
                try await store.handle.read { db in
                    try await db.raw(
                        """
                        SELECT signer_kind, created_at / 3600000 AS hour, COUNT(*) AS n FROM endorsements
                        WHERE statement_id = \(bind: record.id) AND state IN ('approved', 'confirmed') GROUP BY signer_kind, created_at / 3600000
                        """
                    ).all().reduce(into: [:]) { out, row in
                        out["\(try row.decode(column: "signer_kind", as: String.self))|\(try row.decode(column: "hour", as: Int64.self))"] =
                            try row.decode(column: "n", as: Int.self)
                    }
                }
            }
            let kept = try await store.growth(of: record.id).reduce(into: [String: Int]()) { $0["\($1.kind.rawValue)|\($1.hour)"] = $1.count }
            #expect(kept == (try await counted()))
            #expect(kept.values.reduce(0, +) == 65 + 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func tamperingWithAStoredEventIsNamedByVerification(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true))
            #expect(EventChain.verify(try await store.events(of: record.id)).isValid)
            // The log refuses edits while its triggers stand.
            await #expect(throws: (any Error).self) {
                try await store.handle.transaction { db in try await db.raw("UPDATE events SET at = at + 1").run() }
            }
            await #expect(throws: (any Error).self) {
                try await store.handle.transaction { db in try await db.raw("DELETE FROM events").run() }
            }
            try await liftAppendOnly(store)
            try await store.handle.transaction { db in
                try await db.raw(
                    """
                    UPDATE events SET payload = \(bind: #"{"founding":"64","listHash":"x","order":"document","versionHash":"y"}"#)
                    WHERE statement_id = \(bind: record.id) AND seq = 4
                    """
                ).run()
            }
            guard case .broken(let seq, _) = EventChain.verify(try await store.events(of: record.id)) else {
                Issue.record("tampering not detected")
                return
            }
            #expect(seq == 4)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theDirectoryIsSharedAcrossStatements(db: TestDatabase) async throws {
        try await withStore(db) { store in
            _ = try await store.importStatement(try samplePlan(publish: true, slug: "first", names: ["نقابة المعلمين", "رابطة الكتاب"]))
            _ = try await store.importStatement(try samplePlan(publish: true, slug: "second", names: ["نقابة المعلّمين", "مجلس حلب"]))
            let orgs = try await store.organizations()
            #expect(orgs.count == 3)
            // The directory's one query: every organisation's statements at once.
            let signed = try await store.statementsSignedByOrganization()
            let byName = Dictionary(uniqueKeysWithValues: orgs.map { ($0.displayName, signed[$0.id, default: []]) })
            #expect(byName["نقابة المعلمين"] == ["first", "second"])
            #expect(byName["رابطة الكتاب"] == ["first"])
            #expect(byName["مجلس حلب"] == ["second"])
        }
    }

    /// Issue 11: what the coordinator's pages read of a statement with many individuals,
    /// counted from the index and paged, never loaded whole.
    @Test(arguments: TestDatabase.available)
    func individualsAreCountedByStateAndTheirQueueIsPaged(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين", "رابطة الكتاب"]))
            let other = try await store.importStatement(try samplePlan(publish: true, slug: "other", names: ["مجلس حلب"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            try await store.seedIndividuals(statementID: record.id, count: 5, state: .confirmed, batch: 2)
            try await store.seedIndividuals(statementID: record.id, count: 7, state: .pending, batch: 3)
            let firstPage = try await store.individualsAwaitingReview(of: record.id, offset: 0, limit: 4)
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: firstPage[0].id, to: .rejected, reason: nil)
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: firstPage[1].id, to: .approved, reason: nil)

            let tally = try await store.individualTally(of: record.id, currentHash: hash)
            #expect(tally.byState == [.confirmed: 5, .pending: 5, .rejected: 1, .approved: 1])
            #expect(tally.listed == 1)
            #expect(tally.live == 11)
            #expect(try await store.individualTally(of: other.id, currentHash: hash) == IndividualTally(byState: [:], listed: 0))

            let pageOne = try await store.individualsAwaitingReview(of: record.id, offset: 0, limit: 3)
            let pageTwo = try await store.individualsAwaitingReview(of: record.id, offset: 3, limit: 3)
            #expect(pageOne.count == 3 && pageTwo.count == 2)
            #expect(Set(pageOne.map(\.id)).isDisjoint(with: pageTwo.map(\.id)))
            #expect((pageOne + pageTwo).allSatisfy { $0.state == .pending && $0.signerKind == .individual })
            #expect((pageOne + pageTwo).map(\.createdAt) == (pageOne + pageTwo).map(\.createdAt).sorted())

            let live = try await store.liveEndorsementCounts()
            #expect(live[record.id] == 2 + 11)
            #expect(live[other.id] == 1)

            // The tallies the database keeps agree with counting the rows, after inserts,
            // state changes and a withdrawal, for the public page's totals too.
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: pageOne[0].id, to: .withdrawn, reason: nil)
            let counted = try await store.handle.read { db in
                try await db.raw(
                    """
                    SELECT state, COUNT(*) AS n FROM endorsements WHERE statement_id = \(bind: record.id) AND signer_kind = 'individual'
                    GROUP BY state
                    """
                ).all().map { (try $0.decode(column: "state", as: String.self), try $0.decode(column: "n", as: Int.self)) }
            }
            let tallied = try await store.individualTally(of: record.id, currentHash: hash).byState
            #expect(Dictionary(uniqueKeysWithValues: counted.map { (EndorsementState(rawValue: $0.0)!, $0.1) }) == tallied)
            let page = try await store.individuals(of: record.id, offset: 0, limit: 100)
            #expect(page.total == 6 && page.shown == 5 && page.items.count == 5)  // 5 confirmed + 1 approved; every 10th counted only
        }
    }
}

/// Issue 19: retried submissions on both databases.
@Suite struct RetriedWrites {
    @Test(arguments: TestDatabase.available)
    func aFormKeyIsClaimedOnceAndRefusedWithOtherContent(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let first = Submission(keyHash: "k1", contentHash: "approve")
            let outcomes = await withTaskGroup(of: SubmissionOutcome?.self) { group in
                for _ in 0..<8 { group.addTask { try? await store.claimSubmission(first) } }
                return await group.reduce(into: [SubmissionOutcome?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .created }.count == 1 && outcomes.filter { $0 == .repeated }.count == 7)
            await #expect(throws: StoreError.submissionReused) {
                try await store.claimSubmission(Submission(keyHash: "k1", contentHash: "reject"))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theSameTextOrTranslationAgainIsNotANewVersion(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.createStatement(slug: try Slug("draft"), language: "ar", title: "بيان", body: "نص", author: "a")
            let events = try await store.events(of: record.id).count
            let same = try await store.addVersion(statementID: record.id, title: "بيان", body: "نص", author: "a", reason: nil)
            let versions = try await store.versions(of: record.id)
            #expect(same.number == 1 && versions.count == 1)
            let tr = try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "a")
            #expect(try await store.addTranslation(statementID: record.id, language: "en", title: "Statement", body: "Text", author: "a") == tr)
            #expect(try await store.events(of: record.id).count == events + 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPendingJoinGetsItsMailAgainOnceAndAConfirmedOneIsRefused(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            let mail = OutboxMessage(recipient: "p@example.org", subject: "s", body: "b")
            _ = try await store.join(
                statementID: record.id,
                NewEndorsement(
                    signerKind: .individual, displayName: "سلمى", contact: "p@example.org",
                    versionHash: hash, visibility: .public),
                emailKey: "p@example.org", confirmTokenHash: "c1", signerTokenHash: "s1", mail: mail)
            #expect(try await store.joinState(statementID: record.id, emailKey: "p@example.org") == .pending)
            let resend = { () async throws(StoreError) -> SubmissionOutcome in
                try await store.resendConfirmation(
                    statementID: record.id, emailKey: "p@example.org", confirmTokenHash: "c2",
                    signerTokenHash: "s2", mail: mail)
            }
            #expect(try await resend() == .created)
            #expect(try await resend() == .repeated)
            #expect(try await store.outboxCounts().waiting == 2)
            await #expect(throws: StoreError.self) { try await store.confirm(tokenHash: "c1") }
            _ = try await store.confirm(tokenHash: "c2")
            #expect(try await store.endorsement(signerTokenHash: "s2").1.state == .confirmed)
            await #expect(throws: StoreError.join(.duplicateEmail)) {
                try await store.resendConfirmation(
                    statementID: record.id, emailKey: "p@example.org", confirmTokenHash: "c3",
                    signerTokenHash: "s3", mail: mail)
            }
            await #expect(throws: StoreError.notFound("join")) { try await store.joinState(statementID: record.id, emailKey: "q@example.org") }
        }
    }
}

@Suite struct SQLiteFiles {
    @Test func dataDirectoryAndFileAreOwnerOnlyAndWALIsOn() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("data")
        let store = try await SQLStore.openSQLite(directory: path)
        let dirMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: path + "/bayan.sqlite")[.posixPermissions] as! Int
        #expect(dirMode == 0o700)
        #expect(fileMode == 0o600)
        let mode = try await store.handle.read { db in
            try await db.raw("PRAGMA journal_mode").first()!.decode(column: "journal_mode", as: String.self)
        }
        #expect(mode == "wal")
        let fk = try await store.handle.transaction { db in
            try await db.raw("PRAGMA foreign_keys").first()!.decode(column: "foreign_keys", as: Int.self)
        }
        #expect(fk == 1)
        await store.close()
    }
}

@Suite struct GroupCommitOnSQLite {
    @Test func concurrentWritesShareCommitsAndAFailingOneRollsBackAlone() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let s = try await store.createStatement(slug: try Slug("burst"), language: "ar", title: "بيان", body: "نص", author: "c")
        _ = try await store.changeState(statementID: s.id, to: .circulating, foundingOrder: nil)
        let hash = try await store.currentVersion(of: s.id).contentHash
        let handle = store.handle as! SQLiteHandle
        let before = await handle.groupCommitStatistics
        // 300 distinct organisations and 20 attempts to sign twice, all at once.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<300 {
                group.addTask {
                    (try? await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "جمعية رقم \(i)", versionHash: hash))) != nil
                }
            }
            for i in 0..<20 {
                group.addTask {
                    (try? await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: "جمعية رقم \(i)", versionHash: hash))) != nil
                }
            }
            var results: [Bool] = []
            for await ok in group { results.append(ok) }
            return results
        }
        let after = await handle.groupCommitStatistics
        #expect(outcomes.filter { $0 }.count == 300)
        #expect(try await store.endorsements(of: s.id).count == 300)
        let batches = after.batches - before.batches
        let jobs = after.jobs - before.jobs
        #expect(jobs == 320)
        #expect(batches < jobs / 4, "group commit should batch: \(batches) commits for \(jobs) transactions")
        #expect(EventChain.verify(try await store.events(of: s.id)).isValid)
        await store.close()
    }
}

@Suite struct BatchedJoins {
    @Test(arguments: TestDatabase.available)
    func aBurstOfJoinsIsStoredOnceEachWithDuplicatesRefused(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            func join(_ i: Int) async -> Result<Endorsement, StoreError> {
                do {
                    return .success(
                        try await store.join(
                            statementID: record.id,
                            NewEndorsement(
                                signerKind: .individual, displayName: "مؤيد \(i % 300)", place: i % 2 == 0 ? "حلب \"القديمة\"" : nil,
                                contact: "p\(i % 300)@example.org", versionHash: hash, visibility: i % 3 == 0 ? .countedOnly : .public),
                            emailKey: "p\(i % 300)@example.org", confirmTokenHash: "c\(i)", signerTokenHash: "s\(i)",
                            mail: OutboxMessage(recipient: "p\(i % 300)@example.org", subject: "s", body: "b")))
                } catch { return .failure(error) }
            }
            let outcomes = await withTaskGroup(of: Result<Endorsement, StoreError>.self) { group in
                for i in 0..<320 { group.addTask { await join(i) } }
                var all: [Result<Endorsement, StoreError>] = []
                for await r in group { all.append(r) }
                return all
            }
            let refused = outcomes.compactMap { if case .failure(let e) = $0 { e } else { nil } }
            #expect(outcomes.count - refused.count == 300)
            #expect(refused.count == 20 && refused.allSatisfy { $0 == .join(.duplicateEmail) })
            let individuals = try await store.endorsements(of: record.id).filter { $0.signerKind == .individual }
            #expect(individuals.count == 300 && Set(individuals.map(\.contact)).count == 300)
            // Every field arrives as sent (the batch passes its rows to the database as JSON).
            for e in individuals {
                guard case .success(let sent)? = outcomes.first(where: { (try? $0.get().id) == e.id }) else {
                    Issue.record("no outcome for \(e.id)")
                    continue
                }
                #expect(e.displayName == sent.displayName && e.place == sent.place && e.contact == sent.contact)
                #expect(e.visibility == sent.visibility && e.versionHash == hash && e.state == .pending && e.signerKind == .individual)
                #expect(Int64(e.createdAt.timeIntervalSince1970 * 1000) == Int64(sent.createdAt.timeIntervalSince1970 * 1000))
            }
            #expect(individuals.contains { $0.place == "حلب \"القديمة\"" } && individuals.contains { $0.place == nil })
            #expect(try await store.outboxCounts().waiting == 300)
            let events = try await store.events(of: record.id)
            #expect(EventChain.verify(events).isValid)
            // Batched joins are logged one event per batch, naming every id exactly once,
            // bound to the text that was agreed to.
            let joined = events.filter { $0.kind == "endorsement.added" && $0.payload["via"] == "join" }
            let loggedIDs = joined.flatMap { ($0.payload["ids"] ?? "").split(separator: " ").map(String.init) }
            #expect(loggedIDs.count == 300 && Set(loggedIDs) == Set(individuals.map(\.id)))
            #expect(
                joined.allSatisfy {
                    $0.payload["versionHash"] == hash.hex && Int($0.payload["count"] ?? "") == ($0.payload["ids"] ?? "").split(separator: " ").count
                })
            #expect(joined.count < 300)
            // A stale text is refused in the batch too.
            await #expect(throws: StoreError.staleVersion) {
                try await store.join(
                    statementID: record.id, NewEndorsement(signerKind: .individual, displayName: "x", versionHash: ContentHash(hex: "00")),
                    emailKey: "x@example.org", confirmTokenHash: nil, signerTokenHash: "sx", mail: nil)
            }
            // One burst mixing a good join, a stale text and a repeated address: each gets its own answer.
            func mixed(_ i: Int) async -> Result<Endorsement, StoreError> {
                do {
                    return .success(
                        try await store.join(
                            statementID: record.id,
                            NewEndorsement(
                                signerKind: .individual, displayName: "خليط \(i)", contact: "m\(i)@example.org",
                                versionHash: i % 3 == 1 ? ContentHash(hex: "00") : hash),
                            emailKey: i % 3 == 2 ? "p1@example.org" : "m\(i)@example.org", confirmTokenHash: "mc\(i)", signerTokenHash: "ms\(i)",
                            mail: nil))
                } catch { return .failure(error) }
            }
            let answers = await withTaskGroup(of: (Int, Result<Endorsement, StoreError>).self) { group in
                for i in 0..<60 { group.addTask { (i, await mixed(i)) } }
                var all: [Int: Result<Endorsement, StoreError>] = [:]
                for await (i, r) in group { all[i] = r }
                return all
            }
            for (i, r) in answers {
                switch i % 3 {
                case 0: #expect((try? r.get()) != nil, "join \(i)")
                case 1: #expect(r == .failure(.staleVersion), "join \(i)")
                default: #expect(r == .failure(.join(.duplicateEmail)), "join \(i)")
                }
            }
            // A closed statement takes no more joins.
            _ = try await store.changeState(statementID: record.id, to: .closed, foundingOrder: nil)
            await #expect(throws: StoreError.join(.notPublished)) {
                try await store.join(
                    statementID: record.id, NewEndorsement(signerKind: .individual, displayName: "متأخر", versionHash: hash),
                    emailKey: "late@example.org", confirmTokenHash: nil, signerTokenHash: "sl", mail: nil)
            }
            #expect(EventChain.verify(try await store.events(of: record.id)).isValid)
        }
    }
}

/// Issue 12: one-use join forms, the hourly mail cap and mail bodies not kept.
@Suite struct JoinAbuseInTheStore {
    @Test(arguments: TestDatabase.available)
    func aFormStampServesOneSubmissionAndItsRetry(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            func join(_ email: String, signer: String, stamp: String, kind: SignerKind = .individual) async -> Result<Endorsement, StoreError> {
                do {
                    return .success(
                        try await store.join(
                            statementID: record.id,
                            NewEndorsement(
                                signerKind: kind, displayName: "اسم \(email)", signerName: kind == .organization ? "ممثل" : nil,
                                contact: email, versionHash: hash),
                            emailKey: kind == .individual ? email : nil, confirmTokenHash: nil, signerTokenHash: signer, stampHash: stamp,
                            mail: nil))
                } catch { return .failure(error) }
            }
            #expect((try? await join("a@example.org", signer: "sa", stamp: "T1").get()) != nil)
            // The same stamp for another address (a replayed form): refused, whatever the batch.
            #expect(await join("b@example.org", signer: "sb", stamp: "T1") == .failure(.join(.formUsed)))
            // The same submission again (its answer lost): not "form used"; the edge finds it by its link.
            #expect(await join("a@example.org", signer: "sa", stamp: "T1") == .failure(.join(.duplicateEmail)))
            // Ten replays in one burst: none stored, each told why.
            let burst = await withTaskGroup(of: Result<Endorsement, StoreError>.self) { group in
                for i in 0..<10 { group.addTask { await join("r\(i)@example.org", signer: "sr\(i)", stamp: "T1") } }
                var all: [Result<Endorsement, StoreError>] = []
                for await r in group { all.append(r) }
                return all
            }
            #expect(burst.allSatisfy { $0 == .failure(.join(.formUsed)) })
            // Organisations' joins go through the other write path: the same rule.
            #expect(await join("org@example.org", signer: "so", stamp: "T1", kind: .organization) == .failure(.join(.formUsed)))
            #expect((try? await join("org@example.org", signer: "so", stamp: "T2", kind: .organization).get()) != nil)
            #expect(try await store.endorsements(of: record.id).filter { !$0.imported }.count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func joinSignalsCountByOriginAndASetOfJoinsIsSetAsideWithOneEvent(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            let origins = [
                ("198.51.100.0/24", "spam.example"), ("198.51.100.0/24", "spam.example"), ("198.51.100.0/24", "mail.example"),
                ("203.0.113.0/24", "mail.example"),
            ]
            var ids: [String] = []
            for (i, origin) in origins.enumerated() {
                ids.append(
                    try await store.join(
                        statementID: record.id,
                        NewEndorsement(signerKind: .individual, displayName: "مؤيد \(i)", contact: "p\(i)@x", versionHash: hash),
                        emailKey: "p\(i)@x", confirmTokenHash: "c\(i)", signerTokenHash: "s\(i)",
                        origin: JoinOrigin(network: origin.0, domain: origin.1), mail: nil
                    ).id)
            }
            _ = try await store.confirm(tokenHash: "c3")
            let signals = try await store.joinSignals(statementID: record.id, since: Date(timeIntervalSince1970: 0))
            #expect(signals.networks.map(\.value) == ["198.51.100.0/24", "203.0.113.0/24"] && signals.networks.map(\.count) == [3, 1])
            #expect(signals.domains.map(\.value) == ["mail.example", "spam.example"] && signals.domains.map(\.count) == [2, 2])
            let eventsBefore = try await store.events(of: record.id).count
            let setAside = try await store.invalidateJoins(statementID: record.id, .domain("spam.example"), reason: "flood")
            #expect(Set(setAside) == Set(ids[0..<2]))
            // Again: nothing left to set aside, no second event.
            #expect(try await store.invalidateJoins(statementID: record.id, .domain("spam.example"), reason: "flood").isEmpty)
            let byNetwork = try await store.invalidateJoins(statementID: record.id, .network("203.0.113.0/24"), reason: "bots")
            #expect(byNetwork == [ids[3]])
            let states = Dictionary(uniqueKeysWithValues: try await store.endorsements(of: record.id).map { ($0.id, $0.state) })
            #expect(states[ids[0]] == .rejected && states[ids[1]] == .rejected && states[ids[2]] == .pending && states[ids[3]] == .rejected)
            let events = try await store.events(of: record.id)
            #expect(events.count == eventsBefore + 2 && EventChain.verify(events).isValid)
            let last = try #require(events.last)
            #expect(last.kind == "endorsements.invalidated" && last.payload["network"] == "203.0.113.0/24" && last.payload["reason"] == "bots")
            #expect(events[events.count - 2].payload["ids"]?.split(separator: " ").count == 2)
            // A time window takes what joined in it, imported founders never.
            let window = try await store.invalidateJoins(
                statementID: record.id, .window(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 4_000_000_000)), reason: "all")
            #expect(window == [ids[2]])
            #expect(try await store.endorsements(of: record.id).filter { $0.imported }.allSatisfy { $0.state != .rejected })
        }
    }

    @Test(arguments: TestDatabase.available)
    func theOutboxSendsNoMoreThanItsHourlyCapAndKeepsNoBodyOnceDone(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            for i in 0..<5 {
                _ = try await store.join(
                    statementID: record.id,
                    NewEndorsement(signerKind: .individual, displayName: "مؤيد \(i)", contact: "m\(i)@example.org", versionHash: hash),
                    emailKey: "m\(i)@example.org", confirmTokenHash: "c\(i)", signerTokenHash: "s\(i)",
                    mail: OutboxMessage(recipient: "m\(i)@example.org", subject: "s", body: "https://bayan.example/confirm/SECRET\(i)"))
            }
            let first = try await store.claimOutbox(limit: 20, lease: 120, perHour: 3)
            #expect(first.count == 3)
            // Those being sent count toward the cap: nothing more until they are done.
            #expect(try await store.claimOutbox(limit: 20, lease: 120, perHour: 3).isEmpty)
            try await store.recordDelivery(id: first[0].id, .sent)
            try await store.recordDelivery(id: first[1].id, .failed(error: "550 no such user", retryAfter: 1, permanent: true))
            try await store.recordDelivery(id: first[2].id, .sent)
            // Two sent within the hour: one more may go.
            #expect(try await store.claimOutbox(limit: 20, lease: 120, perHour: 3).count == 1)
            let bodies = try await store.handle.read { db in
                try await db.raw("SELECT id, body FROM outbox").all().map {
                    (try $0.decode(column: "id", as: String.self), try $0.decode(column: "body", as: String.self))
                }
            }
            let done = Set(first.map(\.id))
            #expect(bodies.filter { done.contains($0.0) }.allSatisfy { $0.1.isEmpty })
            #expect(bodies.filter { !done.contains($0.0) }.allSatisfy { $0.1.contains("SECRET") })
        }
    }
}

@Suite struct WriteAheadLog {
    /// A burst keeps committing while the WAL is copied back; the log must still start
    /// over now and then instead of growing for as long as the burst lasts.
    @Test func staysBoundedThroughALongBurstOfJoins() async throws {
        let dir = TemporaryDirectory()
        let store = try await SQLStore.openSQLite(directory: dir.path)
        let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين"]))
        let hash = try await store.currentVersion(of: record.id).contentHash
        let batches = 240
        let perBatch = 40
        for b in 0..<batches {
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<perBatch {
                    let n = b * perBatch + i
                    group.addTask {
                        _ = try? await store.join(
                            statementID: record.id,
                            NewEndorsement(signerKind: .individual, displayName: "مؤيد \(n)", contact: "w\(n)@example.org", versionHash: hash),
                            emailKey: "w\(n)@example.org", confirmTokenHash: "wc\(n)", signerTokenHash: "ws\(n)", mail: nil)
                    }
                }
            }
        }
        let wal = try FileManager.default.attributesOfItem(atPath: dir.path + "/bayan.sqlite-wal")[.size] as? Int ?? 0
        // Each join writes ~4.6 KB of WAL pages here (measured: 44 MB for these 9,600
        // joins when the log never starts over). A WAL that restarts holds a few dozen
        // commits' worth: measured 9.6 MB.
        #expect(wal < batches * perBatch * 2048, "WAL \(wal) bytes")
        #expect(try await store.individuals(of: record.id, offset: 0, limit: 1).total == 0)  // all pending
        try await store.close()
    }
}
