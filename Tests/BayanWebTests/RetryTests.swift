import BayanCore
import BayanStore
import BayanTestSupport
import BayanWeb
import Foundation
import HTTPTypes
import Testing

/// Issue 19: on a poor connection a request reaches Bayan and its answer is lost, so people
/// send it again. Every state-changing request sent twice with the same key and content has
/// one effect, one event, at most one mail, and both answers are the same success page.
@Suite struct RetriedSubmissions {
    /// The private link shown on a page.
    static func privateLink(_ body: String) -> String? {
        guard let r = body.range(of: "/e/") else { return nil }
        return String(body[r.lowerBound...].prefix { $0 != "<" && $0 != "\"" && $0 != "?" })
    }

    /// Fresh invitation links for `names`, from the statement page's invitation form.
    static func invite(_ b: Browser, _ names: String) async throws -> [String] {
        try await b.request("/c/s/demo")
        let page = try await b.request(
            "/c/s/demo/invitations", method: .post,
            form: ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": names])
        let all = page.body.components(separatedBy: "/i/").dropFirst().map { "/i/" + $0.prefix { $0 != "<" && $0 != "\"" && !$0.isWhitespace } }
        return all.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    static func signOnForm(_ version: String, name: String = "نقابة المعلمين") -> [String: String] {
        ["name": name, "place": "حلب", "signer": "سامر", "role": "أمين السر", "contact": "s@example.org", "consent": "yes", "version": version]
    }

    @Test func signOnSentTwiceGivesTheSamePageAndPrivateLinkAndOneSignature() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let version = try await store.currentVersion(of: statement.id).contentHash.hex
            let before = try await counts(store)
            let first = try await b.request(link, method: .post, form: Self.signOnForm(version))
            let second = try await b.request(link, method: .post, form: Self.signOnForm(version))
            #expect(first.status == .ok && second.status == .ok)
            #expect(first.body == second.body)
            let privateLink = try #require(Self.privateLink(first.body))
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 1)
            #expect(try await counts(store)["events"] == before["events"]! + 1)
            // The answer was lost and the invitation link is opened again: what was signed,
            // and the same private link.
            let reopened = try await b.request(link)
            #expect(reopened.status == .ok && Self.privateLink(reopened.body) == privateLink)
            #expect(reopened.body.contains("استُخدمت هذه الدعوة للتوقيع من قبل"))
            #expect(reopened.body.contains(String(version.prefix(8))) || reopened.body.contains("النص الموقَّع"))
            #expect(try await b.request(privateLink).status == .ok)
            // The same link with other content is refused, in the page's language, and changes nothing.
            let other = try await b.request(link + "?lang=en", method: .post, form: Self.signOnForm(version, name: "رابطة أخرى"))
            #expect(other.status == .conflict && other.body.contains("already signed with different details"))
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 1)
            #expect(try await store.endorsements(of: statement.id).map(\.displayName) == ["نقابة المعلمين"])
        }
    }

    @Test func signOnSentTwiceAtOnceStoresOneSignature() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let version = try await store.currentVersion(of: statement.id).contentHash.hex
            let links = try await Self.invite(b, "مجلس حلب\nجمعية الهلال\nمنظمة بسمة")
            #expect(links.count == 3)
            let before = try await counts(store)
            for link in links {
                async let x = b.request(link, method: .post, form: Self.signOnForm(version, name: "جهة \(link.suffix(4))"))
                async let y = b.request(link, method: .post, form: Self.signOnForm(version, name: "جهة \(link.suffix(4))"))
                let (r1, r2) = try await (x, y)
                #expect(r1.status == .ok && r2.status == .ok && r1.body == r2.body)
            }
            #expect(try await counts(store)["endorsements"] == before["endorsements"]! + 3)
            #expect(try await counts(store)["events"] == before["events"]! + 3)
        }
    }

    @Test func invitationFormSentTwiceMakesOneBatchWithTheSameLinks() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            _ = try await Fixture.circulating(b)
            let before = try await counts(store)
            try await b.request("/c/s/demo")
            let form = ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!, "names": "مجلس حلب\nجمعية الهلال"]
            async let x = b.request("/c/s/demo/invitations", method: .post, form: form)
            async let y = b.request("/c/s/demo/invitations", method: .post, form: form)
            let (first, second) = try await (x, y)
            let third = try await b.request("/c/s/demo/invitations", method: .post, form: form)
            #expect(first.status == .ok && second.status == .ok && third.status == .ok)
            #expect(first.body == second.body && second.body == third.body)
            #expect(try await counts(store)["invitations"] == before["invitations"]! + 2)
            #expect(try await counts(store)["events"] == before["events"]! + 2)
            var changed = form
            changed["names"] = "منظمة أخرى"
            let refused = try await b.request("/c/s/demo/invitations?lang=en", method: .post, form: changed)
            #expect(refused.status == .conflict && refused.body.contains("already sent with different content"))
            #expect(try await counts(store)["invitations"] == before["invitations"]! + 2)
        }
    }

    /// Sends `form` to `path` twice at once and once more: the three answers are the same.
    static func thrice(_ b: Browser, _ path: String, _ form: [String: String]) async throws -> [(
        status: HTTPResponse.Status, body: String, location: String?
    )] {
        async let x = b.request(path, method: .post, form: form)
        async let y = b.request(path, method: .post, form: form)
        let (first, second) = try await (x, y)
        return [first, second, try await b.request(path, method: .post, form: form)]
    }

    /// The coordinator's statement page, freshly loaded: its CSRF token and one-use form key.
    static func coordinatorForm(_ b: Browser, _ fields: [String: String] = [:]) async throws -> [String: String] {
        try await b.request("/c/s/demo")
        return ["_csrf": b.field("_csrf")!, "_k": b.field("_k")!].merging(fields) { $1 }
    }

    @Test func everyCoordinatorAndSignerFormSentTwiceAtOnceHasOneEffect() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let v1 = try await store.currentVersion(of: statement.id).contentHash.hex
            let privateLink = try #require(Self.privateLink(try await b.request(link, method: .post, form: Self.signOnForm(v1)).body))
            let e = try await store.endorsements(of: statement.id)[0]
            func expectOneEffect(
                _ path: String, _ form: [String: String], status: HTTPResponse.Status,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let events = try await counts(store)["events"]!
                let answers = try await Self.thrice(b, path, form)
                #expect(answers.allSatisfy { $0.status == status }, "\(answers.map(\.status))", sourceLocation: sourceLocation)
                #expect(Set(answers.map(\.body)).count == 1, sourceLocation: sourceLocation)
                #expect(try await counts(store)["events"] == events + 1, sourceLocation: sourceLocation)
            }
            // Moderation: one approval.
            try await expectOneEffect("/c/s/demo/endorsements/\(e.id)/approve", try await Self.coordinatorForm(b), status: .seeOther)
            // A new text sent twice is one version; re-confirming it twice binds once.
            let text = try await Self.coordinatorForm(b, ["title": "بيان تجريبي", "body": "النص الثاني"])
            try await expectOneEffect("/c/s/demo/text", text, status: .seeOther)
            #expect(try await store.versions(of: statement.id).count == 2)
            let v2 = try await store.currentVersion(of: statement.id).contentHash.hex
            try await expectOneEffect(privateLink + "/reconfirm", ["version": v2], status: .ok)
            // Renaming twice is one rename.
            try await expectOneEffect(
                "/c/s/demo/endorsements/\(e.id)/rename", try await Self.coordinatorForm(b, ["name": "نقابة معلمي حلب"]),
                status: .seeOther)
            // The same form key with other content (a stale page, another button) is refused
            // in the coordinator's language and changes nothing.
            let publish = try await Self.coordinatorForm(b, ["to": "published", "confirm": "yes", "order": "arabic"])
            var other = publish
            other["to"] = "closed"
            try await expectOneEffect("/c/s/demo/state", publish, status: .seeOther)
            let events = try await counts(store)["events"]!
            let refused = try await b.request("/c/s/demo/state?lang=en", method: .post, form: other)
            #expect(refused.status == .conflict && refused.body.contains("already sent with different content"))
            #expect(try await counts(store)["events"] == events)
            #expect(try await store.statement(slug: "demo").state == .published)
            // Withdrawal pressed twice at once: the same page, one event.
            try await expectOneEffect(privateLink + "/withdraw", ["confirm": "yes"], status: .ok)
            #expect(try await store.endorsements(of: statement.id)[0].state == .withdrawn)
        }
    }

    @Test func invitationRevokedTwiceAndReinvitationSentTwiceHaveOneEffect() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let link = try await Fixture.circulating(b)
            let statement = try await store.statement(slug: "demo")
            let v1 = try await store.currentVersion(of: statement.id).contentHash.hex
            _ = try await b.request(link, method: .post, form: Self.signOnForm(v1))
            let unused = try #require(try await store.invitations(of: statement.id).first { $0.endorsementID == nil && !$0.revoked })
            var events = try await counts(store)["events"]!
            let revoked = try await Self.thrice(b, "/c/s/demo/invitations/\(unused.id)/revoke", try await Self.coordinatorForm(b))
            #expect(revoked.allSatisfy { $0.status == .seeOther })
            #expect(try await counts(store)["events"] == events + 1)
            // The text changes; the links to re-confirm, asked for twice, are the same links.
            let text = try await Self.coordinatorForm(b, ["title": "بيان تجريبي", "body": "نص آخر"])
            #expect(try await b.request("/c/s/demo/text", method: .post, form: text).status == .seeOther)
            events = try await counts(store)["events"]!
            let reinvited = try await Self.thrice(b, "/c/s/demo/reinvite", try await Self.coordinatorForm(b))
            #expect(reinvited.allSatisfy { $0.status == .ok } && Set(reinvited.map(\.body)).count == 1)
            let fresh = try #require(Self.privateLink(reinvited[0].body))
            #expect(try await b.request(fresh).status == .ok)
            #expect(try await counts(store)["events"] == events)
        }
    }

    @Test func joinSentTwiceWithTheSameStampIsOneEndorsementOneMailAndTheSamePage() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.mailEnabled = true
        }) { (b: Browser, store: SQLStore) async throws in
            _ = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "test",
                    signatories: [(name: "نقابة المعلمين", number: 1)], publish: true, at: Date()))
            let statement = try await store.statement(slug: "pub")
            try await b.request("/s/pub/join")
            let form = [
                "t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": "سلمى",
                "email": "salma@example.org", "consent": "yes", "visibility": "public",
            ]
            let before = try await outbox(store)
            async let x = b.request("/s/pub/join", method: .post, form: form)
            async let y = b.request("/s/pub/join", method: .post, form: form)
            let (first, second) = try await (x, y)
            let third = try await b.request("/s/pub/join", method: .post, form: form)
            #expect(first.status == .ok && second.status == .ok && third.status == .ok)
            #expect(first.body == second.body && second.body == third.body)
            #expect(try await store.endorsements(of: statement.id).filter { $0.signerKind == .individual }.count == 1)
            #expect(try await outbox(store) == before + 1)
            // The same form (stamp and address) with other details is refused and stores nothing.
            var other = form
            other["name"] = "سلمى المعدّلة"
            let refused = try await b.request("/s/pub/join?lang=en", method: .post, form: other)
            #expect(refused.status == .conflict && refused.body.contains("already sent with different details"))
            #expect(try await store.endorsements(of: statement.id).filter { $0.signerKind == .individual }.count == 1)
            // Confirmation pressed twice: the same page, one event.
            let token = try await confirmationToken(store, statementID: statement.id)
            let events = try await counts(store)["events"]!
            let confirmed = try await Self.thrice(b, "/confirm/\(token)", [:])
            #expect(confirmed.allSatisfy { $0.status == .ok } && Set(confirmed.map(\.body)).count == 1)
            #expect(try await counts(store)["events"] == events + 1)
        }
    }

    @Test func joiningAgainBeforeConfirmingSaysTheMailIsOnItsWayAndSendsItAgainOnce() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.mailEnabled = true
        }) { (b: Browser, store: SQLStore) async throws in
            _ = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص",
                    author: "test", signatories: [(name: "نقابة المعلمين", number: 1)], publish: true, at: Date()))
            let statement = try await store.statement(slug: "pub")
            func joinForm(name: String = "سلمى") async throws -> [String: String] {
                try await b.request("/s/pub/join")
                return [
                    "t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": name,
                    "email": "salma@example.org", "consent": "yes", "visibility": "public",
                ]
            }
            #expect(try await b.request("/s/pub/join", method: .post, form: try await joinForm()).status == .ok)
            let firstToken = try await confirmationToken(store, statementID: statement.id)
            // The answer was lost; a new form with the same address (and a name spelled
            // otherwise) says the confirmation is on its way and offers to send it again.
            let again = try await b.request("/s/pub/join?lang=en", method: .post, form: try await joinForm(name: "سلمى ع."))
            #expect(again.status == .ok && again.body.contains("Your confirmation is on its way"))
            #expect(try await outbox(store) == 1)
            let resend = ["t": try #require(b.field("t", in: again.body)), "email": try #require(b.field("email", in: again.body))]
            // Pressed twice at once and once more: one more mail, the same page.
            let answers = try await Self.thrice(b, "/s/pub/join/resend?lang=en", resend)
            #expect(answers.allSatisfy { $0.status == .ok } && Set(answers.map(\.body)).count == 1)
            #expect(answers[0].body.contains("We sent the confirmation email again"))
            #expect(try await outbox(store) == 2)
            #expect(try await store.endorsements(of: statement.id).filter { $0.signerKind == .individual }.count == 1)
            // The new links replace the old: the lost mail's link no longer confirms.
            let tokens = try await store.handle.read { db in
                try await db.raw("SELECT body FROM outbox ORDER BY created_at, id").all().map { try $0.decode(column: "body", as: String.self) }
            }.map { body in String(body[body.range(of: "/confirm/")!.upperBound...].prefix { !$0.isWhitespace }) }
            let newToken = try #require(tokens.first { $0 != firstToken })
            #expect(try await b.request("/confirm/\(firstToken)", method: .post, form: [:]).status == .notFound)
            #expect(try await b.request("/confirm/\(newToken)", method: .post, form: [:]).status == .ok)
            // A fourth resend within the hour is refused (three mails an hour to one address),
            // and once confirmed, joining again says the address has already endorsed.
            let confirmedAgain = try await b.request("/s/pub/join?lang=en", method: .post, form: try await joinForm())
            #expect(confirmedAgain.status == .conflict && confirmedAgain.body.contains("already endorsed"))
            let late = try await b.request("/s/pub/join/resend?lang=en", method: .post, form: resend)
            #expect(late.status == .tooManyRequests && late.body.contains("Too many emails were sent to this address"))
            #expect(try await outbox(store) == 2)
        }
    }

    /// Addresses a page makes the browser fetch: stylesheets, scripts, images, frames, fonts.
    /// What a browser fetches to show the page: not a `rel="alternate"` link (the feed,
    /// which only feed readers follow).
    static func subresources(_ html: String) -> [String] {
        let pattern = /<(?:link|script|img|iframe|source|video|audio)\b[^>]*?(?:href|src)="([^"]*)"/
        return html.matches(of: pattern).filter { !$0.output.0.contains("rel=\"alternate\"") }.map { String($0.output.1) }
    }

    @Test func everyPageOnTheSigningPathCostsOneRoundTripOnceTheStylesheetIsKept() async throws {
        let fixture = try await Fixture.make()
        try await fixture.run(configure: {
            $0.joining.minimumFillSeconds = 0
            $0.mailEnabled = true
        }) { (b: Browser, store: SQLStore) async throws in
            let (link, version) = try await Fixture.circulatingWithVersion(b, store)
            var pages: [String: String] = [:]
            pages["invitation"] = try await b.request(link).body
            pages["signed"] = try await b.request(link, method: .post, form: Self.signOnForm(version)).body
            let privateLink = try #require(Self.privateLink(pages["signed"]!))
            pages["signer"] = try await b.request(privateLink).body
            pages["reopened"] = try await b.request(link).body
            _ = try await store.importStatement(
                ImportPlan(
                    slug: try Slug("pub"), language: "ar", title: "بيان", body: "نص", author: "test",
                    signatories: [(name: "نقابة المعلمين", number: 1)], publish: true, at: Date()))
            pages["join"] = try await b.request("/s/pub/join").body
            let form = [
                "t": b.field("t")!, "version": b.field("version")!, "kind": "individual", "name": "سلمى",
                "email": "salma@example.org", "consent": "yes", "visibility": "public",
            ]
            pages["joined"] = try await b.request("/s/pub/join", method: .post, form: form).body
            let token = try await confirmationToken(store, statementID: try await store.statement(slug: "pub").id)
            pages["confirm"] = try await b.request("/confirm/\(token)").body
            pages["confirmed"] = try await b.request("/confirm/\(token)", method: .post, form: [:]).body
            var stylesheets = Set<String>()
            for (name, html) in pages {
                // The site icon is fetched on its own, never before the page shows, and kept a week.
                #expect(Self.subresources(html).contains("/favicon.svg"), "\(name)")
                let fetched = Self.subresources(html).filter { $0 != "/favicon.svg" }
                #expect(fetched.count == 1, "\(name): \(fetched)")
                stylesheets.formUnion(fetched)
                // A page and its stylesheet fit in a few seconds of a 2G connection.
                #expect(html.utf8.count < 16_000, "\(name): \(html.utf8.count) bytes")
            }
            // The one stylesheet, named by its content, is kept by the browser for a year.
            let css = try #require(stylesheets.count == 1 ? stylesheets.first : nil)
            #expect(css.hasPrefix("/static/bayan.") && css.hasSuffix(".css") && css != "/static/bayan.css")
            let answer = try await b.request(css)
            #expect(answer.status == .ok && answer.body.utf8.count < 8_000)
            try await b.client.execute(uri: css, method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
            }
            try await b.client.execute(uri: "/favicon.svg", method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=604800" && response.body.readableBytes < 1_000)
            }
        }
    }

    func outbox(_ store: SQLStore) async throws -> Int {
        try await store.handle.read { db in try await db.raw("SELECT COUNT(*) AS n FROM outbox").first()!.decode(column: "n", as: Int.self) }
    }

    /// The confirmation link of the one mail in the outbox.
    func confirmationToken(_ store: SQLStore, statementID: String) async throws -> String {
        let body = try await store.handle.read { db in
            try await db.raw("SELECT body FROM outbox WHERE body LIKE '%/confirm/%'").first()!.decode(column: "body", as: String.self)
        }
        let r = try #require(body.range(of: "/confirm/"))
        return String(body[r.upperBound...].prefix { !$0.isWhitespace })
    }
}
