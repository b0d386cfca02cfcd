import Foundation
import Testing

@testable import BayanCore

/// Issue 17: what a webhook receiver relies on (the signature) and what a coordinator may
/// register (no address inside the server's own network unless the instance allows it).
@Suite struct Webhooks {
    @Test func theSignatureBindsTheBodyTheSecretAndTheTime() {
        let body = Array(#"{"id":"s:1","kind":"endorsement.added"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let header = WebhookSignature.sign(secret: "whsec_a", timestamp: 1_780_000_000, body: body)
        // The same bytes as Python's hmac.new(b"whsec_a", b"1780000000." + body, hashlib.sha256).
        #expect(header == "t=1780000000,v1=f9ad0c29e39e56dc06c4019d9f0e1ce67b16dd65ef72b3d6e4feb73444ab97b7")
        #expect(WebhookSignature.verify(header: header, secret: "whsec_a", body: body, now: now))
        // Another secret, one byte changed, a replay after the tolerance, a missing part: refused.
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_b", body: body, now: now))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_a", body: body + [0x20], now: now))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_a", body: body, now: now.addingTimeInterval(301)))
        #expect(!WebhookSignature.verify(header: "v1=" + header.split(separator: "=").last!, secret: "whsec_a", body: body, now: now))
        #expect(!WebhookSignature.verify(header: "t=1780000000,v1=00", secret: "whsec_a", body: body, now: now))
        let secret = WebhookSignature.newSecret()
        #expect(secret.hasPrefix("whsec_") && secret.count == 70 && secret != WebhookSignature.newSecret())
    }

    @Test func addressesInsideTheServersNetworkAreRefused() throws {
        #expect(try WebhookURL("https://hooks.example.org/bayan?x=1", allowLocal: false).host == "hooks.example.org")
        #expect(try WebhookURL(" https://203.0.113.9:8443/in ", allowLocal: false).description == "https://203.0.113.9:8443/in")
        let refused: [(String, WebhookURL.Refusal)] = [
            ("http://hooks.example.org/", .scheme), ("ftp://hooks.example.org/", .scheme), ("javascript:alert(1)", .notAnAddress),
            ("https://user:pw@hooks.example.org/", .credentials), ("https://hooks.example.org/#x", .notAnAddress),
            ("https://exa mple.org/", .notAnAddress), ("https://", .notAnAddress), ("hooks.example.org", .notAnAddress),
            ("https://localhost/", .localHost), ("https://app.localhost/", .localHost), ("https://127.0.0.1/", .localHost),
            ("https://127.1.2.3:5432/", .localHost), ("https://10.0.0.5/", .localHost), ("https://172.20.1.1/", .localHost),
            ("https://192.168.1.1/", .localHost), ("https://169.254.169.254/latest/meta-data", .localHost),
            ("https://0.0.0.0/", .localHost), ("https://[::1]/", .localHost), ("https://[fd00::1]/", .localHost),
            ("https://[::ffff:127.0.0.1]/", .localHost), ("https://2130706433/", .localHost), ("https://db/", .localHost),
            ("https://printer.local/", .localHost), ("https://0x7f.1/", .localHost), ("https://100.64.0.1/", .localHost),
            ("https://" + String(repeating: "a", count: 2000) + ".org/", .tooLong),
        ]
        for (address, reason) in refused {
            #expect(throws: reason, "\(address.prefix(60))") { try WebhookURL(address, allowLocal: false) }
        }
        // What a name resolves to is judged the same way at delivery.
        for inside in ["127.0.0.1", "10.1.2.3", "::1", "fe80::1", "::ffff:192.168.0.1", "169.254.169.254"] {
            #expect(WebhookURL.isLocalAddress(inside), "\(inside)")
        }
        for outside in ["203.0.113.9", "2001:db8::1", "8.8.8.8"] { #expect(!WebhookURL.isLocalAddress(outside), "\(outside)") }
        // An instance that allows local receivers (tests, one-machine setups) takes them, http too.
        #expect(try WebhookURL("http://127.0.0.1:9000/hook", allowLocal: true).host == "127.0.0.1")
        #expect(throws: WebhookURL.Refusal.credentials) { try WebhookURL("http://a:b@127.0.0.1/", allowLocal: true) }
    }

    @Test func failuresWaitLongerUntilTheHookGivesUp() {
        let policy = WebhookRetryPolicy()
        #expect(policy.delay(afterFailures: 1) == 30 && policy.delay(afterFailures: 2) == 60 && policy.delay(afterFailures: 8) == 3600)
        #expect((1...15).map(policy.delay(afterFailures:)).reduce(0, +) > 8 * 3600, "a receiver may be down for a working day")
        #expect(!policy.givesUp(afterFailures: 15) && policy.givesUp(afterFailures: 16))
    }

    @Test func aDeliveryCarriesThePublicEventAndContactsOnlyWhenAsked() throws {
        let event = Event(
            sequence: 7, kind: EventKind.endorsementAdded.rawValue, atMillis: 1_780_000_000_000,
            payload: ["id": "e1", "kind": "individual", "visibility": "counted-only", "name": "سلمى", "salt": "00ff"],
            prevHash: Event.genesisHash, hash: "")
        let plain = WebhookDelivery(statementID: "st", slug: "bayan", event: event, signers: nil)
        let text = String(decoding: plain.body, as: UTF8.self)
        #expect(plain.id == "st:7" && text.contains(#""id":"st:7""#) && text.contains(#""at":"2026-05-28T"#))
        // The person counted only is committed as in the public log; the salt never leaves.
        #expect(!text.contains("سلمى") && !text.contains("00ff") && text.contains("sha256:") && !text.contains("signers"))
        #expect(WebhookDelivery.endorsementIDs(of: event) == ["e1"])
        let invitation = Event(
            sequence: 8, kind: EventKind.invitationCreated.rawValue, atMillis: 0, payload: ["id": "inv"], prevHash: "", hash: "")
        #expect(WebhookDelivery.endorsementIDs(of: invitation).isEmpty)
        let person = Endorsement(
            id: "e1", signerKind: .individual, displayName: "سلمى", contact: "salma@example.org",
            versionHash: ContentHash(hex: String(repeating: "a", count: 64)), state: .confirmed, visibility: .countedOnly, createdAt: Date())
        let withContacts = String(decoding: WebhookDelivery(statementID: "st", slug: "bayan", event: event, signers: [person]).body, as: UTF8.self)
        #expect(withContacts.contains(#""contact":"salma@example.org""#) && withContacts.contains("سلمى"))
    }
}
