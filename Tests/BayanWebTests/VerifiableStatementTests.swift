import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import Testing

@testable import BayanWeb

/// Issue 13: the public log, the signed manifest and receipts, checked offline
/// (`OfflineVerification`) the way a third party would: nothing but the public files.
@Suite struct VerifiableStatements {
    /// A published statement whose founding organisation holds a private link, so its
    /// receipt can be taken; individuals join, some listed by name, some counted only.
    static func published(_ store: SQLStore) async throws -> (record: StatementRecord, token: String, founder: Endorsement) {
        let record = try await store.createStatement(slug: try Slug("v"), language: "ar", title: "بيان", body: "نص البيان", author: "منسقة")
        _ = try await store.changeState(statementID: record.id, to: .circulating, foundingOrder: nil)
        let hash = try await store.currentVersion(of: record.id).contentHash
        let founder = try await store.addEndorsement(
            statementID: record.id, NewEndorsement(displayName: "نقابة المعلمين", place: "حلب", versionHash: hash, state: .confirmed))
        let second = try await store.addEndorsement(
            statementID: record.id, NewEndorsement(displayName: "رابطة الكتاب", versionHash: hash, state: .confirmed))
        for e in [founder, second] {
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: e.id, to: .approved, reason: nil)
        }
        _ = try await store.changeState(statementID: record.id, to: .published, foundingOrder: .arabic)
        let token = Tokens.make()
        try await store.setSignerToken(statementID: record.id, endorsementID: founder.id, tokenHash: Tokens.hash(token))
        for (i, visibility) in [Visibility.public, .countedOnly].enumerated() {
            _ = try await store.join(
                statementID: record.id,
                NewEndorsement(
                    signerKind: .individual, displayName: "فرد \(i)", contact: "p\(i)@example.org", versionHash: hash, visibility: visibility),
                emailKey: "p\(i)@example.org", confirmTokenHash: "c\(i)", signerTokenHash: "s\(i)", mail: nil)
            _ = try await store.confirm(tokenHash: "c\(i)")
        }
        return (record, token, founder)
    }

    /// A fresh store, closed after `body` (SQLite's connection must not outlive it).
    static func withStore(_ body: (SQLStore) async throws -> Void) async throws {
        let fixture = try await Fixture.make()
        do { try await body(fixture.store) } catch {
            await fixture.store.close()
            throw error
        }
        await fixture.store.close()
    }

    static func publicFiles(_ store: SQLStore, slug: String = "v", key: SigningKey) async throws -> (Manifest, [PublicEvent]) {
        let reading = PublicReading(store: store)
        let manifest = try #require(try await reading.manifest(slug: slug, key: key, now: Date()))
        var events: [PublicEvent] = []
        while true {
            let page = try #require(try await reading.log(slug: slug, from: events.count + 1, limit: 1000))
            if page.events.isEmpty { break }
            events += page.events
        }
        return (manifest, events)
    }

    @Test func theManifestAndThePublicLogVerifyAndLeakNothingPrivate() async throws {
        try await Self.withStore { store in
            let (record, _, _) = try await Self.published(store)
            let key = SigningKey.generate()
            let (manifest, log) = try await Self.publicFiles(store, key: key)
            let report = OfflineVerification.verify(keys: [key.publicKey], manifest: manifest, log: log)
            #expect(report.isValid, "\(report.findings)")
            #expect(manifest.founding.map(\.name) == ["رابطة الكتاب", "نقابة المعلمين"] && manifest.founding.last?.place == "حلب")
            #expect(manifest.individuals == IndividualCount(counted: 2, named: 1))
            #expect(manifest.head.size == log.count && manifest.isSigned(by: [key.publicKey]))
            // The public log: no contact, no coordinator, no name of the person counted only.
            let json = String(decoding: try JSONEncoder().encode(log), as: UTF8.self)
            for secret in ["p0@example.org", "p1@example.org", "منسقة", "فرد 1", "salt"] { #expect(!json.contains(secret), "\(secret)") }
            #expect(json.contains("فرد 0") && json.contains("sha256:"))
            // The stored events still hold what the commitments bind: the operator can open one.
            let created = try #require(try await store.events(of: record.id).first)
            let saltHex = try #require(created.payload["salt"])
            let salt = try #require(ContentHash.bytes(hex: saltHex))
            #expect(log[0].payload["author"] == LogPrivacy.commitment(key: "author", value: "منسقة", salt: salt))
        }
    }

    /// Acceptance 1 (offline half): each tampering named by what it concerns.
    @Test func offlineVerificationNamesEachTampering() async throws {
        try await Self.withStore { store in
            let (record, _, founder) = try await Self.published(store)
            let key = SigningKey.generate()
            let (manifest, log) = try await Self.publicFiles(store, key: key)
            func findings(keys: [PublicSigningKey] = [key.publicKey], _ m: Manifest, _ l: [PublicEvent]) -> String {
                OfflineVerification.verify(keys: keys, manifest: m, log: l).findings.joined(separator: "\n")
            }
            // The log truncated, or an event altered (public verifiers hold no chain hashes
            // to recompute; the signed root catches it).
            #expect(findings(manifest, Array(log.dropLast())).contains("log truncated"))
            var altered = log
            altered[3].payload["name"] = "منظمة أخرى"
            #expect(findings(manifest, altered).contains("log rewritten"))
            // A head and manifest signed by a key the instance does not list.
            #expect(findings(keys: [SigningKey.generate().publicKey], manifest, log).contains("which the keys file does not list"))
            // A manifest edited after signing: its signature fails, and the edit is named.
            var edited = manifest
            edited.individuals.counted += 1000
            let editedFindings = findings(edited, log)
            #expect(editedFindings.contains("manifest: not signed") && editedFindings.contains("(inflated)"))
            // A back-dated event in a log that was signed that way from the start.
            var dated = log
            dated[dated.count - 1].atMillis = dated[0].atMillis - 3_600_000
            var backDated = manifest
            backDated.head = TreeHead.sign(statementID: record.id, leaves: dated.map(\.leafHash), atMillis: Date().millis, key: key)
            backDated.sign(with: key)
            #expect(
                findings(backDated, dated)
                    == "event \(dated.count) (\(dated[dated.count - 1].kind)) is back-dated: dated before an earlier event of the log")
            // The instance's tables edited without the log: the manifest it signs now shows a
            // renamed founder and an extra individual, which the log does not vouch for.
            try await store.handle.transaction { db in
                try await db.raw("UPDATE endorsements SET display_name = 'اسم مزور' WHERE id = \(bind: founder.id)").run()
            }
            let (renamed, log2) = try await Self.publicFiles(store, key: key)
            #expect(findings(renamed, log2).contains("founding signatory 2 is اسم مزور here, نقابة المعلمين in the log (renamed outside the log)"))
            #expect(try await InstanceCheck.statement(record, in: store).headProblems.contains { $0.contains("renamed outside the log") })
            // An individual inserted in the tables alone: the count the instance signs is
            // higher than the log's.
            try await store.handle.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO endorsements (id, statement_id, signer_kind, display_name, version_hash, state, founding, visibility,
                      imported, name_key, created_at, updated_at)
                    SELECT 'forged', statement_id, 'individual', 'شخص مضاف', version_hash, 'confirmed', 0, 'public', 0, '', created_at,
                      updated_at FROM endorsements WHERE id = \(bind: founder.id)
                    """
                ).run()
            }
            let (inflated, log3) = try await Self.publicFiles(store, key: key)
            #expect(findings(inflated, log3).contains("individuals: 3 counted here, 2 in the log (inflated)"))
        }
    }

    /// Acceptance 3: a receipt saved at sign-on still verifies against a manifest taken
    /// after 10,000 more joins; once its signatory is removed from the tables, the
    /// verification names it.
    @Test func aReceiptOutlivesTenThousandJoinsAndNamesItsSignatoryWhenRemoved() async throws {
        try await Self.withStore { store in
            let (record, token, founder) = try await Self.published(store)
            let key = SigningKey.generate()
            _ = try await store.signTreeHeads(with: key)
            let receipt = try await Signing(store: store, tokens: DerivedTokens(store: store)).receipt(privateToken: token)
            #expect(receipt.proofHolds && receipt.endorsement == founder.id)
            let hash = try await store.currentVersion(of: record.id).contentHash
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<50 {
                    group.addTask {
                        for i in stride(from: worker, to: 10_000, by: 50) {
                            _ = try await store.join(
                                statementID: record.id,
                                NewEndorsement(
                                    signerKind: .individual, displayName: "مؤيد \(i)", contact: "j\(i)@example.org", versionHash: hash,
                                    visibility: i % 3 == 0 ? .countedOnly : .public),
                                emailKey: "j\(i)@example.org", confirmTokenHash: "jc\(i)", signerTokenHash: "js\(i)", mail: nil)
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await store.signTreeHeads(with: key)
            let (manifest, log) = try await Self.publicFiles(store, key: key)
            let later = OfflineVerification.verify(keys: [key.publicKey], manifest: manifest, log: log, receipts: [receipt])
            #expect(later.isValid, "\(later.findings)")
            #expect(manifest.head.size > receipt.head!.size)

            try await store.handle.transaction { db in
                try await db.raw("DELETE FROM endorsements WHERE id = \(bind: founder.id)").run()
            }
            let (after, log2) = try await Self.publicFiles(store, key: key)
            let removed = OfflineVerification.verify(keys: [key.publicKey], manifest: after, log: log2, receipts: [receipt]).findings
            #expect(
                removed.contains { $0.contains("receipt of نقابة المعلمين") && $0.contains("missing from the page's founding list") }, "\(removed)")
            #expect(removed.contains("founding signatory 2 (نقابة المعلمين) is in the log but missing here (deleted)"), "\(removed)")
        }
    }

    /// Anyone can type anyone's name into the public join form. Until the sign-on is
    /// accepted (the person confirms, a coordinator approves) the permanent public log
    /// holds a commitment, not the name: an impersonated person, or a name a coordinator
    /// refuses, is never readable beside the statement. The acceptance reveals it, and the
    /// lists still verify against the log.
    @Test func aJoinsNameEntersThePublicLogOnlyWhenItIsAccepted() async throws {
        try await Self.withStore { store in
            let (record, _, _) = try await Self.published(store)
            let hash = try await store.currentVersion(of: record.id).contentHash
            func join(_ name: String, kind: SignerKind, _ n: Int, visibility: Visibility = .public) async throws -> Endorsement {
                try await store.join(
                    statementID: record.id,
                    NewEndorsement(
                        signerKind: kind, displayName: name, place: "مكان \(n)", contact: "h\(n)@example.org", versionHash: hash,
                        visibility: visibility),
                    emailKey: kind == .individual ? "h\(n)@example.org" : nil, confirmTokenHash: "hc\(n)", signerTokenHash: "hs\(n)",
                    mail: nil)
            }
            let person = try await join("شخص منتحل", kind: .individual, 1)
            _ = try await join("شخص آخر", kind: .individual, 2)
            let hidden = try await join("شخص مستتر", kind: .individual, 3, visibility: .countedOnly)
            let organization = try await join("وزارة الداخلية", kind: .organization, 4)
            let refused = try await join("اسم مسيء", kind: .organization, 5)
            _ = try await store.rename(statementID: record.id, endorsementID: refused.id, to: "اسم مسيء آخر")
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: refused.id, to: .rejected, reason: "spam")
            let key = SigningKey.generate()
            func publicLog() async throws -> (Manifest, [PublicEvent], String) {
                let (manifest, log) = try await Self.publicFiles(store, key: key)
                return (manifest, log, String(decoding: try JSONEncoder().encode(log), as: UTF8.self))
            }
            let (before, log, json) = try await publicLog()
            for name in ["شخص منتحل", "شخص آخر", "شخص مستتر", "وزارة الداخلية", "اسم مسيء", "مكان 1", "مكان 4"] {
                #expect(!json.contains(name), "\(name) is in the public log before anyone accepted it")
            }
            let report = OfflineVerification.verify(keys: [key.publicKey], manifest: before, log: log)
            #expect(report.isValid, "\(report.findings)")
            #expect(before.individuals == IndividualCount(counted: 2, named: 1))
            // The stored events still hold the names, which the commitments bind.
            #expect(try await store.events(of: record.id).contains { $0.payload["names"]?.contains("شخص منتحل") == true })

            // Accepted: the person confirms, the coordinator approves the organisation.
            _ = try await store.confirm(tokenHash: "hc1")
            _ = try await store.confirm(tokenHash: "hc3")
            _ = try await store.setEndorsementState(statementID: record.id, endorsementID: organization.id, to: .approved, reason: nil)
            let (after, log2, json2) = try await publicLog()
            #expect(json2.contains("شخص منتحل") && json2.contains("وزارة الداخلية") && json2.contains("مكان 4"))
            for name in ["شخص آخر", "شخص مستتر", "اسم مسيء"] { #expect(!json2.contains(name), "\(name)") }
            let accepted = OfflineVerification.verify(keys: [key.publicKey], manifest: after, log: log2)
            #expect(accepted.isValid, "\(accepted.findings)")
            #expect(after.later.map(\.name) == ["وزارة الداخلية"] && after.later.first?.place == "مكان 4")
            #expect(after.individuals == IndividualCount(counted: 4, named: 2))
            #expect(try await InstanceCheck.statement(record, in: store).headProblems.isEmpty)
            // The log still names a renamed organisation against the tables once it is listed.
            try await store.handle.transaction { db in
                try await db.raw("UPDATE endorsements SET display_name = 'اسم مزور' WHERE id = \(bind: organization.id)").run()
            }
            #expect(try await InstanceCheck.statement(record, in: store).headProblems.contains { $0.contains("renamed outside the log") })
            _ = (person, hidden)
        }
    }
}
