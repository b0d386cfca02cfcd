import BayanCore
import CompressNIO
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Public pages and downloads, rendered once per change of their data and served from
/// memory with an `ETag`, `Cache-Control` and a precompressed gzip copy.
///
/// An entry is served without asking the database while this process has committed no
/// write since it was rendered and it was checked less than `revalidateAfter` ago. After
/// that one cheap query (the statement's last event number) decides whether to re-render,
/// so a change made by another instance shows within `revalidateAfter`.
///
/// `Cache-Control` lets shared caches (a CDN, nginx) keep a page 10 s and serve it stale
/// while revalidating, but makes browsers revalidate every time (a cheap 304), so a
/// signer who just confirmed sees their name at once.
final class PublicCache: Sendable {
    struct Rendered: Sendable {
        let body: ByteBuffer
        let gzip: ByteBuffer?
        let etag: String
        let contentType: String
        let disposition: String?

        init(text: String, contentType: String, disposition: String? = nil) {
            let body = ByteBuffer(string: text)
            self.body = body
            var copy = body
            // Small bodies gain nothing from compression.
            gzip = body.readableBytes >= 1024 ? try? copy.compress(with: .gzip()) : nil
            etag = "\"" + String(ContentHash.sha256Hex(Data(text.utf8)).prefix(20)) + "\""
            self.contentType = contentType
            self.disposition = disposition
        }
    }

    struct Entry: Sendable {
        let rendered: Rendered
        let revision: String?
        var generation: Int
        var checkedAt: ContinuousClock.Instant
    }

    let revalidateAfter: Duration
    let cacheControl: String
    private let entries = Mutex<[String: Entry]>([:])

    init(revalidateAfter: Duration = .seconds(1), cacheControl: String = "public, max-age=0, s-maxage=10, stale-while-revalidate=60") {
        self.revalidateAfter = revalidateAfter
        self.cacheControl = cacheControl
    }

    /// The response for `key`: from memory when still valid, else rendered anew.
    /// `revision` returns nil when the thing no longer exists (404); when no revision
    /// function is given the entry is simply re-rendered after `revalidateAfter`.
    func respond(
        to request: Request, key: String, generation: Int,
        revision: (() async throws -> String?)?,
        render: () async throws -> Rendered?
    ) async throws -> Response? {
        let now = ContinuousClock.now
        let cached = entries.withLock { $0[key] }
        if let e = cached, e.generation == generation, now - e.checkedAt < revalidateAfter {
            return response(e.rendered, for: request)
        }
        var current: String?
        if let revision {
            guard let value = try await revision() else {
                entries.withLock { _ = $0.removeValue(forKey: key) }
                return nil
            }
            current = value
            if let e = cached, e.revision == value {
                entries.withLock {
                    $0[key]?.generation = generation
                    $0[key]?.checkedAt = now
                }
                return response(e.rendered, for: request)
            }
        }
        guard let rendered = try await render() else { return nil }
        entries.withLock { $0[key] = Entry(rendered: rendered, revision: current, generation: generation, checkedAt: now) }
        return response(rendered, for: request)
    }

    func response(_ r: Rendered, for request: Request) -> Response {
        var headers: HTTPFields = [.eTag: r.etag, .cacheControl: cacheControl, .vary: "Accept-Encoding"]
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == r.etag || $0 == "*" })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = r.contentType
        if let d = r.disposition { headers[.contentDisposition] = d }
        if let gzip = r.gzip, (request.headers[.acceptEncoding] ?? "").contains("gzip") {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: r.body))
    }

    var count: Int { entries.withLock { $0.count } }
}
