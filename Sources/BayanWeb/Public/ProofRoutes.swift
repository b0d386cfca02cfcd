import BayanApp
import BayanCore
import Foundation
import Hummingbird
import Synchronization

/// A public statement's newest signed tree head and the proofs against it (issue 13), as
/// JSON anyone can check with the keys at `/.well-known/bayan/keys.json`:
/// `/s/SLUG/head.json`, `/s/SLUG/proof/consistency?from=N&to=M`,
/// `/s/SLUG/proof/inclusion?index=I&size=M` (I counts from 0); the public log
/// `/s/SLUG/log?from=N&limit=M` and the signed manifest `/s/SLUG/manifest.json`.
struct ProofRoutes {
    let reading: PublicReading
    /// Signs manifests; without it (no signing key configured) there are none.
    let key: SigningKey?
    let clock: @Sendable () -> Date
    /// Each statement's last manifest, served again for a second: building one reads the
    /// page and may sign a head, so a flood of requests during a burst of joins builds at
    /// most one a second per statement (as the public page is revalidated at most once a
    /// second). A manifest a second old is still whole: its lists match its own head.
    let manifests = ManifestCache()

    func add(to router: Router<BayanRequestContext>) {
        router.get("/s/:slug/log") { request, context in
            let slug = try context.parameters.require("slug")
            return try await answer { () async throws(AppError) -> String? in
                let from = try Self.number("from", in: request, default: 1)
                let limit = try Self.number("limit", in: request, default: PublicReading.logPageLimit)
                return try await reading.log(slug: slug, from: from, limit: limit).map(Self.encode)
            }
        }
        router.get("/s/:slug/manifest.json") { _, context in
            let slug = try context.parameters.require("slug")
            return try await answer { () async throws(AppError) -> String? in
                guard let key else { return nil }
                let now = clock()
                if let fresh = manifests.get(slug, at: now) { return fresh }
                guard let manifest = try await reading.manifest(slug: slug, key: key, now: now) else { return nil }
                let body = Self.encode(manifest)
                manifests.put(slug, body, at: now)
                return body
            }
        }
        router.get("/s/:slug/head.json") { _, context in
            let slug = try context.parameters.require("slug")
            return try await answer { () async throws(AppError) -> String? in
                guard let head = try await reading.treeHead(slug: slug) else { return nil }
                return Self.json(
                    [
                        "statement": .string(head.statementID), "size": .int(head.size), "root": .string(head.root),
                        "at": .int(Int(head.atMillis)), "key": .string(head.keyID), "signature": .string(head.signature),
                    ])
            }
        }
        router.get("/s/:slug/proof/consistency") { request, context in
            let slug = try context.parameters.require("slug")
            return try await answer { () async throws(AppError) -> String? in
                let from = try Self.number("from", in: request, default: 0)
                let to = try Self.number("to", in: request, default: 0)
                guard let proof = try await reading.consistencyProof(slug: slug, from: from, to: to) else { return nil }
                return Self.json(["from": .int(from), "to": .int(to), "proof": .list(proof.map(ContentHash.hex))])
            }
        }
        router.get("/s/:slug/proof/inclusion") { request, context in
            let slug = try context.parameters.require("slug")
            return try await answer { () async throws(AppError) -> String? in
                let index = try Self.number("index", in: request, default: -1)
                let size = try Self.number("size", in: request, default: 0)
                guard let (leaf, proof) = try await reading.inclusionProof(slug: slug, index: index, size: size) else { return nil }
                return Self.json(
                    [
                        "index": .int(index), "size": .int(size), "leaf": .string(ContentHash.hex(leaf)),
                        "proof": .list(proof.map(ContentHash.hex)),
                    ])
            }
        }
    }

    /// 200 with the JSON, 404 for no such public statement (or no head yet), 400 with the
    /// reason for sizes outside the log.
    func answer(_ body: () async throws(AppError) -> String?) async throws -> Response {
        do {
            guard let json = try await body() else { return Self.response(.notFound, Self.json(["error": .string("not found")])) }
            return Self.response(.ok, json)
        } catch {
            guard error.code == .invalidInput else { throw error }
            return Self.response(.badRequest, Self.json(["error": .string(error.detail)]))
        }
    }

    /// A whole-number query parameter, `fallback` when absent. A value that is not a whole
    /// number is refused (400), not read as absent: a client paging through the log with a
    /// malformed `from` would otherwise be sent the first page again, forever.
    static func number(_ name: String, in request: Request, default fallback: Int) throws(AppError) -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return fallback }
        guard let value = Int(text) else { throw AppError(.invalidInput, "proof.range", "\(name) must be a whole number") }
        return value
    }

    /// Sorted keys, no escaped slashes, as the manifest is signed; a final newline.
    static func encode(_ value: some Encodable) -> String { String(decoding: CanonicalJSON.encode(value), as: UTF8.self) + "\n" }

    static func response(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    enum Value {
        case string(String)
        case int(Int)
        case list([String])
    }

    /// Sorted keys, no insignificant space.
    static func json(_ fields: [String: Value]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, key) in fields.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.string(key, into: &out)
            out.append(UInt8(ascii: ":"))
            switch fields[key]! {
            case .string(let s): CanonicalJSON.string(s, into: &out)
            case .int(let n): out.append(contentsOf: String(n).utf8)
            case .list(let items):
                out.append(UInt8(ascii: "["))
                for (j, item) in items.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    CanonicalJSON.string(item, into: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(contentsOf: Array("}\n".utf8))
        return String(decoding: out, as: UTF8.self)
    }
}

/// The last manifest of each public statement and when it was built (`ProofRoutes`); one
/// entry per public statement that was asked for.
final class ManifestCache: Sendable {
    static let lifetime: TimeInterval = 1
    private let entries = Mutex<[String: (at: Date, body: String)]>([:])

    func get(_ slug: String, at now: Date) -> String? {
        entries.withLock { entries in
            guard let entry = entries[slug], now.timeIntervalSince(entry.at) < Self.lifetime, now >= entry.at else { return nil }
            return entry.body
        }
    }

    func put(_ slug: String, _ body: String, at now: Date) { entries.withLock { $0[slug] = (now, body) } }
}
