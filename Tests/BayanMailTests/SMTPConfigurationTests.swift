import Testing

@testable import BayanMail

/// Issue 12: a password never travels without TLS; STARTTLS is required unless the URL
/// turns it off for a relay on the same machine, without credentials.
@Suite struct SMTPSecurity {
    func security(_ url: String) throws(SMTPError) -> SMTPConfiguration.Security {
        try SMTPConfiguration(url: url, from: "bayan@example.org").security
    }

    @Test func startTLSIsRequiredUnlessTheURLTurnsItOff() throws {
        #expect(try security("smtp://user:pw@relay.example.org:587") == .startTLSRequired)
        #expect(try security("smtp://relay.example.org?starttls=required") == .startTLSRequired)
        #expect(try security("smtps://user:pw@relay.example.org") == .implicitTLS)
        #expect(try security("smtp://127.0.0.1:25?starttls=off") == .plain)
    }

    @Test func credentialsWithoutTLSAndUnknownSettingsAreRefused() {
        #expect(throws: SMTPError.self) { try security("smtp://user:pw@127.0.0.1:25?starttls=off") }
        #expect(throws: SMTPError.self) { try security("smtp://relay.example.org?starttls=optional") }
        #expect(throws: SMTPError.self) { try security("http://relay.example.org") }
    }
}

/// Issue 12, finding 11: a relay's reply that quotes the recipient is logged and stored
/// without the address.
@Suite struct RelayReplies {
    @Test func addressesInARelaysReplyAreReplaced() {
        #expect(
            OutboxService.withoutAddresses("550 5.1.1 <salma@example.org>: Recipient address rejected")
                == "550 5.1.1 [address] Recipient address rejected")
        #expect(OutboxService.withoutAddresses("421 try later") == "421 try later")
    }
}
