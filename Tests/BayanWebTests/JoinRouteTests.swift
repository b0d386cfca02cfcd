import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 11: the public join route's defences, each refusing in the visitor's language and
/// storing nothing; and the confirmation mail, composed from the translation files.
@Suite struct JoinRoute {
    static func published(_ store: SQLStore, language: String = "ar") async throws -> String {
        let record = try await store.importStatement(
            ImportPlan(
                slug: try Slug("pub"), language: language, title: "بيان", body: "نص", author: "test",
                signatories: [(name: "نقابة المعلمين", number: 1)], publish: true, at: Date()))
        return record.id
    }

    static func form(_ b: Browser, email: String = "salma@example.org") async throws -> [String: String] {
        try await b.request("/s/pub/join")
        return [
            "t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": "سلمى",
            "email": email, "consent": "yes", "visibility": "public",
        ]
    }

    static func individuals(_ store: SQLStore, _ id: String) async throws -> Int {
        try await store.endorsements(of: id).filter { $0.signerKind == .individual }.count
    }

    @Test func aFilledHoneypotAForgedStampAndAHastyFormAreRefusedAndStoreNothing() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: { $0.joining.minimumFillSeconds = 30 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            var bot = try await Self.form(b)
            bot["website"] = "http://spam.example"
            let honeypot = try await b.request("/s/pub/join?lang=en", method: .post, form: bot)
            #expect(honeypot.status == .unprocessableContent && honeypot.body.contains("could not be accepted"))

            var forged = try await Self.form(b)
            forged["t"] = "1700000000.deadbeef"
            let stamp = try await b.request("/s/pub/join?lang=en", method: .post, form: forged)
            #expect(stamp.status == .unprocessableContent && stamp.body.contains("The form has expired"))

            let hasty = try await b.request("/s/pub/join?lang=tr", method: .post, form: try await Self.form(b))
            #expect(hasty.status == .unprocessableContent && hasty.body.contains("Form çok hızlı gönderildi"))
            #expect(hasty.body.contains("<html lang=\"tr\" dir=\"ltr\">"))
            #expect(try await Self.individuals(store, id) == 0)
        }
    }

    @Test func tooManyJoinsFromOneAddressAre429AndTheSameEmailTwiceIsOneEndorsement() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.joining.perAddressPerHour = 3
        }) {
            (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            #expect(try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "a@example.org")).status == .ok)
            // The same address from a new form: refused as already endorsed, nothing stored.
            let again = try await b.request("/s/pub/join?lang=en", method: .post, form: try await Self.form(b, email: "a@example.org"))
            #expect(again.status == .conflict && again.body.contains("already endorsed"))
            #expect(try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "b@example.org")).status == .ok)
            let limited = try await b.request("/s/pub/join?lang=en", method: .post, form: try await Self.form(b, email: "c@example.org"))
            #expect(limited.status == .tooManyRequests && limited.body.contains("Too many requests"))
            let arabic = try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "d@example.org"))
            #expect(arabic.status == .tooManyRequests && arabic.body.contains("dir=\"rtl\""))
            #expect(try await Self.individuals(store, id) == 2)
        }
    }

    /// Issue 12, finding 2: over real loopback HTTP, a new forged `X-Forwarded-For` per
    /// request no longer escapes the per-address limit; from a trusted proxy, the hop it
    /// appended is the client, so people behind it have their own budgets.
    @Test func aForgedForwardedForDoesNotEscapeTheLimitButATrustedProxysHopCounts() async throws {
        try await Fixture.make().run(
            .live,
            configure: {
                $0.joining.minimumFillSeconds = 0
                $0.joining.perAddressPerHour = 2
            }
        ) { (b: Browser, store: SQLStore) async throws in
            _ = try await Self.published(store)
            var statuses: [HTTPResponse.Status] = []
            for i in 1...3 {
                let forged: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.\(i)"]
                statuses.append(
                    try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "f\(i)@example.org"), headers: forged)
                        .status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
        }
        try await Fixture.make().run(
            .live,
            configure: {
                $0.joining.minimumFillSeconds = 0
                $0.joining.perAddressPerHour = 2
                $0.trustedProxies = [IPNetwork("127.0.0.0/8")!]
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            var statuses: [HTTPResponse.Status] = []
            // Each person sends a made-up left entry; nginx appended their real address.
            for (i, hops) in ["9.9.9.9, 198.51.100.1", "8.8.8.8, 198.51.100.1", "7.7.7.7, 198.51.100.1", "198.51.100.2"].enumerated() {
                let headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: hops]
                statuses.append(
                    try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "p\(i)@example.org"), headers: headers)
                        .status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .ok])
            #expect(try await Self.individuals(store, id) == 3)
        }
    }

    /// Issue 12, finding 2: a stamp serves one submission; the same form again (a lost
    /// answer) still gets its page, but the stamp with another address is refused.
    @Test func aReplayedFormStampIsRefusedButARetryOfTheSameFormIsNot() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            let form = try await Self.form(b, email: "first@example.org")
            #expect(try await b.request("/s/pub/join", method: .post, form: form).status == .ok)
            #expect(try await b.request("/s/pub/join", method: .post, form: form).status == .ok)
            var replay = form
            replay["email"] = "second@example.org"
            let refused = try await b.request("/s/pub/join?lang=en", method: .post, form: replay)
            #expect(refused.status == .conflict && refused.body.contains("This form has already been sent"))
            #expect(try await Self.individuals(store, id) == 1)
        }
    }

    /// Issue 12: limits per network (a fresh address per join from one /24) and per email
    /// domain, and block lists, each refusing in the visitor's language and storing nothing.
    @Test func networksDomainsAndBlockListsHaveTheirOwnLimits() async throws {
        try await Fixture.make().run(
            .live,
            configure: {
                $0.joining.minimumFillSeconds = 0
                $0.joining.perNetworkPerHour = 3
                $0.joining.perDomainPerHour = 2
                $0.joining.blockedDomains = ["spam.example"]
                $0.joining.blockedNetworks = [IPNetwork("192.0.2.0/24")!]
                $0.trustedProxies = [IPNetwork("127.0.0.1")!]
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            func join(from ip: String, email: String) async throws -> (status: HTTPResponse.Status, body: String, location: String?) {
                try await b.request(
                    "/s/pub/join?lang=en", method: .post, form: try await Self.form(b, email: email),
                    headers: [HTTPField.Name("X-Forwarded-For")!: ip])
            }
            // Four fresh addresses in one /24: the fourth is over the network's budget.
            var statuses: [HTTPResponse.Status] = []
            for i in 1...4 { statuses.append(try await join(from: "198.51.100.\(i)", email: "n\(i)@gmail.com").status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            // One organisation's domain from different networks: two an hour, open providers exempt.
            statuses = []
            for i in 1...3 { statuses.append(try await join(from: "203.0.\(i).1", email: "d\(i)@union.example").status) }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            let blockedDomain = try await join(from: "203.0.9.1", email: "x@mail.spam.example")
            #expect(blockedDomain.status == .unprocessableContent && blockedDomain.body.contains("could not be accepted"))
            let blockedNetwork = try await join(from: "192.0.2.77", email: "y@gmail.com")
            #expect(blockedNetwork.status == .unprocessableContent)
            #expect(try await Self.individuals(store, id) == 5)
        }
    }

    /// Found by fuzzing (issue 12): a quote followed by a combining mark is one character
    /// to Swift, and the template engine's escaping compared characters, so it ended the
    /// `value` attribute it was echoed into. Every template now escapes scalar by scalar.
    @Test func aQuoteWithACombiningMarkCannotLeaveAnAttribute() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            _ = try await Self.published(store)
            var form = try await Self.form(b, email: "not an address")
            form["name"] = "x\"\u{0301}/onmouseover=alert(1) \u{0301}<\u{0301}script>"
            let page = try await b.request("/s/pub/join?lang=en", method: .post, form: form)
            #expect(page.status == .unprocessableContent)
            #expect(!page.body.contains("\"\u{0301}") && !page.body.contains("<\u{0301}"))
            #expect(page.body.contains("&quot;\u{0301}/onmouseover") && page.body.contains("&lt;\u{0301}script&gt;"))
        }
    }

    /// Issue 16: the join page shows the text its consent refers to (folded, with its
    /// fingerprint), and the way of joining as one two-way choice with the chosen one marked.
    @Test func theJoinPageShowsTheTextAndMarksTheChosenWay() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            let fingerprint = try await store.currentVersion(of: id).contentHash.fingerprint
            let person = try await b.request("/s/pub/join?lang=en").body
            let details = try #require(person.range(of: "<details class=\"text\">"))
            let form = try #require(person.range(of: "<form method=\"post\""))
            #expect(details.lowerBound < form.lowerBound)
            #expect(person.contains("The text you endorse · Text code <code dir=\"ltr\">\(fingerprint)</code>"))
            #expect(person.contains("<div class=\"body\" lang=\"ar\" dir=\"rtl\"><p>نص</p>"))
            #expect(person.contains("<a href=\"/s/pub/join?kind=individual\" aria-current=\"page\">As an individual</a>"))
            #expect(!person.contains("kind=organization\" aria-current"))
            let organisation = try await b.request("/s/pub/join?kind=organization&lang=en").body
            #expect(organisation.contains("<a href=\"/s/pub/join?kind=organization\" aria-current=\"page\">On behalf of an organisation</a>"))
            #expect(!organisation.contains("kind=individual\" aria-current"))
        }
    }

    /// Issue 12: an organisation joining with a look-alike of another's name (a Cyrillic
    /// `а` in a Latin name) is shown to the coordinator as a probable duplicate with its
    /// reason, and a name mixing scripts within a word carries its own warning.
    @Test func lookAlikeAndMixedScriptNamesAreFlaggedInModeration() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            let hash = try await store.currentVersion(of: id).contentHash
            for (i, name) in ["Paris Union", "P\u{0430}ris Union"].enumerated() {
                _ = try await store.join(
                    statementID: id,
                    NewEndorsement(signerKind: .organization, displayName: name, signerName: "x", contact: "o\(i)@example.org", versionHash: hash),
                    emailKey: nil, confirmTokenHash: nil, signerTokenHash: "s\(i)", mail: nil)
            }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            let page = try await b.request("/c/s/pub/signons?lang=en")
            #expect(page.body.contains("look-alike letters from another script"))
            #expect(page.body.components(separatedBy: "mixes letters of different scripts").count == 2)
        }
    }

    /// Issue 12: the coordinator sees where joins come from (network, email domain) and
    /// sets a flood aside in one step with a reason; the joins stay listed as rejected and
    /// one event records them.
    @Test func aCoordinatorSeesJoinSignalsAndSetsAFloodAside() async throws {
        try await Fixture.make().run(
            .live,
            configure: {
                $0.joining.minimumFillSeconds = 0
                $0.trustedProxies = [IPNetwork("127.0.0.1")!]
            }
        ) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            for (i, hop) in ["198.51.100.7", "198.51.100.8", "198.51.100.9", "203.0.113.5"].enumerated() {
                let r = try await b.request(
                    "/s/pub/join", method: .post, form: try await Self.form(b, email: "p\(i)@flood.example"),
                    headers: [HTTPField.Name("X-Forwarded-For")!: hop])
                #expect(r.status == .ok)
            }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            let page = try await b.request("/c/s/pub/signons?lang=en")
            #expect(page.body.contains("Where joins come from") && page.body.contains("198.51.100.0/24") && page.body.contains("flood.example"))
            let csrf = try #require(b.field("_csrf"))
            let noReason = try await b.request(
                "/c/s/pub/invalidate?lang=en", method: .post, form: ["_csrf": csrf, "by": "network", "value": "198.51.100.0/24", "reason": " "])
            #expect(noReason.status == .unprocessableContent && noReason.body.contains("Give a reason"))
            let done = try await b.request(
                "/c/s/pub/invalidate?lang=en", method: .post,
                form: ["_csrf": csrf, "by": "network", "value": "198.51.100.0/24", "reason": "one network, fresh addresses"])
            #expect(done.status == .ok && done.body.contains("Joins set aside: 3"))
            let individuals = try await store.endorsements(of: id).filter { $0.signerKind == .individual }
            #expect(individuals.filter { $0.state == .rejected }.count == 3 && individuals.count == 4)
            let log = try await b.request("/c/s/pub/log?lang=en")
            #expect(log.body.contains("endorsements.invalidated") && log.body.contains("one network, fresh addresses"))
            let window = try await b.request(
                "/c/s/pub/invalidate?lang=en", method: .post,
                form: ["_csrf": csrf, "by": "window", "from": "2000-01-01T00:00", "to": "2100-01-01T00:00", "reason": "everything"])
            #expect(window.status == .ok && window.body.contains("Joins set aside: 1"))
        }
    }

    /// Issue 12: many sign-ons under one name are shown once with their count (not
    /// compared pairwise), and set aside in one step.
    @Test func identicalNamesAreGroupedAndSetAsideTogether() async throws {
        try await Fixture.make().run(configure: { $0.joining.minimumFillSeconds = 0 }) { (b: Browser, store: SQLStore) async throws in
            let id = try await Self.published(store)
            for i in 0..<5 {
                #expect(try await b.request("/s/pub/join", method: .post, form: try await Self.form(b, email: "n\(i)@example.org")).status == .ok)
            }
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            let page = try await b.request("/c/s/pub/signons?lang=en")
            #expect(page.body.contains("Sign-ons waiting under the same name: <bdi>سلمى</bdi> (<bdi>5</bdi>)"))
            let key = try #require(page.body.firstMatch(of: /name="by" value="name" \/><input type="hidden" name="value" value="([^"]+)"/)?.output.1)
            let done = try await b.request(
                "/c/s/pub/invalidate?lang=en", method: .post,
                form: ["_csrf": b.field("_csrf")!, "by": "name", "value": String(key), "reason": "one name, five times"])
            #expect(done.status == .ok && done.body.contains("Joins set aside: 5") && !done.body.contains("under the same name"))
            #expect(try await store.endorsements(of: id).filter { $0.signerKind == .individual && $0.state == .rejected }.count == 5)
        }
    }

    @Test func theConfirmationMailIsInTheJoinersLanguageThenTheStatementsOwn() {
        let urls = (confirm: "https://bayan.example/confirm/abc", own: "https://bayan.example/e/xyz")
        let english = Mail.confirmation(lang: .en, statementLanguage: .ar, title: "بيان", confirmURL: urls.confirm, privateURL: urls.own)
        #expect(english.subject == "Confirm your endorsement: بيان / تأكيد تأييد البيان: بيان")
        let parts = english.body.components(separatedBy: "\n\n---\n\n")
        #expect(parts.count == 2 && parts[0].hasPrefix("Hello,") && parts[1].hasPrefix("تحية طيبة"))
        #expect(parts.allSatisfy { $0.contains(urls.confirm) && $0.contains(urls.own) && $0.contains("بيان") && !$0.contains("{") })
        let turkish = Mail.confirmation(lang: .tr, statementLanguage: .tr, title: "Açıklama", confirmURL: urls.confirm, privateURL: urls.own)
        #expect(turkish.subject == "Desteğinizi onaylayın: Açıklama")
        #expect(!turkish.body.contains("---") && turkish.body.hasPrefix("Merhaba"))
    }
}

