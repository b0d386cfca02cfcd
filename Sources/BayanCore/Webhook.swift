import Crypto
import Foundation

/// A coordinator's webhook (issue 17): an address outside Bayan that receives every event
/// of one statement's log, in order, signed. The log itself is the outbox: a hook keeps
/// only how far it has delivered (`deliveredThrough`), so an event written in a
/// transaction is never lost between the write and the delivery, and nothing is added to
/// the request path of a sign-on.
public struct Webhook: Sendable, Equatable {
    public var id: String
    public var statementID: String
    public var url: WebhookURL
    /// Whether deliveries carry the signer's name as coordinators see it and contact
    /// details; off unless the coordinator turns it on for this hook.
    public var sendsContacts: Bool
    public var createdAt: Date
    /// The sequence number of the last event the receiver acknowledged (0: none yet).
    public var deliveredThrough: Int
    /// Failed attempts in a row at the next event; reset by a delivery.
    public var failures: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var lastDeliveredAt: Date?
    /// Set when the hook gave up; the reason is shown to the coordinator.
    public var disabledAt: Date?
    public var disabledReason: String?

    public init(
        id: String, statementID: String, url: WebhookURL, sendsContacts: Bool, createdAt: Date, deliveredThrough: Int,
        failures: Int = 0, nextAttemptAt: Date, lastError: String? = nil, lastDeliveredAt: Date? = nil,
        disabledAt: Date? = nil, disabledReason: String? = nil
    ) {
        self.id = id
        self.statementID = statementID
        self.url = url
        self.sendsContacts = sendsContacts
        self.createdAt = createdAt
        self.deliveredThrough = deliveredThrough
        self.failures = failures
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.lastDeliveredAt = lastDeliveredAt
        self.disabledAt = disabledAt
        self.disabledReason = disabledReason
    }

    public var isEnabled: Bool { disabledAt == nil }

    /// At most this many hooks per statement: each one is a reader of the whole log.
    public static let limit = 10
}

/// When a failing hook is tried again and when it is given up. The wait doubles from
/// `base` up to `ceiling`; after `maximumFailures` in a row the hook is disabled, with the
/// last error as its reason, until a coordinator turns it on again (nothing is skipped:
/// delivery resumes at the event that failed).
public struct WebhookRetryPolicy: Sendable, Equatable {
    public var base: TimeInterval
    public var ceiling: TimeInterval
    public var maximumFailures: Int

    /// Defaults: 30 s, 1 min, 2 min … then hourly: 16 failures span about 12 hours.
    public init(base: TimeInterval = 30, ceiling: TimeInterval = 3600, maximumFailures: Int = 16) {
        self.base = base
        self.ceiling = ceiling
        self.maximumFailures = maximumFailures
    }

    /// The wait after the `failures`-th failure in a row (from 1).
    public func delay(afterFailures failures: Int) -> TimeInterval {
        min(base * pow(2, Double(max(failures, 1) - 1)), ceiling)
    }

    public func givesUp(afterFailures failures: Int) -> Bool { failures >= maximumFailures }
}

/// A receiver's address, checked when a coordinator registers it: absolute http(s), no
/// credentials, no fragment; and unless the instance allows local receivers, https to a
/// public host name or address, so that a coordinator's account cannot be used to reach
/// the server's own network (loopback, private ranges, link-local, single-label names).
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public let host: String

    public enum Refusal: Error, Equatable, Sendable {
        case notAnAddress, scheme, credentials, tooLong, localHost
        /// The translation key of the message shown to the coordinator.
        public var messageKey: String {
            switch self {
            case .notAnAddress: "webhook.badURL"
            case .scheme: "webhook.https"
            case .credentials: "webhook.credentials"
            case .tooLong: "webhook.tooLong"
            case .localHost: "webhook.local"
            }
        }
    }

    public static let maximumLength = 2000

    public init(_ text: String, allowLocal: Bool) throws(Refusal) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong }
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline }),
            let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            let host = parts.host?.lowercased(), !host.isEmpty, parts.fragment == nil
        else { throw .notAnAddress }
        guard scheme == "https" || (scheme == "http" && allowLocal) else { throw .scheme }
        guard parts.user == nil, parts.password == nil else { throw .credentials }
        if !allowLocal && Self.isLocal(host: host) { throw .localHost }
        self.description = text
        self.host = host
    }

    /// Stored addresses were checked when registered; read back as they are.
    public init(stored: String) {
        self.description = stored
        self.host = URLComponents(string: stored)?.host?.lowercased() ?? ""
    }

    /// Whether a numeric address (as `inet_ntop` writes it) is loopback, private, link-local
    /// or otherwise not the public internet: the check a deliverer makes on the addresses a
    /// name resolves to, since a public-looking name may point inside.
    public static func isLocalAddress(_ address: String) -> Bool { isLocal(host: address) }

    /// Host names and literal addresses that lead into the server's own machine or network.
    static func isLocal(host: String) -> Bool {
        let host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") || host.hasSuffix(".internal") { return true }
        if host.contains(":") { return isLocalIPv6(host) }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
            let n = octets.compactMap { Int($0) }
            guard n.count == 4, n.allSatisfy({ (0...255).contains($0) }) else { return true }
            return isLocalIPv4(n)
        }
        // A name without a dot resolves in the server's own search domain; so does a
        // number the resolver would read as an address (`2130706433`, `0x7f.1`).
        if !host.contains(".") { return true }
        if host.split(separator: ".").last.map({ $0.allSatisfy { $0.isNumber } || $0.hasPrefix("0x") }) == true { return true }
        return false
    }

    static func isLocalIPv4(_ n: [Int]) -> Bool {
        switch (n[0], n[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168), (255, _): true
        case (172, 16...31), (100, 64...127), (198, 18...19): true
        case (224...239, _): true
        default: false
        }
    }

    static func isLocalIPv6(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "::" || h == "::1" { return true }
        if h.hasPrefix("fc") || h.hasPrefix("fd") || h.hasPrefix("fe8") || h.hasPrefix("fe9") || h.hasPrefix("fea") || h.hasPrefix("feb") {
            return true
        }
        // IPv4 inside IPv6 (`::ffff:127.0.0.1`): judged as the IPv4 address.
        if let last = h.split(separator: ":").last, last.contains(".") {
            let n = last.split(separator: ".").compactMap { Int($0) }
            return n.count != 4 || isLocalIPv4(n)
        }
        return h.hasPrefix("::ffff:") || h.hasPrefix("64:ff9b:")
    }
}

