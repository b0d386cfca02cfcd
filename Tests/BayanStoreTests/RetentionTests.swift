import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import Testing

/// Issue 14: contact details erased, the list and its log intact, on both databases.
@Suite struct ContactErasure {
    @Test(arguments: TestDatabase.available)
    func purgingClearsEveryContactDetailAndKeepsTheListAndTheLog(db: TestDatabase) async throws {
        try await withStore(db) { store in
            let record = try await store.importStatement(try samplePlan(publish: true, names: ["نقابة المعلمين", "رابطة الكتّاب"]))
            let hash = try await store.currentVersion(of: record.id).contentHash
            for (name, mail) in [("سلمى", "salma@example.org"), ("Omar", "omar@example.net")] {
                _ = try await store.join(
                    statementID: record.id,
                    NewEndorsement(signerKind: .individual, displayName: name, contact: mail, versionHash: hash, visibility: .public),
                    emailKey: mail, confirmTokenHash: "c-\(mail)", signerTokenHash: "s-\(mail)", stampHash: "t-\(mail)",
                    origin: JoinOrigin(network: "198.51.100.0/24", domain: String(mail.split(separator: "@")[1])), mail: nil)
            }
            // One signer erases their own details first.
            let erased = try await store.eraseContact(signerTokenHash: "s-salma@example.org")
            #expect(erased.contact == nil && erased.displayName == "سلمى")
            #expect(try await store.closedWithContacts().isEmpty)
            _ = try await store.changeState(statementID: record.id, to: .closed, foundingOrder: nil)
            let closed = try await store.closedWithContacts()
            #expect(closed.map(\.statement.id) == [record.id])
            let before = try await store.endorsements(of: record.id)

            #expect(try await store.purgeContacts(statementID: record.id, reason: "test") == 1)
            let after = try await store.endorsements(of: record.id)
            #expect(after.allSatisfy { $0.contact == nil })
            // Names, numbers, states and order: the list is what it was.
            #expect(after.map(\.displayName) == before.map(\.displayName) && after.map(\.number) == before.map(\.number))
            #expect(after.map(\.state) == before.map(\.state))
            try await store.handle.read { db in
                let left = try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM endorsements WHERE contact IS NOT NULL OR email_key IS NOT NULL
                      OR join_network IS NOT NULL OR email_domain IS NOT NULL
                    """
                ).first()!.decode(column: "n", as: Int.self)
                #expect(left == 0)
            }
            let events = try await store.events(of: record.id)
            #expect(EventChain.verify(events).isValid)
            #expect(events.suffix(3).map(\.kind) == ["contact.erased", "statement.state", "contacts.purged"])
            #expect(!events.contains { $0.payloadJSON.contains("example.org") || $0.payloadJSON.contains("example.net") })
            // Nothing left: a second purge changes nothing and adds no event.
            #expect(try await store.purgeContacts(statementID: record.id, reason: "test") == 0)
            #expect(try await store.events(of: record.id).count == events.count)
            #expect(try await store.closedWithContacts().isEmpty)
        }
    }

    @Test func theRuleCountsDaysFromClosing() {
        let closed = Date(timeIntervalSince1970: 1_800_000_000)
        let rule = ContactRetention(days: 90)
        #expect(!rule.isDue(closedAt: closed, now: closed.addingTimeInterval(89 * 86_400)))
        #expect(rule.isDue(closedAt: closed, now: closed.addingTimeInterval(91 * 86_400)))
        #expect(ContactRetention().days == ContactRetention.defaultDays)
    }
}
