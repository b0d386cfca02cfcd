import ArgumentParser
import BayanCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `bayan verify --offline FILES…` and `bayan verify URL`: a statement's public files
/// checked against each other with no database (`OfflineVerification`).
enum PublicFilesCheck {
    struct Files {
        var keys: [PublicSigningKey] = []
        var manifests: [Manifest] = []
        var log: [PublicEvent]?
        var receipts: [ReceiptFile] = []
    }

    /// Reads each file (or each `.json` file of a directory, as `bayan mirror` writes
    /// them) and sorts it by what it holds.
    static func read(_ paths: [String], into files: inout Files) throws {
        var all: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("\(path) does not exist") }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                all += names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                all.append(path)
            }
        }
        for path in all {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path) cannot be read") }
            try sort(Array(data), named: path, into: &files)
        }
    }

    static func sort(_ bytes: [UInt8], named name: String, into files: inout Files) throws {
        struct Probe: Decodable {
            var format: String?
            var keys: [KeysFile.Key]?
            var events: [PublicEvent]?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes)) else { return }
        do {
            if probe.keys != nil {
                files.keys += try JSONDecoder().decode(KeysFile.self, from: Data(bytes)).publicKeys()
            } else if probe.format == Manifest.format {
                files.manifests.append(try Manifest.decode(bytes))
            } else if probe.format == "bayan-receipt-1" {
                files.receipts.append(try JSONDecoder().decode(ReceiptFile.self, from: Data(bytes)))
            } else if probe.events != nil {
                let page = try JSONDecoder().decode(LogFile.self, from: Data(bytes))
                files.log = (files.log ?? []) + page.events
            }
        } catch {
            throw CLIError("\(name): \(error)")
        }
    }

    /// Verifies the newest manifest against the log, the other manifests as older heads.
    static func verify(_ files: Files) throws {
        guard !files.keys.isEmpty else { throw CLIError("no keys file (keys.json, from /.well-known/bayan/keys.json) among the files") }
        guard let log = files.log else { throw CLIError("no log file (log.json, from /s/SLUG/log) among the files") }
        let manifests = files.manifests.sorted { ($0.head.size, $0.head.atMillis) < ($1.head.size, $1.head.atMillis) }
        guard let newest = manifests.last else { throw CLIError("no manifest (manifest.json, from /s/SLUG/manifest.json) among the files") }
        var findings: [String] = []
        var checked: [String] = []
        // Pages of the log may overlap; one sequence number with two different events is
        // itself a fork.
        var bySequence: [Int: PublicEvent] = [:]
        for e in log {
            if let other = bySequence[e.sequence], other != e { findings.append("log: two different events numbered \(e.sequence)") }
            bySequence[e.sequence] = e
        }
        let olders = manifests.dropLast()
        let report = OfflineVerification.verify(
            keys: files.keys, manifest: newest, log: bySequence.values.sorted { $0.sequence < $1.sequence }, receipts: files.receipts,
            older: olders.last)
        findings += report.findings
        checked += report.checked
        for older in olders.dropLast() {
            findings += OfflineVerification.verify(keys: files.keys, manifest: newest, log: log, older: older).findings.filter {
                $0.hasPrefix("history")
            }
        }
        for finding in findings { print("\(newest.slug): \(finding)") }
        guard findings.isEmpty else { throw ExitCode(1) }
        print("\(newest.slug): valid: " + checked.joined(separator: "; "))
    }

    /// Fetches keys, manifest and the whole log of the statement at `page` (…/s/SLUG).
    static func fetch(_ page: String, into files: inout Files) async throws {
        let (base, slug) = try statementAddress(page)
        files.keys += try JSONDecoder().decode(KeysFile.self, from: Data(try await get("\(base)/.well-known/bayan/keys.json"))).publicKeys()
        let manifest = try Manifest.decode(try await get("\(base)/s/\(slug)/manifest.json"))
        files.manifests.append(manifest)
        var events: [PublicEvent] = []
        while events.count < manifest.head.size {
            let page = try JSONDecoder().decode(LogFile.self, from: Data(try await get("\(base)/s/\(slug)/log?from=\(events.count + 1)")))
            guard !page.events.isEmpty else { break }
            events += page.events
        }
        files.log = events
    }

    /// The instance's address and the slug of a statement's page URL.
    static func statementAddress(_ url: String) throws -> (base: String, slug: String) {
        guard let page = URL(string: url), let scheme = page.scheme, let host = page.host, page.pathComponents.count >= 3,
            page.pathComponents[1] == "s"
        else { throw CLIError("\(url) is not a statement's page (…/s/SLUG)") }
        return ("\(scheme)://\(host)\(page.port.map { ":\($0)" } ?? "")", page.pathComponents[2])
    }

    static func get(_ url: String) async throws -> [UInt8] {
        guard let target = URL(string: url) else { throw CLIError("\(url) is not a URL") }
        let (data, response) = try await URLSession.shared.data(from: target)
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw CLIError("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return Array(data)
    }
}
