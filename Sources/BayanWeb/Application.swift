import BayanAPI
import BayanApp
import BayanCore
import BayanHooks
import BayanMail
import BayanStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Settings of a running Bayan, read once at start (CLI flags, `BAYAN_*` variables,
/// defaults) and passed in, so tests build the same app with their own values.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    /// Session cookies carry `Secure` unless Bayan is reached over plain HTTP on loopback
    /// (development and tests); behind a TLS proxy leave this on.
    public var secureCookies: Bool
    /// How stale a cached public page may be when another instance changed its data.
    public var cacheRevalidateAfter: Duration
    /// Anti-abuse settings of the join forms.
    public var joining = JoinPolicy()
    /// Whether an SMTP relay is configured; without one, individuals are approved by hand.
    public var mailEnabled = false
    /// The address people reach Bayan at (`BAYAN_PUBLIC_URL`), for every absolute link;
    /// nil: the address it listens on (development). Never taken from a request.
    public var publicURL: String?
    /// The clock of sessions, invitations and their expiry: the store's, so both agree
    /// (tests pass a fixed one). The join form's fill-time check keeps the wall clock.
    public var clock: @Sendable () -> Date = { Date() }
    /// Proxies whose `X-Forwarded-For` is believed (`BAYAN_TRUSTED_PROXIES`); empty: the
    /// connection's peer is the client, whatever headers say.
    public var trustedProxies: [IPNetwork] = []
    /// bcrypt's cost for passwords changed on the web (`BAYAN_BCRYPT_COST`).
    public var bcryptCost = Passwords.defaultCost
    /// The SMTP relay (`BAYAN_SMTP_URL`): when set, the application runs the outbox
    /// delivery beside the web server, and `mailEnabled` follows it.
    public var mailRelay: SMTPConfiguration? {
        didSet { mailEnabled = mailRelay != nil }
    }
    /// The first retry of an undelivered mail, doubling each time (`BAYAN_MAIL_RETRY_SECONDS`).
    public var mailRetrySeconds: Double = 30
    /// `BAYAN_METRICS_TOKEN`: a bearer token that opens `/metrics` to a scraper on another
    /// machine (without it, only the machine itself may read them).
    public var metricsToken: String?
    /// `BAYAN_BACKUP_DIR` and its interval and count: backups taken by the server itself.
    public var backups: BackupSchedule?
    /// Signs each statement's tree head every `treeHeadInterval` while its log grows, and
    /// is listed at `/.well-known/bayan/keys.json` (issue 13).
    public var signingKey: SigningKey?
    /// The keys listed at `/.well-known/bayan/keys.json`: the signing key's public half and
    /// the keys it replaced (`bayan key rotate`); nil lists the signing key alone.
    public var publishedKeys: KeysFile?
    public var treeHeadInterval: Duration = .seconds(60)
    /// `BAYAN_CONTACT_RETENTION_DAYS`: contacts erased that long after a statement closes,
    /// checked every `retentionCheck`.
    public var contactRetention = ContactRetention()
    public var retentionCheck: Duration = .seconds(3600)
    /// The HTTP server's limits against slow and oversized clients: a connection that
    /// sends nothing complete for `idleTimeout` is closed (a slowloris holds no socket
    /// for long), and request heads are bounded in size and fields.
    public var idleTimeout: Duration = .seconds(30)
    public var maximumHeaderBytes = 32 * 1024
    public var maximumHeaderFields = 100
    /// Webhook deliveries (issue 17): their retry policy (`BAYAN_WEBHOOK_RETRY_SECONDS`,
    /// `BAYAN_WEBHOOK_MAX_FAILURES`) and whether receivers on loopback and private
    /// networks are allowed (`BAYAN_WEBHOOK_ALLOW_LOCAL`; off: https to public hosts only).
    public var webhookRetry = WebhookRetryPolicy()
    public var webhooksAllowLocal = false
    public var webhookPollInterval: Duration = .seconds(1)
    /// Whether this process delivers webhooks (tests that count the store's clock turn it off).
    public var webhookDelivery = true

    public init(
        host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./bayan-data", secureCookies: Bool = true,
        cacheRevalidateAfter: Duration = .seconds(1)
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.secureCookies = secureCookies
        self.cacheRevalidateAfter = cacheRevalidateAfter
    }
}

