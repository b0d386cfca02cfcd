import ArgumentParser
import BayanCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `bayan watch URL`: remembers the signed tree heads a statement's instance shows and
/// checks each new one against the last with a consistency proof. Anyone can run it
/// (another coalition, a journalist): a rewritten history, or two heads signed for one
/// size, is reported and the exit status is 1.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Check a statement's newest signed tree head against the last one seen; exit 1 on a fork.")
    @Argument(help: "The statement's public page, e.g. https://bayan.example.org/s/joint-statement.") var url: String
    @Option(help: "Where the heads seen are kept (one file per statement).") var state: String = "./bayan-watch"

    struct Seen: Codable {
        var keys: [PublicSigningKey]
        var head: TreeHead
    }

    func run() async throws {
        let (base, slug) = try PublicFilesCheck.statementAddress(url)
        struct Head: Decodable { var statement: String, size: Int, root: String, at: Int64, key: String, signature: String }
        struct Proof: Decodable { var proof: [String] }

        let keysFile = try await PublicFilesCheck.get(KeysFile.self, base + "/.well-known/bayan/keys.json")
        let h = try await PublicFilesCheck.get(Head.self, "\(base)/s/\(slug)/head.json")
        let head = TreeHead(statementID: h.statement, size: h.size, root: h.root, atMillis: h.at, keyID: h.key, signature: h.signature)
        // One file per statement id: the same statement seen at another address (a new
        // domain, a mirror) is held to the same history.
        let file = (state as NSString).appendingPathComponent(
            head.statementID.map { $0.isLetter || $0.isNumber || $0 == "-" ? String($0) : "_" }.joined() + ".json")
        let previous =
            try FileManager.default.fileExists(atPath: file)
            ? JSONDecoder().decode(Seen.self, from: Data(contentsOf: URL(fileURLWithPath: file))) : nil
        // The keys seen first are the ones trusted: a key that appears later cannot sign
        // a different history into acceptance, unless a trusted key endorsed it (a
        // rotation, `bayan key rotate`).
        let trusted: [PublicSigningKey]
        do { trusted = try previous.map { try keysFile.followed(from: $0.keys) } ?? keysFile.publicKeys() } catch {
            throw CLIError("keys.json: \(error)")
        }
        guard head.isSigned(by: trusted) else {
            return try fail("the head of \(head.size) events is not signed by a key seen before (\(head.keyID))")
        }
        if let old = previous?.head {
            if head.size < old.size { return try fail("the log shrank: a head of \(old.size) events was signed, now \(head.size)") }
            if head.size == old.size, head.root != old.root {
                return try fail("fork: two different heads signed for \(head.size) events (roots \(old.root.prefix(16)) and \(head.root.prefix(16)))")
            }
            if head.size > old.size {
                let proof = try await PublicFilesCheck.get(Proof.self, "\(base)/s/\(slug)/proof/consistency?from=\(old.size)&to=\(head.size)").proof
                    .map { ContentHash.bytes(hex: $0) ?? [] }
                guard
                    MerkleTree.verifyConsistency(
                        first: old.size, second: head.size, firstRoot: ContentHash.bytes(hex: old.root) ?? [],
                        secondRoot: ContentHash.bytes(hex: head.root) ?? [], proof: proof)
                else {
                    return try fail(
                        "history rewritten: the head of \(head.size) events does not extend the head of \(old.size) seen before (fork)")
                }
            }
        }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try JSONEncoder().encode(Seen(keys: trusted, head: head)).write(to: URL(fileURLWithPath: file), options: .atomic)
        let since = previous.map { " (extends the head of \($0.head.size) seen before)" } ?? " (first seen)"
        print("ok: \(slug) has \(head.size) events, root \(head.root.prefix(16)), signed by \(head.keyID)\(since)")
    }

    func fail(_ message: String) throws {
        print("ALERT: \(message)")
        throw ExitCode(1)
    }
}
