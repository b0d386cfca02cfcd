import ArgumentParser
import BayanCore
import BayanMail
import BayanStore
import BayanWeb
import Foundation

/// `bayan doctor`: checks a configuration the way `bayan serve` would use it and says
/// what to fix, one line per check. Exits 1 when something would stop Bayan or lose data.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the settings, the data directory, the database, the mail relay, disk space and backups; say what to fix.")
    @OptionGroup var dataOptions: DataOptions

    enum Verdict: String { case ok = "ok  ", warn = "warn", fail = "FAIL" }

    func run() async throws {
        var failed = false
        func say(_ verdict: Verdict, _ text: String) {
            if verdict == .fail { failed = true }
            print("\(verdict.rawValue)  \(text)")
        }
        // The public address every mailed link is made from.
        if let url = Settings.reader.string(forKey: "bayan.public.url") {
            if PublicAddress.validated(url) == nil {
                say(.fail, "BAYAN_PUBLIC_URL '\(url)' is not an http(s) address such as https://bayan.example.org")
            } else if !url.hasPrefix("https://") {
                say(.warn, "BAYAN_PUBLIC_URL is not https: sessions and private links travel in clear; put Bayan behind TLS")
            } else {
                say(.ok, "public address \(url)")
            }
        } else {
            say(.warn, "BAYAN_PUBLIC_URL is not set: fine for trying Bayan on this machine, required with a mail relay")
        }
        if case .failure(let error) = IPNetwork.list(Settings.reader.string(forKey: "bayan.trusted.proxies", default: "")) {
            say(.fail, "BAYAN_TRUSTED_PROXIES: \(error)")
        }
        checkMailRelay(say)
        if case .sqlite(let directory) = dataOptions.location {
            checkDirectory(directory, say)
            // Nothing to open: the doctor never creates a database.
            guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(SQLiteHandle.fileName)) else {
                throw ExitCode(1)
            }
        }
        // The database: reachable, schema current, every statement's log and texts intact.
        do {
            let store = try await SQLStore.open(dataOptions.location, contactKeys: try dataOptions.contactKeys())
            say(.ok, "contacts key \(store.contacts.key.id) opens this database's contact details")
            let pending = try await store.pendingMigrations()
            let checks = try await InstanceCheck.all(store)
            await store.close()
            say(pending.isEmpty ? .ok : .fail, pending.isEmpty ? "database schema is current" : "migrations pending: \(pending)")
            for check in checks where !check.isValid { say(.fail, "\(check) — restore the last good backup (docs/deploy.md)") }
            if checks.allSatisfy(\.isValid) { say(.ok, "\(checks.count) statements verify") }
        } catch {
            say(.fail, "the database (\(dataOptions.location.description)) cannot be opened: \(error)")
        }
        checkBackups(say)
        if failed { throw ExitCode(1) }
    }

    func checkMailRelay(_ say: (Verdict, String) -> Void) {
        guard let url = Settings.reader.string(forKey: "bayan.smtp.url", isSecret: true) else {
            say(.warn, "no mail relay (BAYAN_SMTP_URL): individuals who join are confirmed by hand")
            return
        }
        let relay: SMTPConfiguration
        do { relay = try SMTPConfiguration(url: url, from: "doctor@localhost") } catch {
            say(.fail, "BAYAN_SMTP_URL: \(error)")
            return
        }
        if Self.reachable(host: relay.host, port: relay.port) {
            say(.ok, "mail relay \(relay.host):\(relay.port) answers")
        } else {
            say(.fail, "mail relay \(relay.host):\(relay.port) does not answer within 5 s: check the address and the firewall")
        }
    }

    func checkDirectory(_ directory: String, _ say: (Verdict, String) -> Void) {
        let fm = FileManager.default
        guard let attributes = try? fm.attributesOfItem(atPath: directory) else {
            say(.fail, "data directory \(directory) does not exist: run `bayan serve` once or restore a backup")
            return
        }
        let mode = (attributes[.posixPermissions] as? Int ?? 0) & 0o777
        say(
            mode & 0o077 == 0 ? .ok : .warn,
            mode & 0o077 == 0
                ? "data directory \(directory) is owner-only"
                : "data directory \(directory) is mode \(String(mode, radix: 8)): run `chmod 700 \(directory)` (it holds contacts)")
        let file = (directory as NSString).appendingPathComponent(SQLiteHandle.fileName)
        if let fileMode = (try? fm.attributesOfItem(atPath: file))?[.posixPermissions] as? Int, fileMode & 0o077 != 0 {
            say(.warn, "\(file) is mode \(String(fileMode & 0o777, radix: 8)): run `chmod 600 \(file)`")
        }
        if let free = (try? fm.attributesOfFileSystem(forPath: directory))?[.systemFreeSize] as? Int {
            let used = (try? fm.attributesOfItem(atPath: file))?[.size] as? Int ?? 0
            let needed = max(1 << 30, used * 3)
            let advice = free >= needed ? "" : ": keep at least \(needed >> 20) MB for backups and growth"
            say(free >= needed ? .ok : .warn, "\(free >> 20) MB free beside the database (\(used >> 20) MB)\(advice)")
        }
    }

    func checkBackups(_ say: (Verdict, String) -> Void) {
        guard let directory = Settings.reader.string(forKey: "bayan.backup.dir") else {
            say(.warn, "BAYAN_BACKUP_DIR is not set: take backups with `bayan backup` from cron, or set it (docs/deploy.md)")
            return
        }
        let hours = Settings.reader.double(forKey: "bayan.backup.interval.hours", default: 24)
        let fm = FileManager.default
        let newest = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("bayan-") && $0.hasSuffix(".sqlite") }
            .compactMap { (try? fm.attributesOfItem(atPath: (directory as NSString).appendingPathComponent($0)))?[.modificationDate] as? Date }
            .max()
        guard let newest else {
            say(.warn, "no backup in \(directory) yet: `bayan serve` writes one at start")
            return
        }
        let age = Date().timeIntervalSince(newest) / 3600
        say(
            age <= hours * 2 ? .ok : .warn,
            age <= hours * 2
                ? "newest backup is \(Int(age)) h old"
                : "newest backup is \(Int(age)) h old (interval \(Int(hours)) h): is `bayan serve` running with BAYAN_BACKUP_DIR?")
    }

    /// A TCP connection to the relay within 5 s.
    static func reachable(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(result) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
    }
}
