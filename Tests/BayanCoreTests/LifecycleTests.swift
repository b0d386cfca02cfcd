import Foundation
import Testing

@testable import BayanCore

@Suite struct StatementLifecycle {
    @Test func allowsTheDocumentedPath() throws {
        var s = StatementState.draft
        s = try s.transition(to: .circulating)
        s = try s.transition(to: .published)
        s = try s.transition(to: .closed)
        #expect(try s.transition(to: .published) == .published)
        #expect(try StatementState.circulating.transition(to: .draft) == .draft)
    }

    @Test(arguments: [
        (StatementState.draft, StatementState.published), (.draft, .closed), (.published, .draft),
        (.published, .circulating), (.closed, .draft), (.closed, .circulating), (.draft, .draft),
    ])
    func refusesOtherMoves(from: StatementState, to: StatementState) {
        #expect(throws: DomainError.illegalTransition(from: from, to: to)) { try from.transition(to: to) }
        #expect(DomainError.illegalTransition(from: from, to: to).description.contains(from.rawValue))
    }

    @Test func publishedTextIsFrozenAndOnlyOpenStatementsAcceptSignatures() {
        #expect(StatementState.draft.textIsEditable && StatementState.circulating.textIsEditable)
        #expect(!StatementState.published.textIsEditable && !StatementState.closed.textIsEditable)
        #expect(StatementState.circulating.acceptsSignatures && StatementState.published.acceptsSignatures)
        #expect(!StatementState.draft.acceptsSignatures && !StatementState.closed.acceptsSignatures)
    }

    @Test func slugsAreValidatedAndSuggested() throws {
        #expect(throws: DomainError.self) { try Slug("Has Space") }
        #expect(throws: DomainError.self) { try Slug("") }
        #expect(throws: DomainError.self) { try Slug("-edge") }
        #expect(try Slug("joint-statement-2026").value == "joint-statement-2026")
        #expect(Slug.suggested(from: "Joint Statement on Unions!").value == "joint-statement-on-unions")
        // Arabic titles give a readable address, not a hash (issue 16).
        #expect(Slug.suggested(from: "بيان مشترك حول حرية التنظيم النقابي").value == "byan-mshtrk-hwl-hrya-altnzym-alnqaby")
        #expect(Slug.suggested(from: "بيانٌ مُشْتَرَك ٢٠٢٦").value == "byan-mshtrk-2026")
        #expect(Slug.suggested(from: "نداء \u{200F}من أجل المعتقلين (Detainees)").value == "nda-mn-ajl-almtqlyn-detainees")
        #expect(Slug.suggested(from: "☮ ✊").value.hasPrefix("statement-"))
    }
}

@Suite struct ContentHashing {
    @Test func canonicalTextIgnoresLineEndsTrailingSpaceAndNormalizationForm() {
        let a = ContentHash.of(title: "بيان", body: "سطر أول  \r\nسطر ثانٍ\r\n\r\n")
        let b = ContentHash.of(title: "بيان", body: "سطر أول\nسطر ثانٍ")
        #expect(a == b)
        // "é" precomposed vs decomposed: NFC makes them one text.
        #expect(ContentHash.of(title: "Caf\u{E9}", body: "") == ContentHash.of(title: "Cafe\u{301}", body: ""))
        #expect(a.hex.count == 64)
    }

    @Test func anyChangeOfWordsChangesTheHash() {
        #expect(ContentHash.of(title: "بيان", body: "نطالب بالإفراج") != ContentHash.of(title: "بيان", body: "نطالب بالافراج"))
        #expect(ContentHash.of(title: "بيان", body: "نص") != ContentHash.of(title: "بيان آخر", body: "نص"))
    }

    @Test func fingerprintIsAShortGroupedPrefix() {
        let h = ContentHash.of(text: "x")
        #expect(h.fingerprint.count == 14)
        #expect(h.fingerprint.replacingOccurrences(of: "-", with: "") == String(h.hex.prefix(12)))
    }
}