/// Issue 12 (first slice): every absolute link is made from the configured public address;
/// a forged `Host` or `X-Forwarded-Proto` changes none of them.
@Suite struct PublicLinks {
    @Test func mailFeedAndInvitationLinksUseThePublicAddressWhateverTheHeadersSay() async throws {
        let fixture = try await Fixture.make()
        let forged: HTTPFields = [HTTPField.Name("Host")!: "evil.example", HTTPField.Name("X-Forwarded-Proto")!: "http"]
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.mailEnabled = true
            $0.publicURL = "https://bayan.example.org"
        }) { (b: Browser, store: SQLStore) async throws in
            _ = try await JoinRoute.published(store)
            let form = try await JoinRoute.form(b)
            #expect(try await b.request("/s/pub/join", method: .post, form: form, headers: forged).status == .ok)
            let mail = try await store.handle.read { db in
                try await db.raw("SELECT body FROM outbox").all().map { try $0.decode(column: "body", as: String.self) }
            }
            #expect(mail.count == 1 && mail[0].contains("https://bayan.example.org/confirm/") && mail[0].contains("https://bayan.example.org/e/"))
            #expect(!mail[0].contains("evil") && !mail[0].contains("http://"))
            let feed = try await b.request("/feed.atom", headers: forged)
            #expect(feed.body.contains("https://bayan.example.org/s/pub") && !feed.body.contains("evil"))

            let links = try await Fixture.circulating(b)
            #expect(!links.isEmpty)
            let page = try await b.request("/c/s/demo")
            let batch = try await b.request(
                "/c/s/demo/invitations", method: .post, form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "مجلس حلب"],
                headers: forged)
            #expect(page.status == .ok && batch.body.contains("https://bayan.example.org/i/") && !batch.body.contains("evil"))
        }
    }

    @Test func aConfiguredPublicAddressIsCheckedAndTrailingSlashesDropped() {
        #expect(PublicAddress.validated("https://bayan.example.org/") == "https://bayan.example.org")
        #expect(PublicAddress.validated("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(PublicAddress.validated("https://example.org/bayan") == "https://example.org/bayan")
        for bad in ["bayan.example.org", "ftp://example.org", "https://", "https://example.org/?a=1", "javascript:alert(1)"] {
            #expect(PublicAddress.validated(bad) == nil, "\(bad)")
        }
    }
}

/// Issue 12: a flood of joins under one name keeps the coordinator's page small.
@Suite struct FloodedQueue {
    @Test func identicalNamesShowAtMostThreeCandidatesARow() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.joining.perAddressPerHour = 1000
            $0.mailEnabled = true
        }) { (b: Browser, store: SQLStore) async throws in
            let id = try await JoinRoute.published(store)
            for i in 0..<40 {
                #expect(
                    try await b.request("/s/pub/join", method: .post, form: try await JoinRoute.form(b, email: "p\(i)@example.org")).status == .ok)
            }
            #expect(try await JoinRoute.individuals(store, id) == 40)
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            let page = try await b.request("/c/s/pub/signons")
            #expect(page.status == .ok)
            #expect(page.body.matches(of: /\/merge"/).count <= 40 * 3)
            #expect(page.body.matches(of: /<bdi>36<\/bdi><\/p>/).count == 40)  // 39 others, 3 shown
            #expect(page.body.utf8.count < 400_000)
        }
    }
}
