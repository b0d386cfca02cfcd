import BayanCore
import Testing

/// Issue 12, finding 2: the client behind a proxy is the right-most hop the trusted
/// proxies did not write; without trusted proxies the peer is the client.
@Suite struct ClientAddressTests {
    let proxy = IPAddress("127.0.0.1")!

    @Test func addressesAndNetworksParseAndMapIPv4InIPv6() throws {
        #expect(IPAddress("::ffff:203.0.113.9") == IPAddress("203.0.113.9"))
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8:0:0:0:0:0:1")
        #expect(IPAddress("203.0.113.256") == nil && IPAddress("evil.example") == nil && IPAddress("") == nil)
        let net = try #require(IPNetwork("10.0.0.0/8"))
        #expect(net.contains(IPAddress("10.200.1.1")!) && !net.contains(IPAddress("11.0.0.1")!))
        #expect(!net.contains(IPAddress("::ffff:1:2")!))
        #expect(IPNetwork("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::5")!))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPAddress("198.51.100.77")!.network.description == "198.51.100.0/24")
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")!.network == IPAddress("2001:db8:1:2:ffff::1")!.network)
        #expect(IPNetwork.list("127.0.0.1, 10.0.0.0/8 ::1") == .success([IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!, IPNetwork("::1")!]))
        #expect(IPNetwork.list("127.0.0.1, 10.0.0/8") == .failure(.notANetwork("10.0.0/8")))
    }

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() {
        let client = ClientAddress.resolve(peer: IPAddress("198.51.100.7"), forwardedFor: ["203.0.113.1"], trusted: [])
        #expect(client == IPAddress("198.51.100.7"))
    }

    @Test func fromATrustedProxyTheRightMostUntrustedHopIsTheClient() {
        let trusted = [IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!]
        // The client wrote "1.1.1.1" itself; nginx appended the address it saw.
        #expect(ClientAddress.resolve(peer: proxy, forwardedFor: ["1.1.1.1, 203.0.113.5"], trusted: trusted) == IPAddress("203.0.113.5"))
        // Two proxies (a load balancer at 10.0.0.2, then nginx): both skipped.
        #expect(
            ClientAddress.resolve(peer: proxy, forwardedFor: ["6.6.6.6, 203.0.113.5", "10.0.0.2"], trusted: trusted)
                == IPAddress("203.0.113.5"))
        // A header that is garbage at the right: the walk stops at the last trusted hop.
        #expect(ClientAddress.resolve(peer: proxy, forwardedFor: ["1.1.1.1, not-an-ip"], trusted: trusted) == proxy)
        // No header from the proxy: the proxy is the client.
        #expect(ClientAddress.resolve(peer: proxy, forwardedFor: [], trusted: trusted) == proxy)
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["1.1.1.1"], trusted: trusted) == nil)
    }
}
