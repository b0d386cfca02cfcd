import Foundation

/// A statement's public files as found on disk (a mirror's directory, or files saved from
/// an instance), sorted by what each holds, and checked together: what `bayan verify
/// --offline` and the standalone `bayan-verify` run.
public struct PublicFiles: Sendable {
    public var keys: [PublicSigningKey] = []
    public var manifests: [Manifest] = []
    public var log: [PublicEvent]?
    public var receipts: [ReceiptFile] = []

    public init() {}

    /// Reads each file (or each `.json` file of a directory) and sorts it by what it holds;
    /// a file that is not one of these is skipped.
    public mutating func read(_ paths: [String]) throws(VerificationError) {
        var all: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .unreadable(path, "no such file") }
            if isDirectory.boolValue {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { throw .unreadable(path, "cannot list it") }
                all += names.filter { $0.hasSuffix(".json") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                all.append(path)
            }
        }
        for path in all {
            guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "cannot be read") }
            try add(Array(data), named: path)
        }
    }

    /// Sorts one file's bytes by what they hold.
    public mutating func add(_ bytes: [UInt8], named name: String) throws(VerificationError) {
        struct Probe: Decodable {
            var format: String?
            var keys: [KeysFile.Key]?
            var events: [PublicEvent]?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes)) else { return }
        do {
            if probe.keys != nil {
                keys += try JSONDecoder().decode(KeysFile.self, from: Data(bytes)).publicKeys()
            } else if probe.format == Manifest.format {
                manifests.append(try Manifest.decode(bytes))
            } else if probe.format == ReceiptFile.format {
                receipts.append(try JSONDecoder().decode(ReceiptFile.self, from: Data(bytes)))
            } else if probe.events != nil {
                log = (log ?? []) + (try JSONDecoder().decode(LogFile.self, from: Data(bytes))).events
            }
        } catch {
            throw .unreadable(name, "\(error)")
        }
    }

    /// The newest manifest checked against the log (pages merged by sequence), the
    /// receipts, and every other manifest as an older head. Lines to print: findings, or
    /// one `valid:` line.
    public func verify() throws(VerificationError) -> (valid: Bool, lines: [String]) {
        guard !keys.isEmpty else { throw .unreadable("files", "no keys file (keys.json, from /.well-known/bayan/keys.json) among them") }
        guard let log else { throw .unreadable("files", "no log (log.json, from /s/SLUG/log) among them") }
        let sorted = manifests.sorted { ($0.head.size, $0.head.atMillis) < ($1.head.size, $1.head.atMillis) }
        guard let newest = sorted.last else { throw .unreadable("files", "no manifest (manifest.json, from /s/SLUG/manifest.json) among them") }
        var findings: [String] = []
        // Pages of the log may overlap; one sequence number with two different events is
        // itself a fork.
        var bySequence: [Int: PublicEvent] = [:]
        for e in log {
            if let other = bySequence[e.sequence], other != e { findings.append("log: two different events numbered \(e.sequence)") }
            bySequence[e.sequence] = e
        }
        let events = bySequence.values.sorted { $0.sequence < $1.sequence }
        let olders = sorted.dropLast()
        let report = OfflineVerification.verify(keys: keys, manifest: newest, log: events, receipts: receipts, older: olders.last)
        findings += report.findings
        for older in olders.dropLast() {
            findings += OfflineVerification.verify(keys: keys, manifest: newest, log: events, older: older).findings.filter {
                $0.hasPrefix("history")
            }
        }
        guard findings.isEmpty else { return (false, findings.map { "\(newest.slug): \($0)" }) }
        return (true, ["\(newest.slug): valid: " + report.checked.joined(separator: "; ")])
    }
}
