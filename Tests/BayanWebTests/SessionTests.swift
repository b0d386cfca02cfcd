import BayanApp
import BayanCore
import BayanStore
import Foundation
import HTTPTypes
import Synchronization
import Testing

@testable import BayanWeb

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let now = Mutex(Date())
    func read() -> Date { now.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Issue 12, login: sessions end after idleness as well as absolutely, and a coordinator
/// changes their password (which signs out every other session of theirs).
@Suite struct Sessions {
    @Test func aSessionEndsAfterTwoIdleHoursButNotWhileInUseAndAfterTwelveHoursInAnyCase() async throws {
        let clock = ManualClock()
        try await Fixture.make().run(configure: { $0.clock = { clock.read() } }) { (b: Browser, _: SQLStore) async throws in
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            // Working: a request every 100 minutes keeps the session for up to 12 hours.
            for _ in 0..<6 {
                clock.advance(100 * 60)
                #expect(try await b.request("/c").status == .ok)
            }
            clock.advance(125 * 60)
            // 12 h 25 min after sign-in: over the absolute limit although not idle for long.
            #expect(try await b.request("/c").location == "/login")

            #expect(try await b.signIn("admin@example.org") == .seeOther)
            clock.advance(Session.idleLimit - 60)
            #expect(try await b.request("/c").status == .ok)
            clock.advance(Session.idleLimit + 1)
            // Left open for two hours: signed out, and the session is gone for good.
            #expect(try await b.request("/c").location == "/login")
            clock.advance(-Session.idleLimit)
            #expect(try await b.request("/c").location == "/login")
        }
    }

    @Test func changingThePasswordNeedsTheCurrentOneAndSignsOutEveryOtherSession() async throws {
        try await Fixture.make().run(configure: { $0.bcryptCost = 4 }) { (b: Browser, store: SQLStore) async throws in
            let other = Browser(b.client)
            #expect(try await other.signIn("admin@example.org") == .seeOther)
            #expect(try await b.signIn("admin@example.org") == .seeOther)
            try await b.request("/c/password?lang=en")
            let csrf = try #require(b.field("_csrf"))
            func change(_ current: String, _ new: String, _ repeated: String) async throws -> (status: HTTPResponse.Status, body: String) {
                let r = try await b.request(
                    "/c/password?lang=en", method: .post, form: ["_csrf": csrf, "current": current, "new": new, "repeat": repeated])
                return (r.status, r.body)
            }
            let wrong = try await change("not my password", "a new long passphrase", "a new long passphrase")
            #expect(wrong.status == .forbidden && wrong.body.contains("current password is not correct"))
            let short = try await change("correct horse battery", "short", "short")
            #expect(short.status == .unprocessableContent && short.body.contains("between 10 and 200 characters"))
            let mismatch = try await change("correct horse battery", "a new long passphrase", "a new long passphrasf")
            #expect(mismatch.status == .unprocessableContent && mismatch.body.contains("not the same"))
            let forged = try await b.request(
                "/c/password", method: .post,
                form: ["_csrf": "forged", "current": "correct horse battery", "new": "a new long passphrase", "repeat": "a new long passphrase"])
            #expect(forged.status == .forbidden)
            let done = try await change("correct horse battery", "a new long passphrase", "a new long passphrase")
            #expect(done.status == .ok && done.body.contains("Every other session of yours has been signed out"))
            // This session goes on; the other browser is signed out; only the new password opens.
            #expect(try await b.request("/c").status == .ok)
            #expect(try await other.request("/c").location == "/login")
            #expect(try await other.signIn("admin@example.org") == .unauthorized)
            #expect(try await other.signIn("admin@example.org", "a new long passphrase") == .seeOther)
            // The coordinator of nothing has their own password, unchanged.
            #expect(try await Browser(b.client).signIn("other@example.org") == .seeOther)
        }
    }
}
