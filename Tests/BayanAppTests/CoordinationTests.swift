import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import Testing

/// The application layer on a real SQLite store: the access rule, retried forms, the
/// bulk approval and the translation of store failures.
@Suite struct CoordinationActions {
    func withApp(_ body: (Coordination, SQLStore) async throws -> Void) async throws {
        let dir = TemporaryDirectory()
        let store = try await SQLStore.openSQLite(directory: dir.path)
        do { try await body(Coordination(store: store, tokens: DerivedTokens(store: store)), store) } catch {
            await store.close()
            dir.remove()
            throw error
        }
        await store.close()
        dir.remove()
    }

    /// The refusal an action ends with, or nil if it succeeded.
    func refusal<T>(_ op: () async throws(AppError) -> T) async -> AppError? {
        do {
            _ = try await op()
            return nil
        } catch { return error }
    }

    /// Issue 17: a refused address and the eleventh hook are the coordinator's input errors,
    /// with their own messages; the limit is counted by the store in the writing transaction.
    @Test func webhookRefusalsAreInputErrors() async throws {
        try await withApp { app, store in
            _ = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة", number: 1)],
                    publish: true, at: Date()))
            let managed = try await app.manage(slug: "pub", by: .serverOperator)
            let local = await refusal { () async throws(AppError) in
                try await app.addWebhook(managed, address: "https://127.0.0.1/", sendsContacts: false, fromStart: false, allowLocal: false)
            }
            #expect(local?.code == .invalidInput && local?.messageKey == "webhook.local")
            for _ in 0..<Webhook.limit {
                let made = try await app.addWebhook(
                    managed, address: "https://hooks.example.org/", sendsContacts: false, fromStart: false, allowLocal: false)
                #expect(made.secret.hasPrefix("whsec_"))
            }
            let tooMany = await refusal { () async throws(AppError) in
                try await app.addWebhook(
                    managed, address: "https://hooks.example.org/", sendsContacts: false, fromStart: false, allowLocal: false)
            }
            #expect(tooMany?.code == .invalidInput && tooMany?.messageKey == "webhook.tooMany")
            #expect(try await app.webhooks(managed).count == Webhook.limit)
        }
    }

    /// Issue 11: email confirmation through the application layer: an unknown link is
    /// `.notFound`, and confirming twice is one event and the same answer.
    @Test func confirmingAJoinIsIdempotentAndAnUnknownLinkIsNotFound() async throws {
        try await withApp { _, store in
            let confirming = Confirming(store: store)
            let record = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة", number: 1)],
                    publish: true, at: Date()))
            let hash = try await store.currentVersion(of: record.id).contentHash
            _ = try await store.join(
                statementID: record.id, NewEndorsement(signerKind: .individual, displayName: "سلمى", contact: "s@example.org", versionHash: hash),
                emailKey: "s@example.org", confirmTokenHash: Tokens.hash("TOKEN"), signerTokenHash: "s", mail: nil)
            let unknown = await refusal { () async throws(AppError) in try await confirming.open(token: "nope") }
            #expect(unknown?.code == .notFound)
            let pending = try await confirming.open(token: "TOKEN")
            #expect(pending.title == "بيان" && pending.name == "سلمى" && !pending.confirmed)
            #expect(try await confirming.confirm(token: "TOKEN").id == record.id)
            let events = try await store.events(of: record.id).count
            #expect(try await confirming.confirm(token: "TOKEN").id == record.id)
            #expect(try await store.events(of: record.id).count == events)
            #expect(try await confirming.open(token: "TOKEN").confirmed)
        }
    }

    /// Issue 11: joining through the application layer: the same form again is a retry
    /// answered as before, other content under its links is refused, another form from an
    /// address still unconfirmed is told the mail is on its way, and a replayed stamp is refused.
    @Test func joiningRecognisesRetriesAndRefusesWithStableKeys() async throws {
        try await withApp { _, store in
            let joining = Joining(store: store)
            let record = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة", number: 1)],
                    publish: true, at: Date()))
            let hash = try await store.currentVersion(of: record.id).contentHash
            let salma = JoinSubmission(
                kind: .individual, name: "سلمى", place: nil, signer: nil, role: nil, email: "s@example.org", versionHash: hash, visibility: .public)
            let origin = JoinOrigin(network: "198.51.100.0/24", domain: "example.org")
            func join(_ s: JoinSubmission, signer: String, stamp: String) async throws(AppError) -> Joining.Outcome {
                try await joining.join(
                    s, statementID: record.id, confirmTokenHash: "c-\(signer)", signerTokenHash: signer, stampHash: stamp, origin: origin,
                    mail: nil, confirmationMailed: true)
            }
            #expect(try await join(salma, signer: "s1", stamp: "t1") == .joined)
            #expect(try await join(salma, signer: "s1", stamp: "t1") == .retried)
            var other = salma
            other.name = "سلمى الحلبي"
            let different = await refusal { () async throws(AppError) in try await join(other, signer: "s1", stamp: "t1") }
            #expect(different?.messageKey == "join.differentRetry")
            #expect(try await join(salma, signer: "s2", stamp: "t2") == .awaitingConfirmation)
            var replay = salma
            replay.email = "r@example.org"
            let replayed = await refusal { () async throws(AppError) in try await join(replay, signer: "s3", stamp: "t1") }
            #expect(replayed?.messageKey == "join.formUsed" && replayed?.code == .conflict)
            #expect(try await store.endorsements(of: record.id).filter { !$0.imported }.count == 1)

            // Sending the confirmation again: new links replace the lost ones, three mails an
            // hour to one address; an address with no unconfirmed join is told its link expired.
            let mail = OutboxMessage(recipient: salma.email, subject: "s", body: "b")
            func resend(_ email: String, _ n: Int) async throws(AppError) {
                try await joining.resend(
                    statementID: record.id, email: email, confirmTokenHash: "c-r\(n)", signerTokenHash: "s-r\(n)", mail: mail)
            }
            for n in 1...Joining.resendsPerHour { try await resend(salma.email, n) }
            let limited = await refusal { () async throws(AppError) in try await resend(salma.email, 9) }
            #expect(limited?.code == .rateLimited && limited?.messageKey == "join.resendLimited")
            let unknown = await refusal { () async throws(AppError) in try await resend("nobody@example.org", 10) }
            #expect(unknown?.code == .gone && unknown?.messageKey == "join.expired")
        }
    }

    /// Issue 14, acceptance 3: with a clock past the retention time the contacts of a closed
    /// statement are gone, its list and log intact and verified; before it, nothing changes.
    @Test func contactsAreErasedOnlyOnceTheRetentionTimeAfterClosingHasPassed() async throws {
        try await withApp { app, store in
            let record = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "t", signatories: [(name: "نقابة", number: 1)],
                    publish: true, at: Date()))
            let hash = try await store.currentVersion(of: record.id).contentHash
            let joining = Joining(store: store)
            _ = try await joining.join(
                JoinSubmission(
                    kind: .individual, name: "سلمى", place: nil, signer: nil, role: nil, email: "salma@example.org", versionHash: hash,
                    visibility: .public),
                statementID: record.id, confirmTokenHash: "c", signerTokenHash: "s", stampHash: "t",
                origin: JoinOrigin(network: "198.51.100.0/24", domain: "example.org"), mail: nil, confirmationMailed: false)
            let managed = try await app.manage(slug: "pub", by: .serverOperator)
            _ = try await app.changeState(managed, to: .closed, order: nil)
            let listBefore = try await StatementSnapshot.load(slug: "pub", store: store)
            let days = ContactRetention.defaultDays
            let early = Retention(store: store, now: { Date().addingTimeInterval(Double(days - 1) * 86_400) })
            #expect(try await early.purgeDue().isEmpty)
            #expect(try await store.endorsements(of: record.id).contains { $0.contact == "salma@example.org" })
            let late = Retention(store: store, now: { Date().addingTimeInterval(Double(days + 1) * 86_400) })
            let purged = try await late.purgeDue()
            #expect(purged.map(\.slug) == ["pub"] && purged.map(\.count) == [1])
            #expect(try await store.endorsements(of: record.id).allSatisfy { $0.contact == nil })
            let listAfter = try await StatementSnapshot.load(slug: "pub", store: store)
            #expect(listAfter.signatories.map(\.displayName) == listBefore.signatories.map(\.displayName))
            #expect(listAfter.signatories.map(\.number) == listBefore.signatories.map(\.number))
            #expect(listAfter.individuals.total == listBefore.individuals.total)
            #expect(try await InstanceCheck.all(store).allSatisfy(\.isValid))
        }
    }

    @Test func onlyAdminsGrantedCoordinatorsAndTheServerOperatorManageAStatement() async throws {
        try await withApp { app, store in
            let admin = try await store.createCoordinator(email: "a@example.org", passwordHash: "x", role: .admin)
            let granted = try await store.createCoordinator(email: "g@example.org", passwordHash: "x", role: .coordinator)
            let other = try await store.createCoordinator(email: "o@example.org", passwordHash: "x", role: .coordinator)
            let record = try await app.createStatement(slug: try Slug("s"), language: "ar", title: "بيان", body: "نص", by: .coordinator(granted))
            #expect(try await app.manage(slug: "s", by: .coordinator(admin)).id == record.id)
            #expect(try await app.manage(slug: "s", by: .coordinator(granted)).id == record.id)
            #expect(try await app.manage(slug: "s", by: .serverOperator).id == record.id)
            let refusedOther = await refusal { () async throws(AppError) in try await app.manage(slug: "s", by: .coordinator(other)) }
            #expect(refusedOther?.code == .forbidden)
            var disabled = granted
            disabled.disabled = true
            let refusedDisabled = await refusal { () async throws(AppError) in try await app.manage(slug: "s", by: .coordinator(disabled)) }
            #expect(refusedDisabled?.code == .forbidden)
            let missing = await refusal { () async throws(AppError) in try await app.manage(slug: "missing", by: .coordinator(admin)) }
            #expect(missing?.code == .notFound)
            // The creator is recorded as the version's author.
            #expect(try await store.versions(of: record.id)[0].author == "g@example.org")
        }
    }

    @Test func anInvitationFormSentTwiceIsOneBatchAndOtherContentUnderItsKeyIsRefused() async throws {
        try await withApp { app, store in
            _ = try await app.createStatement(slug: try Slug("s"), language: "ar", title: "بيان", body: "نص", by: .serverOperator)
            let s = try await app.manage(slug: "s", by: .serverOperator)
            let first = try await app.invite(s, names: ["مجلس حلب", "جمعية الهلال"], lifetime: try InvitationLifetime(days: 7), key: "k")
            let again = try await app.invite(s, names: ["مجلس حلب", "جمعية الهلال"], lifetime: try InvitationLifetime(days: 7), key: "k")
            #expect(!first.repeated && again.repeated && first.links == again.links)
            let week = try InvitationLifetime(days: 7)
            let reused = await refusal { () async throws(AppError) in try await app.invite(s, names: ["منظمة أخرى"], lifetime: week, key: "k") }
            #expect(reused?.code == .formReused && reused?.messageKey == "form.keyReused")
            let empty = await refusal { () async throws(AppError) in try await app.invite(s, names: [], lifetime: .standard) }
            #expect(empty?.code == .invalidInput)
            #expect(try await store.invitations(of: s.id).count == 2)
            let expiry = try await store.invitations(of: s.id)[0]
            #expect(abs(expiry.expiresAt.timeIntervalSince(expiry.createdAt) - 7 * 86_400) < 5)
        }
    }

    @Test func bulkApprovalTakesOrganisationsWithoutProbableDuplicatesOnly() async throws {
        try await withApp { app, store in
            _ = try await app.createStatement(slug: try Slug("s"), language: "ar", title: "بيان", body: "نص", by: .serverOperator)
            let s = try await app.manage(slug: "s", by: .serverOperator)
            _ = try await app.changeState(s, to: .circulating, order: nil)
            let hash = try await store.currentVersion(of: s.id).contentHash
            for name in ["نقابة المعلمين", "النقابة المعلمين", "رابطة الكتاب"] {
                _ = try await store.addEndorsement(statementID: s.id, NewEndorsement(displayName: name, versionHash: hash, state: .confirmed))
            }
            let (approved, heldBack) = try await app.approveUnambiguous(s)
            #expect(approved == 1 && heldBack == 2)
            #expect(try await store.endorsements(of: s.id).filter { $0.state == .approved }.map(\.displayName) == ["رابطة الكتاب"])
        }
    }

    @Test func everyStoreRefusalHasAStableCodeAndAMessageKeyAndDatabaseFailuresAreNotTheUsers() {
        let cases: [(StoreError, AppError.Code)] = [
            (.notFound("x"), .notFound), (.slugTaken("x"), .conflict), (.staleVersion, .staleVersion),
            (.invitation(.used), .conflict), (.join(.duplicateEmail), .conflict), (.submissionReused, .formReused),
            (.domain(.invalidInvitationLifetime(0)), .invalidInput), (.domain(.illegalTransition(from: .draft, to: .closed)), .conflict),
            (.database("disk I/O error"), .failed),
        ]
        for (store, code) in cases {
            let error = AppError(store)
            #expect(error.code == code, "\(store)")
            #expect(!error.messageKey.isEmpty && !error.messageKey.contains(" "))
        }
        // A database failure's message names no internals: the detail stays for the log.
        #expect(AppError(StoreError.database("disk I/O error")).messageKey == "error.body")
    }
}

