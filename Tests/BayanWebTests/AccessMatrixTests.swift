import BayanApp
import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import Testing

@testable import BayanWeb

/// Issue 12, acceptance 5: every coordinator route against every kind of visitor
/// (anonymous, someone holding a signer's private link, the coordinator of another
/// statement, a coordinator granted this statement, an admin), and every form field that
/// names another statement or one of its items. Who may not act gets the login page or a
/// 403/404 and changes nothing.
@Suite struct AccessMatrix {
    enum Role: String, CaseIterable { case anonymous, signerLink, otherCoordinator, grantedCoordinator, admin }

    struct Route {
        let method: HTTPRequest.Method
        let path: String
        var form: [String: String] = [:]
        /// Admins only, even among coordinators.
        var adminOnly = false
        /// Any signed-in coordinator (their own account, their own dashboard).
        var anyCoordinator = false
    }

    struct World {
        let demoEndorsement: String
        let demoInvitation: String
        let theirsEndorsement: String
        let theirsInvitation: String
        let signerLink: String
    }

    /// `demo` (the admin's, circulating, one signed invitation, one granted coordinator) and
    /// `theirs` (published, imported, granted to other@example.org, with an invitation).
    static func world(_ b: Browser, _ store: SQLStore) async throws -> World {
        let link = try await Fixture.circulating(b)
        try await b.request(link)
        let signed = try await b.request(
            link, method: .post,
            form: [
                "name": "نقابة المعلمين", "signer": "سامر", "contact": "s@example.org", "consent": "yes",
                "version": b.field("version") ?? "",
            ])
        let signerLink = String(signed.body.firstMatch(of: /\/e\/[0-9a-f]{12}\.[A-Za-z0-9_-]{43}|\/e\/[A-Za-z0-9_-]{43}/)?.output ?? "")
        let demo = try await store.statement(slug: "demo")
        let granted = try await store.createCoordinator(
            email: "granted@example.org", passwordHash: Passwords.hash("correct horse battery", cost: 4), role: .coordinator)
        try await store.grant(statementID: demo.id, to: granted.id)
        let theirs = try await store.importStatement(
            ImportPlan(
                slug: try Slug("theirs"), language: "ar", title: "بيانهم", body: "نص", author: "test",
                signatories: [(name: "رابطة الكتاب", number: 1)], publish: true, at: Date()))
        let other = try await store.coordinator(email: "other@example.org")
        try await store.grant(statementID: theirs.id, to: other.id)
        let theirsInvitation = try await store.createInvitation(
            statementID: theirs.id, organizationName: "اتحاد الطلبة", tokenHash: "x", expiresAt: Date().addingTimeInterval(86_400))
        return World(
            demoEndorsement: try await store.endorsements(of: demo.id).first { !$0.imported }!.id,
            demoInvitation: try await store.invitations(of: demo.id).first!.id,
            theirsEndorsement: try await store.endorsements(of: theirs.id).first!.id,
            theirsInvitation: theirsInvitation.id, signerLink: signerLink)
    }

    static func routes(_ w: World) -> [Route] {
        [
            Route(method: .get, path: "/c", anyCoordinator: true),
            Route(method: .get, path: "/c/password", anyCoordinator: true),
            Route(method: .get, path: "/c/directory", adminOnly: true),
            Route(method: .post, path: "/c/directory", form: ["name": "جمعية جديدة"], adminOnly: true),
            Route(method: .get, path: "/c/s/demo"),
            Route(method: .get, path: "/c/s/demo?queue=2"),
            Route(method: .get, path: "/c/s/demo/log"),
            Route(method: .get, path: "/c/s/demo/export.csv"),
            Route(method: .get, path: "/c/s/demo/diff?from=1&to=1"),
            Route(method: .post, path: "/c/s/demo/text", form: ["title": "بيان تجريبي", "body": "النص الأول"]),
            Route(method: .post, path: "/c/s/demo/state", form: ["to": "draft"]),
            Route(method: .post, path: "/c/s/demo/invitations", form: ["names": "اتحاد العمال", "days": "7"]),
            Route(method: .post, path: "/c/s/demo/translation", form: ["language": "en", "title": "Statement", "body": "Text"]),
            Route(method: .post, path: "/c/s/demo/reinvite"),
            Route(method: .post, path: "/c/s/demo/invalidate", form: ["by": "domain", "value": "example.org", "reason": "test"]),
            Route(method: .post, path: "/c/s/demo/invitations/\(w.demoInvitation)/revoke"),
            Route(method: .post, path: "/c/s/demo/endorsements/\(w.demoEndorsement)/approve"),
            Route(method: .post, path: "/c/s/demo/endorsements/\(w.demoEndorsement)/reject", form: ["reason": "x"]),
            Route(method: .post, path: "/c/s/demo/endorsements/\(w.demoEndorsement)/rename", form: ["name": "نقابة المعلمين"]),
            Route(method: .post, path: "/c/s/demo/endorsements/\(w.demoEndorsement)/merge", form: ["into": w.demoEndorsement]),
        ]
    }