@Suite struct SignatoryRulesTests {
    let v1 = ContentHash.of(title: "t", body: "one")
    let v2 = ContentHash.of(title: "t", body: "two")
    let t0 = Date(timeIntervalSince1970: 1_000)

    func e(_ id: String, _ name: String, _ hash: ContentHash, _ state: EndorsementState = .approved, at offset: Double = 0) -> Endorsement {
        Endorsement(
            id: id, organizationID: "org-\(id)", displayName: name, versionHash: hash, state: state,
            createdAt: t0.addingTimeInterval(offset))
    }

    @Test func endorsementsOfAnOlderTextDropOutUntilReconfirmed() {
        let all = [e("a", "رابطة", v1), e("b", "نقابة", v2)]
        #expect(all.filter { SignatoryRules.isListed($0, currentHash: v2) }.map(\.id) == ["b"])
        #expect(SignatoryRules.needingReconfirmation(all, currentHash: v2, textIsEditable: true).map(\.id) == ["a"])
        var reconfirmed = all[0]
        reconfirmed.versionHash = v2
        #expect(SignatoryRules.isListed(reconfirmed, currentHash: v2))
    }

    /// Issue 11: one rule for "needs re-confirmation". The signer's page used to offer it to
    /// pending sign-ons as well; the coordinator's page did not.
    @Test func onlyConfirmedOrApprovedSignOnsOfAnOlderEditableTextNeedReconfirmation() {
        for state in EndorsementState.allCases {
            let old = e("a", "رابطة", v1, state)
            #expect(
                SignatoryRules.needsReconfirmation(old, currentHash: v2, textIsEditable: true) == [.approved, .confirmed].contains(state),
                "\(state)")
            // After publication a correction asks nobody to re-confirm.
            #expect(!SignatoryRules.needsReconfirmation(old, currentHash: v2, textIsEditable: false))
            #expect(!SignatoryRules.needsReconfirmation(e("b", "نقابة", v2, state), currentHash: v2, textIsEditable: true))
        }
    }

    @Test func organisationsAwaitReviewUntilDecidedAndIndividualsUntilConfirmed() {
        for state in EndorsementState.allCases {
            var org = e("a", "رابطة", v1, state)
            #expect(SignatoryRules.awaitsReview(org) == [.pending, .confirmed].contains(state), "\(state)")
            org.signerKind = .individual
            #expect(SignatoryRules.awaitsReview(org) == (state == .pending), "\(state)")
        }
    }

    /// Issue 11: joining is decided by one predicate; before, the join page, the route, the
    /// store and the batched insert each restated it.
    @Test func onlyAPublishedStatementAcceptsJoins() {
        for state in StatementState.allCases {
            let published = StatementRecord(
                id: "s", slug: "s", state: state, language: "ar", foundingOrder: .arabic, createdAt: t0,
                publishedAt: t0)
            #expect(published.acceptsJoins == (state == .published))
            var never = published
            never.publishedAt = nil
            #expect(!never.acceptsJoins)
        }
        #expect(StatementState.joinable == [.published])
    }

    /// Issue 11: the web clamped an invitation lifetime silently into 1-365 days while the
    /// CLI refused; both now refuse, by this one rule.
    @Test func invitationLifetimesOutsideOneToThreeHundredSixtyFiveDaysAreRefused() throws {
        for days in [-1, 0, 366, 10_000] {
            #expect(throws: DomainError.invalidInvitationLifetime(days)) { try InvitationLifetime(days: days) }
        }
        #expect(try InvitationLifetime(days: 1).expiry(from: t0) == t0.addingTimeInterval(86_400))
        #expect(try InvitationLifetime(days: 365).days == 365 && InvitationLifetime.standard.days == 30)
    }

    @Test func onlyApprovedEndorsementsAreListed() {
        for state in [EndorsementState.pending, .confirmed, .rejected, .withdrawn] {
            #expect(!SignatoryRules.isListed(e("x", "س", v1, state), currentHash: v1))
        }
    }

    @Test func foundingNumbersFollowArabicOrderOrSigningOrder() throws {
        let all = [
            e("1", "نقابة المعلمين", v1, at: 1), e("2", "الاتحاد العام", v1, at: 2),
            e("3", "رابطة الكتاب", v1, at: 3), e("4", "جمعية قديمة", v2, at: 4),
            e("5", "أطباء بلا قيود", v1, .pending, at: 5),
        ]
        let arabic = try SignatoryRules.foundingNumbers(all, currentHash: v1, order: .arabic)
        // الاتحاد sorts as اتحاد; "4" agreed to another text; "5" is pending.
        #expect(arabic.map(\.id) == ["2", "3", "1"])
        #expect(arabic.map(\.number) == [1, 2, 3])
        let signing = try SignatoryRules.foundingNumbers(all, currentHash: v1, order: .signing)
        #expect(signing.map(\.id) == ["1", "2", "3"])
    }

    @Test func foundingNumbersAreAssignedOnce() {
        var numbered = e("1", "نقابة", v1)
        numbered.founding = true
        numbered.number = 1
        #expect(throws: DomainError.alreadyNumbered) {
            try SignatoryRules.foundingNumbers([numbered, e("2", "رابطة", v1)], currentHash: v1, order: .arabic)
        }
    }

    @Test func withdrawalKeepsTheNumberAndIsRecordedOnce() throws {
        var signed = e("1", "نقابة", v1)
        signed.founding = true
        signed.number = 7
        let withdrawn = try SignatoryRules.withdraw(signed)
        #expect(withdrawn.state == .withdrawn && withdrawn.number == 7 && withdrawn.founding)
        #expect(SignatoryRules.foundingList([withdrawn]).count == 1)
        #expect(throws: DomainError.alreadyWithdrawn) { try SignatoryRules.withdraw(withdrawn) }
    }

    @Test func endorsementStatesMoveOnlyForward() throws {
        #expect(throws: DomainError.self) { try EndorsementState.rejected.transition(to: .approved) }
        #expect(throws: DomainError.self) { try EndorsementState.approved.transition(to: .pending) }
        #expect(throws: DomainError.self) { try EndorsementState.withdrawn.transition(to: .approved) }
        #expect(try EndorsementState.pending.transition(to: .approved) == .approved)
    }

    @Test func displayNamesLoseDirectionMarksRefuseInnerOverridesAndAreBounded() throws {
        #expect(try Limits.displayName("  \u{202E}نقابة\u{200F}  المعلمين\u{200F} \u{202C}") == "نقابة المعلمين")
        #expect(throws: DomainError.spoofingCharacter(field: "name", InvisibleCharacter("\u{202E}", column: 6))) {
            try Limits.displayName("نقابة\u{202E}المعلمين")
        }
        #expect(throws: DomainError.noVisibleLetter(field: "name")) { try Limits.displayName("١٢ - ...") }
        #expect(try Limits.displayName("انجمن می\u{200C}خواهد") == "انجمن می\u{200C}خواهد")
        #expect(throws: DomainError.emptyName(field: "name")) { try Limits.displayName("\u{200E} \u{2066}") }
        #expect(throws: DomainError.fieldTooLong(field: "name", limit: Limits.nameLength)) {
            try Limits.displayName(String(repeating: "ب", count: 5_000))
        }
    }
}

