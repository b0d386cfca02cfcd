import BayanApp
import BayanStore
import Foundation
import Testing

@testable import BayanWeb

/// Private-link and confirmation tokens sort by time so their index grows at the end.
@Suite struct OrderedTokens {
    @Test func storedFormKeepsTheTimePrefixAndHidesTheSecret() {
        let token = Tokens.makeOrdered(at: Date(timeIntervalSince1970: 1_800_000_000))
        let parts = token.split(separator: ".")
        #expect(parts.count == 2 && parts[0].count == 12 && parts[1].count == 43)
        let stored = Tokens.hash(token)
        #expect(stored.hasPrefix(String(parts[0]) + "."))
        #expect(!stored.contains(String(parts[1])))
        #expect(stored.count == 12 + 1 + 64)
        #expect(Tokens.hash(token) == stored)
        #expect(Tokens.hash(String(parts[0]) + "." + Tokens.make()) != stored)
    }

    @Test func laterTokensSortLater() {
        let times = (0..<50).map { Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 0.37) }
        let stored = times.map { Tokens.hash(Tokens.makeOrdered(at: $0)) }
        #expect(stored == stored.sorted())
    }

    @Test func plainTokensStillHashAsBefore() {
        // Tokens issued before ordered ones (and session tokens) are stored as their bare digest.
        let token = Tokens.make()
        #expect(Tokens.hash(token).count == 64)
        #expect(Tokens.hash("abc.def").count == 64)
        #expect(Tokens.hash("0123456789ab.") != Tokens.hash("0123456789ab.x"))
    }

    @Test func rowIDsAreTimeOrderedUUIDs() {
        let ids = (0..<50).map { TimeOrderedID.make(at: Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 0.25)) }
        #expect(ids == ids.sorted())
        for id in ids {
            #expect(UUID(uuidString: id) != nil)
            #expect(Array(id)[14] == "7")
        }
        #expect(Set((0..<1000).map { _ in TimeOrderedID.make() }).count == 1000)
    }

    @Test func base64urlMatchesFoundation() {
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Tokens.base64url(bytes) == expected)
        }
        #expect(Tokens.make().count == 43)
    }
}

@Suite struct EmailField {
    @Test func acceptsAddressesAndNamesTheBadOnes() {
        var v = FormValidation(lang: .en)
        #expect(v.email("  Someone@Example.ORG ", label: "e") == "someone@example.org")
        #expect(v.email("مؤيد@مثال.شبكة", label: "e") == "مؤيد@مثال.شبكة")
        #expect(v.isValid)
        for bad in [
            "", "plain", "@example.org", "a@example", "a@.example.org", "a@example.org.", "a@@example.org", "a@b@example.org",
            "a b@example.org", "a@example.org<script>", "a\u{00A0}b@example.org",
        ] {
            var w = FormValidation(lang: .en)
            #expect(w.email(bad, label: "e") == nil, "\(bad)")
            #expect(!w.isValid)
        }
    }
}
