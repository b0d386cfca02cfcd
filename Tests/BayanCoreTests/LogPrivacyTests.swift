import BayanCore
import Foundation
import Testing

/// What the public log shows of a sign-on's name: held until the sign-on is accepted, and
/// events written before that rule keep the public form their signed heads cover.
@Suite struct LogPrivacyTests {
    static let salt: @Sendable () -> [UInt8] = { Array(repeating: 7, count: 32) }

    static func publicForm(_ kind: EventKind, _ payload: [String: String]) -> [String: String] {
        let salted = LogPrivacy.salted(kind: kind, payload, salt: salt)
        return Event.next(after: nil, kind: kind, at: Date(timeIntervalSince1970: 0), payload: salted).publicPayload
    }

    @Test func aHeldJoinShowsCommitmentsAndWhoAskedToBeListed() {
        let held = Self.publicForm(
            .endorsementAdded,
            ["ids": "a b", "names": #"["سلمى",null]"#, "places": #"["حمص",null]"#, "listed": "10", "kind": "individual", "held": "1"])
        #expect(held["names"]?.hasPrefix("sha256:") == true && held["places"]?.hasPrefix("sha256:") == true)
        #expect(held["listed"] == "10" && held["ids"] == "a b" && held["held"] == "1" && held["salt"] == nil)
        let organisation = Self.publicForm(.endorsementAdded, ["id": "o", "name": "وزارة", "kind": "organization", "held": "1"])
        #expect(organisation["name"]?.hasPrefix("sha256:") == true)
        let renamed = Self.publicForm(.endorsementRenamed, ["id": "o", "from": "أ", "to": "ب", "kind": "organization", "held": "1"])
        #expect(renamed["from"]?.hasPrefix("sha256:") == true && renamed["to"]?.hasPrefix("sha256:") == true)
    }

    /// An event from before held names (no `held` key) is shown exactly as it was signed.
    @Test func olderEventsKeepTheirPublicForm() {
        let old = Self.publicForm(.endorsementAdded, ["ids": "a", "names": #"["سلمى"]"#, "places": #"[""]"#, "kind": "individual"])
        #expect(old["names"] == #"["سلمى"]"#)
        let oldState = Self.publicForm(.endorsementStateChanged, ["id": "a", "state": "confirmed"])
        #expect(oldState == ["id": "a", "state": "confirmed"])
    }

    @Test func acceptingShowsTheNameUnlessThePersonIsCountedOnly() {
        #expect(LogPrivacy.accepts(from: .pending, to: .confirmed) && LogPrivacy.accepts(from: .pending, to: .approved))
        #expect(!LogPrivacy.accepts(from: .pending, to: .withdrawn) && !LogPrivacy.accepts(from: .pending, to: .rejected))
        #expect(!LogPrivacy.accepts(from: .confirmed, to: .approved))
        let listed = Endorsement(
            id: "a", signerKind: .individual, displayName: "سلمى", place: "حمص", versionHash: ContentHash(hex: "00"), state: .confirmed,
            visibility: .public, createdAt: Date())
        let shown = Self.publicForm(.endorsementStateChanged, ["id": "a", "state": "confirmed"].merging(LogPrivacy.accepted(listed)) { a, _ in a })
        #expect(shown["name"] == "سلمى" && shown["place"] == "حمص")
        var counted = listed
        counted.visibility = .countedOnly
        let hidden = Self.publicForm(.endorsementStateChanged, ["id": "a", "state": "confirmed"].merging(LogPrivacy.accepted(counted)) { a, _ in a })
        #expect(hidden["name"]?.hasPrefix("sha256:") == true && hidden["visibility"] == "counted-only")
    }
}