@Suite struct EventChainTests {
    func chain(_ n: Int) -> [Event] {
        var events: [Event] = []
        for i in 0..<n {
            events.append(
                Event.next(
                    after: events.last, kind: .endorsementAdded,
                    at: Date(timeIntervalSince1970: Double(1_700_000_000 + i)),
                    payload: ["id": "e\(i)", "name": "منظمة \(i)"]))
        }
        return events
    }

    @Test func aFreshChainVerifies() {
        let events = chain(10)
        #expect(EventChain.verify(events) == .valid(count: 10, head: events.last!.hash))
        #expect(events.first!.prevHash == Event.genesisHash)
        #expect(EventChain.verify([]).isValid)
    }

    @Test func alteringAPayloadNamesThatEvent() {
        var events = chain(10)
        events[4].payload["name"] = "منظمة مزورة"
        guard case .broken(let sequence, let reason) = EventChain.verify(events) else {
            Issue.record("not detected")
            return
        }
        #expect(sequence == 5)
        #expect(reason.contains("altered"))
    }

    @Test func rehashingATamperedEventStillBreaksTheNextLink() {
        var events = chain(6)
        events[2].kind = "statement.published"
        events[2].hash = Event.computeHash(
            prevHash: events[2].prevHash, sequence: 3, kind: events[2].kind,
            atMillis: events[2].atMillis, payload: events[2].payload)
        #expect(EventChain.verify(events) == .broken(sequence: 4, reason: "its previous-hash does not match the event before it"))
    }

