import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as its bytes. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`,
/// what a dual-stack socket reports for an IPv4 peer) are the IPv4 address, so one person
/// has one key whichever way they connected.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        var s = String(text).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        // `[2001:db8::1]:443` and `[::1]` as proxies sometimes write them.
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") { s = String(s[s.index(after: s.startIndex)..<close]) }
        if let zone = s.firstIndex(of: "%") { s = String(s[..<zone]) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if s.contains(":"), inet_pton(AF_INET6, s, &v6) == 1 {
            self.init(raw: withUnsafeBytes(of: &v6) { Array($0) })
        } else if inet_pton(AF_INET, s, &v4) == 1 {
            self.init(raw: withUnsafeBytes(of: &v4) { Array($0) })
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// From a socket address's raw bytes (4 or 16, network order), without a detour
    /// through text: this runs for every request. An IPv4-mapped IPv6 address is IPv4.
    public init?(raw: [UInt8]) {
        switch raw.count {
        case 4: bytes = raw
        case 16: bytes = raw[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] ? Array(raw[12...]) : raw
        default: return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// 127.0.0.0/8 or ::1: the machine itself.
    public var isLoopback: Bool { isIPv4 ? bytes[0] == 127 : bytes == Array(repeating: 0, count: 15) + [1] }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// The network a person's address belongs to for rate limiting: its /24 for IPv4, its
    /// /64 for IPv6 (what one household or one small provider's customer gets), so a
    /// new address per request from the same network shares one budget.
    public var network: IPNetwork { IPNetwork(base: self, prefix: isIPv4 ? 24 : 64) }
}

/// An address block in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let base: IPAddress
    public let prefix: Int

    init(base: IPAddress, prefix: Int) {
        var masked = base.bytes
        for i in masked.indices {
            let keep = max(0, min(8, prefix - i * 8))
            masked[i] &= keep == 0 ? 0 : ~UInt8(0) << (8 - keep)
        }
        self.base = IPAddress(bytes: masked)
        self.prefix = prefix
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(first) else { return nil }
        let width = address.bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...width).contains(prefix) else { return nil }
            self.init(base: address, prefix: prefix)
        } else {
            self.init(base: address, prefix: width)
        }
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == base.bytes.count && IPNetwork(base: address, prefix: prefix).base == base
    }

    public var description: String { "\(base)/\(prefix)" }

    /// A comma- or space-separated list such as `BAYAN_TRUSTED_PROXIES`; an entry that
    /// is not a network is an error naming it, so a typo stops the start instead of
    /// trusting nothing (or everything) silently.
    public static func list(_ text: String) -> Result<[IPNetwork], ClientAddressError> {
        var networks: [IPNetwork] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " }) where !item.isEmpty {
            guard let network = IPNetwork(item) else { return .failure(.notANetwork(String(item))) }
            networks.append(network)
        }
        return .success(networks)
    }
}

public enum ClientAddressError: Error, Equatable, CustomStringConvertible {
    case notANetwork(String)
    public var description: String {
        switch self {
        case .notANetwork(let item): "'\(item)' is not an address or a network such as 127.0.0.1 or 10.0.0.0/8"
        }
    }
}

/// Who sent a request, for rate limits: the connection's peer, unless that peer is a
/// proxy the operator trusts; then `X-Forwarded-For` is read from the right (each proxy
/// appends the address it saw), skipping trusted hops, and the first untrusted hop is
/// the client. Entries left of it were written by the client and prove nothing, which
/// is why the left-most entry is never taken (issue 12: a new fake address per request
/// escaped the per-address limit).
public enum ClientAddress {
    /// The rate-limit key of a client: its address, or one key shared by every request
    /// without an IP peer (in-process tests).
    public static func key(_ client: IPAddress?) -> String { client?.description ?? "unknown" }

    public static func resolve(peer: IPAddress?, forwardedFor: [String], trusted: [IPNetwork]) -> IPAddress? {
        guard let peer else { return nil }
        guard trusted.contains(where: { $0.contains(peer) }) else { return peer }
        var client = peer
        for hop in forwardedFor.flatMap({ $0.split(separator: ",") }).reversed() {
            // A malformed hop ends the walk: what lies left of it cannot be trusted.
            guard let address = IPAddress(hop) else { break }
            client = address
            if !trusted.contains(where: { $0.contains(address) }) { break }
        }
        return client
    }
}
