import ArgumentParser
import BayanApp
import BayanCore
import BayanMail
import BayanStore
import BayanWeb
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Bayan web server (SQLite database in the data directory).")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Address to listen on (default: $BAYAN_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free port (default: $BAYAN_PORT or 8080).") var port: Int?

    func run() async throws {
        let host = self.host ?? Settings.reader.string(forKey: "bayan.host", default: "127.0.0.1")
        let port = self.port ?? Settings.reader.int(forKey: "bayan.port", default: 8080)
        // Every link Bayan mails is made from this, never from a request's Host header;
        // checked before the store opens, so a refusal leaves nothing half-started.
        let smtp = Settings.reader.string(forKey: "bayan.smtp.url", isSecret: true)
        var publicURL: String?
        if let raw = Settings.reader.string(forKey: "bayan.public.url") {
            guard let url = PublicAddress.validated(raw) else {
                throw CLIError("BAYAN_PUBLIC_URL '\(raw)' is not an http(s) address such as https://bayan.example.org")
            }
            publicURL = url
        } else if smtp != nil {
            throw CLIError(
                "BAYAN_PUBLIC_URL must be set when BAYAN_SMTP_URL is: the address people reach Bayan at "
                    + "(such as https://bayan.example.org), from which every link in mail is made")
        }
        // Only these proxies' X-Forwarded-For is believed; a typo stops the start.
        let trustedProxies: [IPNetwork]
        switch IPNetwork.list(Settings.reader.string(forKey: "bayan.trusted.proxies", default: "")) {
        case .success(let networks): trustedProxies = networks
        case .failure(let error): throw CLIError("BAYAN_TRUSTED_PROXIES: \(error)")
        }
        // The relay's URL is read now too: a malformed one stops the start here.
        let mailConfiguration = try smtp.map { url in
            try SMTPConfiguration(
                url: url, from: Settings.reader.string(forKey: "bayan.mail.from", default: "bayan@localhost"),
                trustedCertificatePath: Settings.reader.string(forKey: "bayan.smtp.ca.file"))
        }
        switch Settings.reader.string(forKey: "bayan.log.format", default: "text") {
        case "text": break
        case "json": LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        case let other: throw CLIError("BAYAN_LOG_FORMAT must be text or json, not \(other)")
        }
        // Before the store opens, so its metrics (group commit) report to Prometheus.
        _ = BayanMetrics.registry
        let store = try await dataOptions.openStore()
        do {
            try await serve(
                store: store, host: host, port: port, publicURL: publicURL, trustedProxies: trustedProxies, mail: mailConfiguration)
        } catch {
            // Closed on every path: a store left open is a crash in debug builds.
            await store.close()
            throw error
        }
        await store.close()
    }

    func serve(
        store: SQLStore, host: String, port: Int, publicURL: String?, trustedProxies: [IPNetwork], mail mailConfiguration: SMTPConfiguration?
    ) async throws {
        let directory = dataOptions.directory
        var logger = Logger(label: "bayan")
        logger.logLevel = .notice
        // Cookies are `Secure` when people reach Bayan over https (BAYAN_PUBLIC_URL), and
        // without a public address unless Bayan listens on loopback (development).
        // Listening on loopback behind nginx is production: it sets the public address.
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        let secure = Settings.reader.bool(
            forKey: "bayan.secure.cookies", default: publicURL.map { $0.hasPrefix("https://") } ?? !loopback)
        let hasCoordinator = try await !store.coordinators().isEmpty
        var configuration = AppConfiguration(host: host, port: port, dataDirectory: directory, secureCookies: secure)
        configuration.publicURL = publicURL
        configuration.trustedProxies = trustedProxies
        configuration.bcryptCost = bcryptCost()
        configuration.mailRelay = mailConfiguration
        configuration.idleTimeout = .milliseconds(
            Int(Settings.reader.double(forKey: "bayan.http.idle.seconds", default: Double(configuration.idleTimeout.components.seconds)) * 1000))
        configuration.mailRetrySeconds = Settings.reader.double(forKey: "bayan.mail.retry.seconds", default: configuration.mailRetrySeconds)
        configuration.joining = Self.joinPolicy()
        configuration.webhooksAllowLocal = Settings.reader.bool(forKey: "bayan.webhook.allow.local", default: false)
        configuration.webhookRetry = WebhookRetryPolicy(
            base: Settings.reader.double(forKey: "bayan.webhook.retry.seconds", default: configuration.webhookRetry.base),
            maximumFailures: Settings.reader.int(forKey: "bayan.webhook.max.failures", default: configuration.webhookRetry.maximumFailures))
        guard configuration.webhookRetry.base > 0, configuration.webhookRetry.maximumFailures > 0 else {
            throw CLIError("BAYAN_WEBHOOK_RETRY_SECONDS and BAYAN_WEBHOOK_MAX_FAILURES must be positive")
        }
        configuration.metricsToken = Settings.reader.string(forKey: "bayan.metrics.token", isSecret: true)
        configuration.contactRetention = try contactRetention()
        configuration.signingKey = try dataOptions.signingKey(creating: true)
        configuration.publishedKeys = try dataOptions.publishedKeys()
        if let directory = Settings.reader.string(forKey: "bayan.backup.dir") {
            let hours = Settings.reader.double(forKey: "bayan.backup.interval.hours", default: 24)
            let keep = Settings.reader.int(forKey: "bayan.backup.keep", default: 14)
            guard hours > 0, keep > 0 else { throw CLIError("BAYAN_BACKUP_INTERVAL_HOURS and BAYAN_BACKUP_KEEP must be positive") }
            configuration.backups = BackupSchedule(directory: directory, interval: .milliseconds(Int(hours * 3_600_000)), keep: keep)
        }
        let app = try buildApplication(
            configuration, store: store, logger: logger,
            onServerRunning: { boundPort in
                let signIn =
                    hasCoordinator
                    ? "Coordinators sign in at http://\(host):\(boundPort)/login"
                    : "Create the first coordinator:  swift run -c release bayan coordinator create --email you@example.org --data \(directory)"
                let mail =
                    mailConfiguration == nil
                    ? "No SMTP relay (BAYAN_SMTP_URL): confirmation emails are not sent; coordinators approve individuals by hand."
                    : "Emails go through the SMTP relay in BAYAN_SMTP_URL."
                let key =
                    if case .given = try? dataOptions.contactKeys() { "from BAYAN_CONTACTS_KEY" } else {
                        "in \(ContactKeyFile.path(in: directory)): keep a copy apart from the backups"
                    }
                FileHandle.standardOutput.write(
                    Data(
                        """
                        Bayan is running at http://\(host):\(boundPort)/
                        Data: \(dataOptions.location.description)
                        Contacts key \(store.contacts.key.id) \(key)
                        \(signIn)
                        \(mail)
                        Import a published statement:  swift run -c release bayan import statement.md --publish --data \(directory)
                        Stop with Ctrl-C.


                        """.utf8))
            })
        // The web server and the outbox delivery (assembled by buildApplication) stop
        // together on SIGTERM/SIGINT.
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// The join limits from `BAYAN_JOIN_*` settings; every default is JoinPolicy's own.
    static func joinPolicy() -> JoinPolicy {
        let r = Settings.reader
        var p = JoinPolicy()
        p.minimumFillSeconds = r.double(forKey: "bayan.join.min.seconds", default: p.minimumFillSeconds)
        p.perAddressPerHour = r.int(forKey: "bayan.join.per.address.per.hour", default: p.perAddressPerHour)
        p.perNetworkPerHour = r.int(forKey: "bayan.join.per.network.per.hour", default: p.perNetworkPerHour)
        p.perDomainPerHour = r.int(forKey: "bayan.join.per.domain.per.hour", default: p.perDomainPerHour)
        p.perStatementPerMinute = r.int(forKey: "bayan.join.per.statement.per.minute", default: p.perStatementPerMinute)
        p.mailPerHour = r.int(forKey: "bayan.mail.per.hour", default: p.mailPerHour)
        let blocked = JoinPolicy.blockList(r.string(forKey: "bayan.join.block", default: ""))
        p.blockedNetworks = blocked.networks
        p.blockedDomains = blocked.domains
        p.benchmarkFloorRoute = r.bool(forKey: "bayan.bench.routes", default: p.benchmarkFloorRoute)
        return p
    }
}