    @Test func removingOrReorderingEventsIsDetected() {
        var events = chain(5)
        events.remove(at: 1)
        guard case .broken(let seq, _) = EventChain.verify(events) else {
            Issue.record("not detected")
            return
        }
        #expect(seq == 3)
        var swapped = chain(5)
        swapped.swapAt(1, 2)
        #expect(!EventChain.verify(swapped).isValid)
    }

    @Test func theHashCoversTheTimeOfTheEvent() {
        var events = chain(3)
        events[1].atMillis += 1
        #expect(EventChain.verify(events) == .broken(sequence: 2, reason: "its content does not match its hash (altered)"))
    }
}

@Suite struct WordDiffs {
    @Test func changedWordsAreMarkedRemovedThenAdded() {
        #expect(
            WordDiff.diff("نطالب بالإفراج عن الجميع", "نطالب بالإفراج الفوري عن الجميع") == [
                .same("نطالب بالإفراج "), .added("الفوري "), .same("عن الجميع"),
            ])
        #expect(WordDiff.diff("أ ب", "أ ج") == [.same("أ "), .removed("ب"), .added("ج")])
        #expect(WordDiff.diff("", "") == [])
    }

    /// Issue 12: every diff rebuilds both texts, and two maximum-size texts are compared in
    /// linear memory (line by line, or whole, past the pair limit).
    @Test func aDiffRebuildsBothTextsAndLargeTextsStayBounded() {
        func rebuilt(_ changes: [WordDiff.Change]) -> (old: String, new: String) {
            changes.reduce(into: ("", "")) { acc, c in
                switch c {
                case .same(let s):
                    acc.0 += s
                    acc.1 += s
                case .removed(let s): acc.0 += s
                case .added(let s): acc.1 += s
                }
            }
        }
        let words = ["نطالب", "بالإفراج", "عن", "الجميع", "فوراً", "و", "free", "them", "\n", "،"]
        var seed: UInt64 = 42
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(seed >> 33)
        }
        for _ in 0..<200 {
            let a = (0..<(next() % 40)).map { _ in words[next() % words.count] }.joined(separator: " ")
            let b = (0..<(next() % 40)).map { _ in words[next() % words.count] }.joined(separator: " ")
            let r = rebuilt(WordDiff.diff(a, b))
            #expect(r.old == a && r.new == b, "\(a) | \(b)")
        }
        let big = (0..<30_000).map { "w\($0)" }.joined(separator: " ")
        let other = (0..<30_000).map { "v\($0)" }.joined(separator: "\n")
        let r = rebuilt(WordDiff.diff(big, other))
        #expect(r.old == big && r.new == other)
    }
}