/// The signature a receiver checks before trusting a delivery: HMAC-SHA256, keyed with the
/// hook's secret, over the timestamp, a dot and the exact body bytes, sent as
/// `Bayan-Signature: t=SECONDS,v1=HEX`. The timestamp inside the signed bytes lets a
/// receiver refuse a replayed delivery; the event id (`Bayan-Event`) lets it drop a
/// repeated one (a delivery whose answer was lost is sent again).
public enum WebhookSignature {
    public static let header = "Bayan-Signature"
    /// How old a signed timestamp a receiver should still accept, in seconds.
    public static let tolerance: TimeInterval = 300

    /// A fresh secret: shown to the coordinator once, used as the key's UTF-8 bytes.
    public static func newSecret() -> String { "whsec_" + ContentHash.hex(SecureRandom.bytes(32)) }

    public static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(mac(secret: secret, timestamp: timestamp, body: body))"
    }

    /// Whether `header` signs `body` with `secret` within `tolerance` of `now`.
    public static func verify(header: String, secret: String, body: [UInt8], now: Date, tolerance: TimeInterval = tolerance) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let expected = Array(mac(secret: secret, timestamp: timestamp, body: body).utf8)
        // Compared in constant time: a receiver must not leak how much of a forgery matched.
        return signatures.contains { candidate in
            let given = Array(candidate.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    static func mac(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += body
        let code = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return ContentHash.hex(Array(code))
    }
}

/// What one delivery carries: one event of the log in its public form (the same bytes a
/// verifier reads at `/s/SLUG/log`), its id for de-duplication, and, only for a hook that
/// sends contacts, the signers the event names with their names and contact details.
public struct WebhookDelivery: Sendable, Equatable, Encodable {
    /// `STATEMENT_ID:SEQ`: unique per event and stable across retries.
    public var id: String
    public var statement: String
    public var seq: Int
    public var kind: String
    public var at: String
    public var data: [String: String]
    public var signers: [Signer]?

    public struct Signer: Sendable, Equatable, Encodable {
        public var id: String
        public var kind: String
        public var name: String
        /// The person who signed for an organisation.
        public var signer: String?
        public var role: String?
        public var contact: String?
        public var state: String
    }

    public init(statementID: String, slug: String, event: Event, signers: [Endorsement]?) {
        self.id = "\(statementID):\(event.sequence)"
        self.statement = slug
        self.seq = event.sequence
        self.kind = event.kind
        self.at = Date(millis: event.atMillis).formatted(.iso8601)
        self.data = event.publicPayload
        self.signers = signers?.map {
            Signer(
                id: $0.id, kind: $0.signerKind.rawValue, name: $0.displayName, signer: $0.signerName, role: $0.signerRole,
                contact: $0.contact, state: $0.state.rawValue)
        }
    }

    /// The sign-ons an event names (`id`, `ids`, `kept`/`merged`), for the contacts of a hook that sends them.
    public static func endorsementIDs(of event: Event) -> [String] {
        var ids: [String] = []
        for key in ["id", "kept", "merged"] { if let v = event.payload[key], !v.isEmpty { ids.append(v) } }
        if let list = event.payload["ids"] { ids += list.split(separator: " ").map(String.init) }
        // `id` of an invitation event names an invitation, not a sign-on.
        return event.kind.hasPrefix("endorsement") || event.kind == EventKind.joinsInvalidated.rawValue || event.kind == EventKind.published.rawValue
            ? ids : []
    }

    /// The body as sent and signed: JSON with sorted keys.
    public var body: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}
