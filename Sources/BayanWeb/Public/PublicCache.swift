import BayanCore
import CompressNIO
import Foundation
import Hummingbird
import Metrics
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
        /// A `Content-Security-Policy` of its own (the embed's `frame-ancestors`), sent
        /// instead of the site's.
        let policy: String?

        init(text: String, contentType: String, disposition: String? = nil, policy: String? = nil) {
            self.policy = policy
            let body = ByteBuffer(string: text)
            self.body = body
            var copy = body
            // Small bodies gain nothing from compression.
            gzip = body.readableBytes >= 1024 ? try? copy.compress(with: .gzip()) : nil
            // The policy is part of the representation: a 304 keeps the headers a browser
            // stored, so a changed list of framing websites must change the tag.
            etag = EntityTag.of(Data((text + (policy ?? "")).utf8))
            self.contentType = contentType
            self.disposition = disposition
        }

        /// A 200 with `headers` and the content type, gzip to a client that accepts it (the
        /// copy made once), the plain bytes to any other.
        func response(for request: Request, headers: HTTPFields) -> Response {
            answer(acceptEncoding: request.headers[.acceptEncoding], headers: headers).response
        }

        func answer(acceptEncoding: String?, headers: HTTPFields) -> Answer {
            answer(gzipped: servesGzip(to: acceptEncoding), headers: headers)
        }

        func answer(gzipped: Bool, headers: HTTPFields) -> Answer {
            var headers = headers
            headers[.contentType] = contentType
            if let policy { headers[.contentSecurityPolicy] = policy }
            if gzipped, let gzip {
                headers[.contentEncoding] = "gzip"
                return Answer(status: .ok, headers: headers, body: gzip)
            }
            return Answer(status: .ok, headers: headers, body: body)
        }

        /// It has a gzip copy and the client accepts gzip.
        func servesGzip(to acceptEncoding: String?) -> Bool { gzip != nil && PublicCache.acceptsGzip(acceptEncoding) }

        /// Which of its answers a request gets: 304 when `If-None-Match` names it, else gzip
        /// or plain. The router's answers and the cached-page handler's choose here alike.
        func representation(ifNoneMatch: String?, acceptEncoding: String?) -> Representation {
            if EntityTag.matches(ifNoneMatch, etag) { return .notModified }
            return servesGzip(to: acceptEncoding) ? .gzip : .plain
        }
    }

    enum Representation { case notModified, gzip, plain }

    /// An answer from memory in parts: the router's handlers wrap it in a `Response`, and the
    /// cached-page handler writes it on the event loop without the router (issue 15).
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer?

        var response: Response {
            guard let body else { return Response(status: status, headers: headers) }
            return Response(status: status, headers: headers, body: .init(byteBuffer: body))
        }
    }

    struct Entry: Sendable {
        let rendered: Rendered
        let revision: String?
        var generation: Int
        var checkedAt: ContinuousClock.Instant
        /// The complete headers of its answers, made at its first answer by the cached-page
        /// handler and kept with it (they were built again for every request).
        var prepared: Prepared? = nil
    }

    /// An entry's answers with every header but `Date`: plain, gzip (when it has a gzip
    /// copy) and 304.
    struct Prepared: Sendable {
        let plain: HTTPFields
        let gzip: HTTPFields?
        let notModified: HTTPFields
    }

    /// Entries and their insertion order: the oldest goes first once the cache holds more
    /// than `maxBytes`, so a crawler asking for every `?page=` and `?text=` cannot grow it
    /// without bound (issue 12).
    struct Entries {
        var byKey: [String: Entry] = [:]
        var order: [String] = []
        var bytes = 0

        static func size(_ e: Entry) -> Int { e.rendered.body.readableBytes + (e.rendered.gzip?.readableBytes ?? 0) }

        mutating func insert(_ e: Entry, for key: String, maxBytes: Int) {
            if let old = byKey[key] { bytes -= Self.size(old) } else { order.append(key) }
            byKey[key] = e
            bytes += Self.size(e)
            while bytes > maxBytes, order.count > 1, let oldest = order.first {
                order.removeFirst()
                if let gone = byKey.removeValue(forKey: oldest) { bytes -= Self.size(gone) }
            }
        }

        mutating func remove(_ key: String) {
            guard let gone = byKey.removeValue(forKey: key) else { return }
            bytes -= Self.size(gone)
            order.removeAll { $0 == key }
        }
    }

    /// Served from memory; served after the store said nothing changed; rendered.
    let hits = Counter(label: "bayan_page_cache", dimensions: [("result", "hit")])
    let revalidated = Counter(label: "bayan_page_cache", dimensions: [("result", "revalidated")])
    let misses = Counter(label: "bayan_page_cache", dimensions: [("result", "rendered")])
    let absentHits = Counter(label: "bayan_page_cache", dimensions: [("result", "absent")])
    let revalidateAfter: Duration
    let cacheControl: String
    let maxBytes: Int
    private let entries = Mutex(Entries())
    /// Keys found to name nothing public (an unknown slug, a draft), and when: answered 404
    /// without the database under the same rule as a page, so a flood of requests for a
    /// made-up address costs about what a cached page does. Forgotten all at once past
    /// `maxAbsent`, so made-up addresses cannot grow it without bound.
    private let absent = Mutex<[String: (generation: Int, checkedAt: ContinuousClock.Instant)]>([:])
    let maxAbsent = 10_000

    init(
        revalidateAfter: Duration = .seconds(1), cacheControl: String = "public, max-age=0, s-maxage=10, stale-while-revalidate=60",
        maxBytes: Int = 64 << 20
    ) {
        self.revalidateAfter = revalidateAfter
        self.cacheControl = cacheControl
        self.maxBytes = maxBytes
    }

    /// The response for `key`: from memory when still valid, else rendered anew.
    /// `revision` returns nil when the thing no longer exists (404); when no revision
    /// function is given the entry is simply re-rendered after `revalidateAfter`.
    /// `vary`: the request headers the answer depends on, for shared caches in front (a
    /// page whose language comes from `Accept-Language` says so, or nginx would serve one
    /// reader's language to the next).
    /// `absentKey`: what a "not found" is remembered under (a statement's slug, whatever the
    /// page or format asked), `key` by default.
    func respond(
        to request: Request, key: String, absentKey: String? = nil, generation: Int, vary: String = "Accept-Encoding",
        revision: (() async throws -> String?)?,
        render: () async throws -> Rendered?
    ) async throws -> Response? {
        let now = ContinuousClock.now
        let missKey = absentKey ?? key
        if let miss = absent.withLock({ $0[missKey] }), miss.generation == generation, now - miss.checkedAt < revalidateAfter {
            absentHits.increment()
            return nil
        }
        func notFound() -> Response? {
            let maxAbsent = self.maxAbsent
            absent.withLock {
                if $0.count >= maxAbsent { $0.removeAll() }
                $0[missKey] = (generation, now)
            }
            return nil
        }
        if let rendered = fresh(key, generation: generation) { return response(rendered, for: request, vary: vary) }
        let cached = entries.withLock { $0.byKey[key] }
        var current: String?
        if let revision {
            guard let value = try await revision() else {
                entries.withLock { $0.remove(key) }
                return notFound()
            }
            current = value
            if let e = cached, e.revision == value {
                entries.withLock {
                    $0.byKey[key]?.generation = generation
                    $0.byKey[key]?.checkedAt = now
                }
                revalidated.increment()
                return response(e.rendered, for: request, vary: vary)
            }
        }
        guard let rendered = try await render() else { return notFound() }
        misses.increment()
        let maxBytes = self.maxBytes
        entries.withLock {
            $0.insert(Entry(rendered: rendered, revision: current, generation: generation, checkedAt: now), for: key, maxBytes: maxBytes)
        }
        return response(rendered, for: request, vary: vary)
    }

    /// The entry for `key` if it may be served without asking anything (rendered at this
    /// `generation`, checked less than `revalidateAfter` ago), counted as a hit; no await, so
    /// the cached-page handler can call it on the event loop.
    func fresh(_ key: String, generation: Int) -> Rendered? {
        guard let e = entries.withLock({ $0.byKey[key] }), servable(e, generation: generation, now: .now) else { return nil }
        hits.increment()
        return e.rendered
    }

    /// Rendered at this `generation` and checked less than `revalidateAfter` ago.
    private func servable(_ e: Entry, generation: Int, now: ContinuousClock.Instant) -> Bool {
        e.generation == generation && now - e.checkedAt < revalidateAfter
    }

    /// `fresh` with the entry's prepared headers, made by `prepare` the first time.
    func fresh(_ key: String, generation: Int, prepare: (Rendered) -> Prepared) -> (Rendered, Prepared)? {
        let now = ContinuousClock.now
        let found: (Rendered, Prepared)? = entries.withLock { entries in
            guard let e = entries.byKey[key], servable(e, generation: generation, now: now) else { return nil }
            if let prepared = e.prepared { return (e.rendered, prepared) }
            let prepared = prepare(e.rendered)
            entries.byKey[key]?.prepared = prepared
            return (e.rendered, prepared)
        }
        if found != nil { hits.increment() }
        return found
    }

    func response(_ r: Rendered, for request: Request, vary: String) -> Response {
        answer(r, acceptEncoding: request.headers[.acceptEncoding], ifNoneMatch: request.headers[.ifNoneMatch], vary: vary).response
    }

    /// A 304 when `If-None-Match` names the entry, else the entry with its validators.
    func answer(_ r: Rendered, acceptEncoding: String?, ifNoneMatch: String?, vary: String = "Accept-Encoding") -> Answer {
        var headers: HTTPFields = [.eTag: r.etag, .cacheControl: cacheControl, .vary: vary]
        let representation = r.representation(ifNoneMatch: ifNoneMatch, acceptEncoding: acceptEncoding)
        if representation == .notModified { return Answer(status: .notModified, headers: headers, body: nil) }
        if let d = r.disposition { headers[.contentDisposition] = d }
        return r.answer(gzipped: representation == .gzip, headers: headers)
    }

    /// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 12.5.3): `gzip` or `x-gzip`
    /// listed without `q=0`, or `*` with a weight above zero and gzip not listed. Read byte
    /// by byte: the router's answers and the cached-page handler's decide alike, and
    /// Foundation's and the standard library's general searches cost 3-6 % of a cached
    /// answer's CPU (issue 15). A client that says `gzip;q=0` cannot read gzip.
    static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard var text = acceptEncoding else { return false }
        return text.withUTF8 { AcceptEncoding.acceptsGzip($0) }
    }

    var count: Int { entries.withLock { $0.byKey.count } }
    var bytes: Int { entries.withLock { $0.bytes } }
}

/// Entity tags, for the cached pages and the read API alike: a quoted prefix of the
/// representation's SHA-256, and whether a request's `If-None-Match` names it (or `*`).
enum EntityTag {
    static func of(_ bytes: some DataProtocol) -> String { "\"" + String(ContentHash.sha256Hex(bytes).prefix(20)) + "\"" }

    static func matches(_ request: Request, _ tag: String) -> Bool { matches(request.headers[.ifNoneMatch], tag) }

    /// `If-None-Match` compares weakly (RFC 9110 13.1.2): `W/"x"` names the page whose tag
    /// is `"x"`, as a cache that re-encoded it may send.
    static func matches(_ ifNoneMatch: String?, _ tag: String) -> Bool {
        guard let match = ifNoneMatch else { return false }
        return match.split(separator: ",").contains { element in
            let named = element.trimmingCharacters(in: .whitespaces)
            return named == "*" || named == tag || (named.hasPrefix("W/") && named.dropFirst(2) == tag)
        }
    }
}