/// Event hashes cover the canonical JSON; the direct writer must produce exactly the bytes
/// `JSONEncoder` produced for every event stored before it, or old chains stop verifying.
@Suite struct CanonicalEventJSON {
    static let keys = [
        "author", "expires", "founding", "from", "hash", "id", "invitation", "kept", "keptName", "kind", "language",
        "listHash", "merged", "mergedName", "name", "number", "order", "organization", "prefer", "published", "reason",
        "seeded", "signatories", "slug", "state", "to", "translates", "unreadable", "versionHash", "via",
    ]

    func reference(sequence: Int, kind: String, atMillis: Int64, payload: [String: String]) -> [UInt8] {
        struct Canonical: Encodable { let seq: Int, kind: String, at: Int64, payload: [String: String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(Canonical(seq: sequence, kind: kind, at: atMillis, payload: payload)))
    }

    @Test func matchesJSONEncoderByteForByte() {
        var rng = SystemRandomNumberGenerator()
        let pieces = [
            "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}",
            "اتحاد", "Ligue", " ", "😀", "\u{200F}", "ـ", "0", "&<>", "é", "\u{FEFF}",
        ]
        for round in 0..<2_000 {
            var payload: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...7, using: &rng) {
                let value = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                payload[Self.keys.randomElement(using: &rng)!] = value
            }
            let kind = EventKind.allCases.randomElement(using: &rng)!.rawValue
            let at = Int64.random(in: 0...4_102_444_800_000, using: &rng)
            let ours = Event.canonical(sequence: round + 1, kind: kind, atMillis: at, payload: payload)
            #expect(ours == reference(sequence: round + 1, kind: kind, atMillis: at, payload: payload), "payload \(payload)")
        }
    }

    @Test func storedPayloadIsTheHashedObject() {
        let e = Event.next(
            after: nil, kind: .endorsementAdded, at: Date(timeIntervalSince1970: 1),
            payload: ["name": "نقابة \"المعلمين\"/فرع", "id": "x"])
        #expect(e.payloadJSON == #"{"id":"x","name":"نقابة \"المعلمين\"/فرع"}"#)
        #expect(Event.payload(fromJSON: e.payloadJSON) == e.payload)
    }
}

@Suite struct NameCleaning {
    /// The one-pass check must only let through names the full cleaning leaves unchanged.
    @Test func fastPathAgreesWithTheFullCleaning() {
        let pieces = [
            "a", "ب", " ", "  ", "\t", "\n", "\r\n", "\u{00A0}", "\u{2028}", "\u{0085}", "\u{202E}", "\u{200F}", "\u{064B}",
            "\u{0301}", "\u{7F}", "\u{9F}", "\u{FEFF}", "\u{3000}", "نقابة", "Ligue", "😀", "\u{200D}", "ـ",
        ]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            #expect(Limits.cleanedText(text) == Limits.cleanedBySplitting(text), "\(Array(text.unicodeScalars))")
        }
    }
}

/// Issue 12: limits count what a reader sees, and what a name weighs.
@Suite struct TextLimits {
    @Test func aNameOfStackedMarksOrTooManyBytesIsTooLong() {
        let stacked = "ب" + String(repeating: "\u{0651}", count: 30_000)  // one letter, 30,000 shaddas
        #expect(stacked.count == 1)
        #expect(!Limits.fits(stacked, limit: Limits.nameLength))
        #expect(throws: NameProblem.tooLong(limit: Limits.nameLength)) { try NameText.clean(stacked) }
        // Arabic with its real marks fits: shadda, fatha and a maddah on one letter.
        #expect(Limits.fits("مُحَمَّدٌ آمِنٌ", limit: 20))
        #expect(Limits.fits("بّْ", limit: 3))
        #expect(!Limits.fits("ب\u{0651}\u{064E}\u{0653}\u{0652}\u{0650}", limit: 10))
        #expect(Limits.fits(String(repeating: "ن", count: 300), limit: 300))
        #expect(!Limits.fits(String(repeating: "ن", count: 301), limit: 300))
        #expect(throws: NameProblem.noVisibleLetter) { try NameText.clean("\u{0651}\u{0651}") }
    }
}
