import ArgumentParser
import BayanCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `bayan verify --offline FILES…` and `bayan verify URL`: a statement's public files
/// checked against each other with no database (`OfflineVerification`).
enum PublicFilesCheck {
    typealias Files = PublicFiles

    static func read(_ paths: [String], into files: inout Files) throws {
        do { try files.read(paths) } catch { throw CLIError("\(error)") }
    }

    /// Prints the findings (exit 1) or the one `valid:` line.
    static func verify(_ files: Files) throws {
        let result: (valid: Bool, lines: [String])
        do { result = try files.verify() } catch { throw CLIError("\(error)") }
        for line in result.lines { print(line) }
        if !result.valid { throw ExitCode(1) }
    }

    /// Fetches keys, manifest and the whole log of the statement at `page` (…/s/SLUG).
    static func fetch(_ page: String, into files: inout Files) async throws {
        let (base, slug) = try statementAddress(page)
        do { files.keys += try await get(KeysFile.self, "\(base)/.well-known/bayan/keys.json").publicKeys() } catch let error as VerificationError {
            throw CLIError("keys.json: \(error)")
        }
        let manifest = try Manifest.decode(try await get("\(base)/s/\(slug)/manifest.json"))
        files.manifests.append(manifest)
        var events: [PublicEvent] = []
        while events.count < manifest.head.size {
            let page = try await get(LogFile.self, "\(base)/s/\(slug)/log?from=\(events.count + 1)")
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

    /// `url`'s JSON as `T`; an answer other than 200, or other JSON, is a clear error.
    static func get<T: Decodable>(_: T.Type, _ url: String) async throws -> T {
        let bytes = try await get(url)
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch { throw CLIError("\(url): not the JSON expected") }
    }
}