    /// The handler ran for this visitor: not sent to login, not forbidden, not a failure
    /// (a refusal of the form's content, such as merging a sign-on into itself, is fine).
    static func reached(_ r: (status: HTTPResponse.Status, body: String, location: String?)) -> Bool {
        r.location != "/login" && r.status != .forbidden && r.status.code < 500
    }

    /// Signs `b` in as the role (or not) and returns its CSRF token ("" when none).
    static func become(_ role: Role, _ b: Browser, signerLink: String) async throws -> String {
        b.cookies = [:]
        switch role {
        case .anonymous: return ""
        case .signerLink:
            #expect(try await b.request(signerLink).status == .ok)
            return ""
        case .otherCoordinator: #expect(try await b.signIn("other@example.org") == .seeOther)
        case .grantedCoordinator: #expect(try await b.signIn("granted@example.org") == .seeOther)
        case .admin: #expect(try await b.signIn("admin@example.org") == .seeOther)
        }
        try await b.request("/c")
        return b.field("_csrf") ?? ""
    }

    @Test func everyCoordinatorRouteAgainstEveryRole() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let w = try await Self.world(b, store)
            for role in Role.allCases {
                let csrf = try await Self.become(role, b, signerLink: w.signerLink)
                let before = try await counts(store)
                for route in Self.routes(w) {
                    var form = route.form
                    form["_csrf"] = csrf
                    let r = try await b.request(route.path, method: route.method, form: route.method == .post ? form : nil)
                    let label = "\(role.rawValue) \(route.method) \(route.path)"
                    switch role {
                    case .anonymous, .signerLink:
                        #expect(r.status == .seeOther && r.location == "/login", "\(label): \(r.status)")
                    case .otherCoordinator:
                        let allowed = route.anyCoordinator
                        #expect(allowed ? r.status == .ok : r.status == .forbidden, "\(label): \(r.status)")
                    case .grantedCoordinator:
                        #expect(route.adminOnly ? r.status == .forbidden : Self.reached(r), "\(label): \(r.status)")
                    case .admin:
                        #expect(Self.reached(r), "\(label): \(r.status)")
                    }
                }
                if role != .grantedCoordinator && role != .admin {
                    // Nothing changed but the sessions the sign-in made.
                    var after = try await counts(store)
                    after["sessions"] = before["sessions"]
                    #expect(after == before, "\(role.rawValue) changed something")
                }
            }
        }
    }

    /// Fields and addresses that name another statement's items: refused whoever asks,
    /// admins included (they manage both statements, but one statement's form acts on
    /// that statement only).
    @Test func formsCannotReachAnotherStatementsItems() async throws {
        try await Fixture.make().run { (b: Browser, store: SQLStore) async throws in
            let w = try await Self.world(b, store)
            for role in [Role.otherCoordinator, .admin] {
                let csrf = try await Self.become(role, b, signerLink: w.signerLink)
                let before = try await counts(store)
                let slug = role == .admin ? "demo" : "theirs"
                let foreign = role == .admin ? w.theirsEndorsement : w.demoEndorsement
                let foreignInvitation = role == .admin ? w.theirsInvitation : w.demoInvitation
                let own = role == .admin ? w.demoEndorsement : w.theirsEndorsement
                let attempts: [(String, [String: String])] = [
                    ("/c/s/\(slug)/endorsements/\(foreign)/approve", [:]),
                    ("/c/s/\(slug)/endorsements/\(foreign)/reject", ["reason": "x"]),
                    ("/c/s/\(slug)/endorsements/\(foreign)/rename", ["name": "اسم آخر"]),
                    ("/c/s/\(slug)/endorsements/\(own)/merge", ["into": foreign]),
                    ("/c/s/\(slug)/invitations/\(foreignInvitation)/revoke", [:]),
                ]
                for (path, fields) in attempts {
                    var form = fields
                    form["_csrf"] = csrf
                    let r = try await b.request(path, method: .post, form: form)
                    #expect([.notFound, .forbidden, .conflict, .unprocessableContent].contains(r.status), "\(role.rawValue) \(path): \(r.status)")
                }
                if role == .otherCoordinator {
                    // Inviting "the signatories of demo" into their own statement.
                    let r = try await b.request(
                        "/c/s/theirs/invitations", method: .post, form: ["_csrf": csrf, "names": "", "from": "demo", "days": "7"])
                    #expect(r.status == .forbidden)
                }
                var after = try await counts(store)
                after["sessions"] = before["sessions"]
                #expect(after == before, "\(role.rawValue) changed something")
                let theirs = try await store.statement(slug: "theirs")
                #expect(try await store.invitations(of: theirs.id).allSatisfy { !$0.revoked })
                #expect(try await store.endorsements(of: theirs.id).allSatisfy { $0.state == .confirmed || $0.state == .approved })
            }
        }
    }
}