/// Assembles router, middleware and routes from a configuration and a store: the one
/// place where the web app is put together, used by `bayan serve` and by the tests. Throws
/// when the templates or translations shipped with the binary cannot be used.
public func buildApplication(
    _ configuration: AppConfiguration, store: any Store, logger: Logger = Logger(label: "bayan"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    // A missing or broken template or translation file stops the start, not a later page.
    _ = try Templates.library()
    _ = try Stylesheet.loaded.get()
    _ = try Favicon.loaded.get()
    _ = try Translations.loaded.get()
    let address = PublicAddress(configuration.publicURL ?? "http://\(configuration.host):\(configuration.port)")
    let cache = PublicCache(revalidateAfter: configuration.cacheRevalidateAfter)
    let publicRoutes = PublicRoutes(reading: PublicReading(store: store), cache: cache, address: address)
    let hsts = address.base.hasPrefix("https://")
    let router = buildRouter(
        store: store, logger: logger, secureCookies: configuration.secureCookies, cache: cache, publicRoutes: publicRoutes,
        joining: configuration.joining, mailEnabled: configuration.mailEnabled, clock: configuration.clock, address: address,
        trustedProxies: configuration.trustedProxies, bcryptCost: configuration.bcryptCost, metricsToken: configuration.metricsToken,
        signingKey: configuration.signingKey,
        publishedKeys: configuration.publishedKeys, webhooksAllowLocal: configuration.webhooksAllowLocal)
    var services: [any Service] = []
    if let relay = configuration.mailRelay {
        services.append(
            OutboxService(
                store: store, client: SMTPClient(configuration: relay), logger: logger, retryBase: configuration.mailRetrySeconds,
                perHour: configuration.joining.mailPerHour))
    }
    if configuration.webhookDelivery {
        services.append(
            WebhookService(
                store: store, policy: configuration.webhookRetry, allowLocal: configuration.webhooksAllowLocal, logger: logger,
                pollInterval: configuration.webhookPollInterval,
                now: configuration.clock))
    }
    services.append(
        ScheduledRetention(
            retention: Retention(store: store, rule: configuration.contactRetention, now: configuration.clock),
            interval: configuration.retentionCheck, logger: logger))
    if let key = configuration.signingKey, let sql = store as? SQLStore {
        services.append(ScheduledTreeHeads(store: sql, key: key, interval: configuration.treeHeadInterval, logger: logger))
    }
    if let schedule = configuration.backups, let sql = store as? SQLStore {
        services.append(ScheduledBackups(store: sql, schedule: schedule, logger: logger, clock: configuration.clock))
    }
    let serverName = "Bayan"
    let server = HTTP1Channel.Configuration(
        idleTimeout: TimeAmount(configuration.idleTimeout),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: configuration.maximumHeaderBytes, maxHeaderListSize: configuration.maximumHeaderBytes,
            maxHeaderFieldCount: configuration.maximumHeaderFields))
    return Application(
        router: router,
        server: .http1(configuration: server, cachedPages: CachedPageAnswers(routes: publicRoutes, hsts: hsts, serverName: serverName)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            if configuration.publicURL == nil { address.listening(host: configuration.host, port: port) }
            await onServerRunning(port)
        },
        logger: logger)
}

func buildRouter(
    store: any Store, logger: Logger, secureCookies: Bool, cache: PublicCache, publicRoutes: PublicRoutes? = nil,
    joining: JoinPolicy = JoinPolicy(), mailEnabled: Bool = false, clock: @escaping @Sendable () -> Date = { Date() },
    address: PublicAddress = PublicAddress("http://127.0.0.1"), trustedProxies: [IPNetwork] = [], bcryptCost: UInt8 = Passwords.defaultCost,
    metricsToken: String? = nil, signingKey: SigningKey? = nil, publishedKeys: KeysFile? = nil, webhooksAllowLocal: Bool = false
) -> Router<BayanRequestContext> {
    _ = BayanMetrics.registry
    // HEAD of every GET (link checkers and monitors ask it; it answered 404 before).
    let router = Router(context: BayanRequestContext.self, options: .autoGenerateHeadEndpoints)
    let tokens = DerivedTokens(store: store)
    router.add(middleware: SecurityHeadersMiddleware(hsts: address.base.hasPrefix("https://")))
    router.add(middleware: ErrorPageMiddleware())
    router.add(middleware: ClientAddressMiddleware(trusted: trustedProxies))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: LowercaseSlugMiddleware())
    (publicRoutes ?? PublicRoutes(reading: PublicReading(store: store), cache: cache, address: address)).add(to: router)
    // The described API (issue 17): its handlers are generated from openapi.yaml.
    do {
        try DescribedAPI.register(
            on: router, reading: PublicReading(store: store), coordination: Coordination(store: store, tokens: tokens, now: clock),
            linkBase: { address.base })
    } catch {
        logger.critical("the API's routes could not be registered: \(error)")
    }
    router.get("/openapi.yaml") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(data: DescribedAPI.description)))
    }
    ProofRoutes(reading: PublicReading(store: store), key: signingKey, clock: clock).add(to: router)
    HealthRoutes(health: Health(store: store)).add(to: router)
    MetricsRoutes(token: metricsToken).add(to: router)
    KeysRoute(keys: publishedKeys ?? KeysFile(signingKey.map { [$0.publicKey] } ?? [])).add(to: router)
    JoinRoutes(store: store, limits: JoinLimits(store: store, policy: joining), mailEnabled: mailEnabled, tokens: tokens, address: address).add(
        to: router)
    CoordinatorRoutes(
        auth: Auth(accounts: Accounts(store: store, clock: clock, bcryptCost: bcryptCost), secureCookies: secureCookies),
        app: Coordination(store: store, tokens: tokens, now: clock), clock: clock, address: address,
        webhooksAllowLocal: webhooksAllowLocal
    )
    .add(to: router)
    SignOnRoutes(signing: Signing(store: store, tokens: tokens, now: clock), address: address, mailEnabled: mailEnabled).add(to: router)
    return router
}
