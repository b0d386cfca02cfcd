import BayanCore
import BayanStore
import Foundation

/// Limits on the public join forms: no third-party CAPTCHA, but a honeypot field, a
/// minimum time between loading the form and sending it, a form stamp that one
/// submission only may use, and rate limits in the spirit of UK e-petitions': per client
/// address, per network (/24, /64), per email domain and per statement, plus a cap on
/// the mail Bayan sends in an hour and block lists. Every default is defined here once.
public struct JoinPolicy: Sendable {
    public var minimumFillSeconds: Double = 3
    public var perAddressPerHour: Int = 20
    /// A network is a household, an office or a small provider's customer: more than one
    /// address, far fewer than a botnet's spread of fresh addresses from one block.
    public var perNetworkPerHour: Int = 100
    /// Joins with addresses at one email domain to one statement in an hour, so nobody can
    /// use a statement to flood an organisation's mail server; the open providers in
    /// `openDomains` are exempt (their users are the public).
    public var perDomainPerHour: Int = 50
    public var openDomains: Set<String> = JoinPolicy.commonProviders
    public var perStatementPerMinute: Int = 600
    /// Mail sent in any hour, across all statements and instances (the outbox waits when
    /// it is reached, nothing is dropped): the relay's reputation is the coalition's.
    public var mailPerHour: Int = 1000
    /// Clients and email domains whose joins are refused (`BAYAN_JOIN_BLOCK`).
    public var blockedNetworks: [IPNetwork] = []
    public var blockedDomains: Set<String> = []
    /// Adds `POST /s/SLUG/join-floor` (parses the join form, stores nothing) for scripts/bench.
    public var benchmarkFloorRoute = false

    public static let commonProviders: Set<String> = [
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com", "proton.me",
        "protonmail.com", "gmx.de", "gmx.net", "web.de", "yandex.ru", "mail.ru", "aol.com",
    ]

    /// The defaults above; settings change single properties.
    public init() {}

    /// Reads a block list such as `203.0.113.0/24, spam.example`: networks and domains.
    public static func blockList(_ text: String) -> (networks: [IPNetwork], domains: Set<String>) {
        var networks: [IPNetwork] = []
        var domains: Set<String> = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where !item.isEmpty {
            if let network = IPNetwork(item) { networks.append(network) } else { domains.insert(item.lowercased()) }
        }
        return (networks, domains)
    }
}

/// Why a join was not let through before its content was looked at.
public enum JoinLimitRefusal: Error, Equatable, Sendable {
    /// Too many joins from this client, its network, to this statement, or to one domain.
    case rateLimited
    /// The client or the email's domain is on the block list.
    case blocked
}

/// Applies `JoinPolicy`'s limits with counters in the store (the database on PostgreSQL,
/// shared by every instance; memory on SQLite, which is one instance, as the README says).
public struct JoinLimits: Sendable {
    let store: any Store
    public let policy: JoinPolicy

    public init(store: any Store, policy: JoinPolicy) {
        self.store = store
        self.policy = policy
    }

    /// The domain of an address, lower-cased: what the per-domain limit and the block list key on.
    public static func domain(of email: String) -> String {
        email.split(separator: "@").last.map { $0.lowercased() } ?? ""
    }

    /// Before the form is read: the client is not blocked, and neither it, its network nor
    /// the statement is over its budget. `client` nil (no IP peer) shares one budget.
    public func admit(client: IPAddress?, statementID: String) async throws -> JoinLimitRefusal? {
        if let client, policy.blockedNetworks.contains(where: { $0.contains(client) }) { return .blocked }
        // The client's counters in one round trip (a request refused for its address is
        // still its network's traffic); the statement's only for requests they admit, so a
        // flood from a few sources cannot spend the budget every honest signer shares.
        var budgets = [RateBudget("join-ip:\(ClientAddress.key(client))", window: 3600, limit: policy.perAddressPerHour)]
        if let network = client?.network { budgets.append(RateBudget("join-net:\(network)", window: 3600, limit: policy.perNetworkPerHour)) }
        guard try await store.allow(budgets) else { return .rateLimited }
        guard try await store.allow([RateBudget("join-statement:\(statementID)", window: 60, limit: policy.perStatementPerMinute)]) else {
            return .rateLimited
        }
        return nil
    }

    /// Once the address is known: its domain is not blocked nor over its budget here.
    public func admit(email: String, statementID: String) async throws -> JoinLimitRefusal? {
        let domain = Self.domain(of: email)
        if policy.blockedDomains.contains(where: { domain == $0 || domain.hasSuffix(".\($0)") }) { return .blocked }
        if policy.openDomains.contains(domain) { return nil }
        guard try await store.allow(bucket: "join-domain:\(statementID):\(domain)", window: 3600, limit: policy.perDomainPerHour) else {
            return .rateLimited
        }
        return nil
    }
}