/// Issue 11: the coordinator's views at scale, from counts and pages.
@Suite struct CoordinatorViews {
    @Test func aPageWindowStaysWithinThePagesThatExist() {
        let w = PageWindow(requested: 3, size: 100, total: 250)
        #expect(w.number == 3 && w.offset == 200 && w.previous == 2 && w.next == nil)
        #expect(PageWindow(requested: 1, size: 100, total: 250).next == 2)
        #expect(PageWindow(requested: 99, size: 100, total: 250).number == 3)
        #expect(PageWindow(requested: -4, size: 100, total: 250).number == 1)
        let empty = PageWindow(requested: 2, size: 100, total: 0)
        #expect(empty.number == 1 && empty.offset == 0 && empty.previous == nil && empty.next == nil)
        #expect(PageWindow(requested: 2, size: 100, total: 200).next == nil)
    }

    @Test func theOverviewPagesIndividualsAndCountsTheRestAndTheDashboardCountsEveryone() async throws {
        try await CoordinationActions().withApp { app, store in
            let plan = ImportPlan(
                slug: try Slug("s"), title: "بيان", body: "نص", author: "t",
                signatories: [(name: "نقابة المعلمين", number: 1), (name: "رابطة الكتاب", number: 2)],
                publish: true, at: Date())
            let record = try await store.importStatement(plan)
            try await store.seedIndividuals(statementID: record.id, count: 30, state: .confirmed)
            try await store.seedIndividuals(statementID: record.id, count: 250, state: .pending)
            let s = try await app.manage(slug: "s", by: .serverOperator)

            let first = try await app.overview(s)
            #expect(first.organizations.count == 2)
            #expect(first.queue.count == Coordination.queuePageSize && first.queueWindow.total == 250)
            #expect(first.awaitingReview.count == Coordination.queuePageSize)  // published organisations await nothing
            #expect(first.individuals.count(.confirmed) == 30)
            #expect(first.listedCount == 2)
            let last = try await app.overview(s, queuePage: 3)
            #expect(last.queue.count == 50 && last.queueWindow.next == nil)
            #expect(Set(first.queue.map(\.id)).isDisjoint(with: last.queue.map(\.id)))

            let rows = try await app.dashboard(by: .serverOperator)
            #expect(rows.map(\.liveCount) == [2 + 30 + 250])
        }
    }
}
