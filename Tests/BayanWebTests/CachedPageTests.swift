import BayanApp
import BayanCore
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import BayanWeb

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 15: cached public pages answered on the event loop, before the router. The
/// answer must be the router's, byte for byte apart from the date, and must never
/// overtake an earlier request of the same connection.
@Suite struct CachedPagesBeforeTheRouter {
    /// A store with the sample statement published as `joint`, signed by `organizations`.
    static func published(in dir: TemporaryDirectory, _ organizations: [String]) async throws -> SQLStore {
        let store = try await SQLStore.openSQLite(directory: dir.path)
        _ = try await store.importStatement(
            ImportPlan(
                slug: try Slug("joint"), title: Samples.title, body: Samples.body, author: "t",
                signatories: organizations.enumerated().map { (name: $0.element, number: $0.offset + 1) }, publish: true, at: Date()))
        return store
    }

    func withPublished(
        configure: (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol, SQLStore) async throws -> Void
    ) async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await Self.published(in: dir, Samples.organizations)
        var configuration = AppConfiguration(port: 0, cacheRevalidateAfter: .seconds(60))
        configuration.webhookDelivery = false
        configure(&configuration)
        let app = try buildApplication(configuration, store: store, logger: Logger(label: "t"))
        do { try await app.test(.live) { client in try await body(client, store) } } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// The handler's decisions: a fresh page is answered (200, 304), anything the router
    /// must see is not.
    @Test func answersOnlyFreshPagesItMayServeAsTheyAre() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await Self.published(in: dir, ["نقابة المعلمين"])
        let routes = PublicRoutes(
            reading: PublicReading(store: store), cache: PublicCache(revalidateAfter: .seconds(60)),
            address: PublicAddress("https://bayan.example"))
        let answers = CachedPageAnswers(routes: routes, hsts: true, serverName: "Bayan")
        func head(_ path: String, _ method: HTTPRequest.Method = .get, _ fields: HTTPFields = [:]) -> HTTPRequest {
            HTTPRequest(method: method, scheme: nil, authority: "bayan.example", path: path, headerFields: fields)
        }
        #expect(answers.answer(head("/s/joint")) == nil, "not rendered yet: the router renders it")
        let rendered = try await routes.statement(Request(head: head("/s/joint"), body: .init(buffer: ByteBuffer())), slugWithExtension: "joint")
        #expect(rendered.status == .ok)
        let answered = try #require(answers.answer(head("/s/joint")))
        #expect(answered.head.status == .ok)
        #expect(answered.head.headerFields[SecurityHeaders.hsts] == "max-age=31536000")
        #expect(answered.head.headerFields[.contentLength] == String(answered.body?.readableBytes ?? -1))
        #expect(String(buffer: try #require(answered.body)).contains("نقابة المعلمين"))
        let tag = try #require(answered.head.headerFields[.eTag])
        let unchanged = try #require(answers.answer(head("/s/joint", .get, [.ifNoneMatch: tag])))
        #expect(unchanged.head.status == .notModified && unchanged.body == nil)
        let zipped = try #require(answers.answer(head("/s/joint", .get, [.acceptEncoding: "gzip, br"])))
        #expect(zipped.head.headerFields[.contentEncoding] == "gzip")
        #expect(answers.answer(head("/s/joint", .get, [.acceptEncoding: "br;q=1.0, gzip;q=0.8"]))?.head.headerFields[.contentEncoding] == "gzip")
        #expect(answers.answer(head("/s/joint", .get, [.acceptEncoding: "br, deflate"]))?.head.headerFields[.contentEncoding] == nil)
        #expect(answers.answer(head("/s/joint", .get, [.acceptEncoding: "gzi"]))?.head.headerFields[.contentEncoding] == nil)
        #expect(PublicCache.acceptsGzip("gzip") && !PublicCache.acceptsGzip("") && !PublicCache.acceptsGzip(nil) && PublicCache.acceptsGzip("x-gzip"))
        // An ignored parameter is the same cache entry.
        #expect(answers.answer(head("/s/joint?utm=x")) != nil)
        for refused in [
            head("/s/joint?lang=en"), head("/s/joint", .post), head("/s/joint", .head), head("/s/joint/versions"), head("/s/joint/"),
            head("/s/j%6Fint"), head("/s/other"), head("/s/joint", .get, [.connection: "close"]), head("/"),
        ] {
            #expect(answers.answer(refused) == nil, "\(refused.method) \(refused.path ?? "")")
        }
        // A write by this process makes every entry stale until the router revalidates it.
        _ = try await store.importStatement(
            ImportPlan(
                slug: try Slug("other"), title: "x", body: "y", author: "t", signatories: [(name: "رابطة", number: 1)], publish: true,
                at: Date()))
        #expect(answers.answer(head("/s/joint")) == nil)
        await store.close()
    }

    /// The `Date` header in RFC 9110's IMF-fixdate form, as Hummingbird writes it.
    /// RFC 9110 12.5.3: a coding with weight zero is refused; `*` stands for a coding not
    /// listed; names are case-insensitive. The router's answers and the handler's use this.
    @Test(arguments: [
        ("gzip", true), ("x-gzip", true), ("GZIP", true), ("deflate, gzip;q=0.5", true), ("gzip ; q = 1", true),
        ("*", true), ("br, *;q=0.1", true), ("gzip;level=1;q=0.2", true), ("gzip;qs=0", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("br, gzip;q=0, *", false), ("*;q=0", false), ("gzip;q=", false),
        ("identity", false), ("gzi", false), ("gzipx", false), ("", false), (",,,", false), ("br, deflate", false),
        ("*;q=0, gzip", true), ("gzip;q=0, x-gzip", true),
    ])
    func acceptEncodingDecidesGzip(_ value: String, _ accepted: Bool) {
        #expect(PublicCache.acceptsGzip(value) == accepted, "Accept-Encoding: \(value)")
    }

    @Test func ifNoneMatchComparesWeakly() {
        let tag = "\"0123456789abcdef0123\""
        for header in [tag, "W/\(tag)", "\"other\", W/\(tag)", " * ", "\"a\",\(tag)"] {
            #expect(EntityTag.matches(header, tag), "\(header)")
        }
        for header in ["\"other\"", "W/\"other\"", "", "W/", "0123456789abcdef0123", "w/\(tag)"] {
            #expect(!EntityTag.matches(header, tag), "\(header)")
        }
    }

    /// An address with capitals (a flyer, a phone keyboard) leads to the statement; the
    /// cached page itself and private links are untouched.
    @Test func aStatementsAddressWithCapitalsLeadsToIt() async throws {
        try await withPublished { client, _ in
            for (asked, location) in [
                ("/s/JOINT", "/s/joint"), ("/s/Joint.json?lang=en", "/s/joint.json?lang=en"), ("/s/JoInT/join", "/s/joint/join"),
                ("/s/NOPE", "/s/nope"),
            ] {
                try await client.execute(uri: asked, method: .get) { response in
                    #expect(response.status == .movedPermanently && response.headers[.location] == location, "\(asked)")
                }
            }
            try await client.execute(uri: "/s/joint", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/s/nope", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/s/JOINT/join", method: .post) { #expect($0.status != .movedPermanently) }
            try await client.execute(uri: "/e/ABCdef", method: .get) { #expect($0.status != .movedPermanently) }
        }
        #expect(LowercaseSlugMiddleware<BayanRequestContext>.lowercased("/s/joint") == nil)
        #expect(LowercaseSlugMiddleware<BayanRequestContext>.lowercased("/S/JOINT") == nil)
        #expect(LowercaseSlugMiddleware<BayanRequestContext>.lowercased("/s/") == nil)
        #expect(LowercaseSlugMiddleware<BayanRequestContext>.lowercased("/s/..%2F..%2Fetc") == nil)
        #expect(LowercaseSlugMiddleware<BayanRequestContext>.lowercased("/s/demo%0d%0aSet-Cookie:x=1") == nil)
    }

    /// The first fetch of the page is the router's, the second the cached-page handler's.
    @Test func aClientRefusingGzipGetsThePlainPageOnEveryPath() async throws {
        try await withPublished { client, _ in
            for uri in ["/s/joint", "/s/joint", "/static/bayan.css"] {
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "br, gzip;q=0"]) { response in
                    #expect(response.status == .ok && response.headers[.contentEncoding] == nil, "\(uri)")
                    #expect(response.body.readableBytes > 1000)
                }
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "br, gzip;q=0.1"]) { response in
                    #expect(response.headers[.contentEncoding] == "gzip", "\(uri)")
                }
            }
        }
    }

    @Test func theDateHeaderIsAnIMFFixdate() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_796_601_599) == "Sun, 06 Dec 2026 23:59:59 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    /// The first request of each kind is the router's (the page is rendered), the second the
    /// handler's: both carry the same status, headers and body.
    @Test func theHandlersAnswerIsTheRoutersAnswer() async throws {
        try await withPublished(configure: { $0.publicURL = "https://bayan.example" }) { client, _ in
            let tag = try await client.execute(uri: "/s/joint", method: .get) { $0.headers[.eTag]! }
            for path in ["/s/joint.json", "/s/joint.csv", "/s/joint.md", "/s/joint?page=1"] {
                for extra: HTTPFields in [[:], [.acceptEncoding: "gzip"], [.ifNoneMatch: tag]] {
                    func fetch() async throws -> (HTTPResponse.Status, [String], ByteBuffer) {
                        try await client.execute(uri: path, method: .get, headers: extra) { r in
                            (r.status, r.headers.filter { $0.name != .date }.map { "\($0.name): \($0.value)" }.sorted(), r.body)
                        }
                    }
                    let routed = try await fetch()
                    let handled = try await fetch()
                    #expect(routed.0 == handled.0, "\(path) \(extra)")
                    #expect(routed.1 == handled.1, "\(path) \(extra)")
                    #expect(routed.2 == handled.2, "\(path) \(extra)")
                    #expect(routed.1.contains("Strict-Transport-Security: max-age=31536000"))
                }
            }
            // Both answers are counted where `/metrics` shows the router's.
            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains(#"hb_requests_total{http_route="/s/{slug}",http_request_method="GET",http_response_status_code="200"}"#))
        }
    }

    /// Pipelined requests on one connection are answered in order: a cached page asked right
    /// behind a request the router is still answering waits for it.
    @Test func answersStayInRequestOrderOnOneConnection() async throws {
        try await withPublished { client, _ in
            _ = try await client.execute(uri: "/s/joint", method: .get) { $0.status }
            let port = try #require(client.port)
            let (answers, more) = try await RawConnection.offThePool {
                let connection = try RawConnection(port: port)
                defer { connection.close() }
                // The CSV is not rendered yet (the router renders it); the page right behind it is cached.
                try connection.send(
                    "GET /s/joint.csv HTTP/1.1\r\nHost: t\r\n\r\nGET /s/joint HTTP/1.1\r\nHost: t\r\n\r\n"
                        + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /s/joint HTTP/1.1\r\nHost: t\r\n\r\n")
                let answers = try connection.responses(4)
                // The connection stays usable: one more of each, one after the other.
                try connection.send("GET /s/joint HTTP/1.1\r\nHost: t\r\n\r\n")
                let page = try connection.responses(1)[0]
                try connection.send("GET /s/joint.csv HTTP/1.1\r\nHost: t\r\n\r\n")
                return (answers, [page, try connection.responses(1)[0]])
            }
            #expect(answers[0].contentType == "text/csv; charset=utf-8")
            #expect(answers[1].contentType == "text/html; charset=utf-8" && answers[1].body.contains("نقابة"))
            #expect(!answers[2].contentType.hasPrefix("text/html") && !answers[2].contentType.hasPrefix("text/csv"))
            #expect(answers[3].contentType == "text/html; charset=utf-8")
            #expect(answers.map(\.status) == [200, 200, 200, 200])
            #expect(more[0].status == 200 && more[1].contentType == "text/csv; charset=utf-8")
        }
    }
}

/// The connection of a request that does not keep it alive (HTTP/1.0 without
/// `keep-alive`, `Connection: close` in any case or among other options) ends after its
/// answer (RFC 9112 9.3), on the cached-page path and the router's alike, instead of being
/// held until the idle timeout; HTTP/1.0 asking for keep-alive and HTTP/1.1 stay open.
@Suite struct ConnectionClose {
    @Test func aConnectionThatAsksToCloseEndsAfterItsAnswer() async throws {
        try await CachedPagesBeforeTheRouter().withPublished { client, _ in
            _ = try await client.execute(uri: "/s/joint", method: .get) { $0.status }
            let port = try #require(client.port)
            // Ended well within the idle timeout (30 s), on a machine busy with other tests.
            for request in [
                "GET /healthz HTTP/1.0\r\n\r\n", "GET /s/joint HTTP/1.0\r\n\r\n",
                "GET /s/joint HTTP/1.1\r\nHost: t\r\nConnection: Close\r\n\r\n",
                "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, close\r\n\r\n",
            ] {
                let (status, ended) = try await RawConnection.offThePool {
                    let connection = try RawConnection(port: port, timeout: 15)
                    defer { connection.close() }
                    try connection.send(request)
                    return (try connection.responses(1)[0].status, connection.endedByServer)
                }
                #expect(status == 200 && ended, "\(request)")
            }
            for request in ["GET /s/joint HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"] {
                let (statuses, ended) = try await RawConnection.offThePool {
                    let connection = try RawConnection(port: port)
                    defer { connection.close() }
                    try connection.send(request + request)
                    let statuses = try connection.responses(2).map(\.status)
                    connection.timeout(seconds: 1)
                    return (statuses, connection.endedByServer)
                }
                #expect(statuses == [200, 200] && !ended, "\(request)")
            }
        }
    }
}

/// A blocking loopback HTTP/1.1 connection that reads whole responses by their length.
final class RawConnection {
    /// Runs blocking socket work on a thread of its own and awaits it: on Swift's
    /// cooperative pool (two threads on these machines) two such tests at once would block
    /// every thread, and the server's routed answers, which run there, would never come.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    struct Answer: Sendable {
        let status: Int
        let contentType: String
        let body: String
    }
    let fd: Int32
    var pending: [UInt8] = []

    init(port: Int, timeout seconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HTTPError(.internalServerError, message: "connect failed") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, 0) == bytes.count else { throw HTTPError(.internalServerError, message: "send failed") }
    }

    func timeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Whether the server ends the connection, with nothing more sent, before the read
    /// timeout.
    var endedByServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return pending.isEmpty }
            if n < 0 { return false }
            pending += buffer[0..<n]
        }
    }

    func responses(_ count: Int) throws -> [Answer] {
        var answers: [Answer] = []
        while answers.count < count {
            if let answer = take() {
                answers.append(answer)
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else {
                let why = n == 0 ? "connection ended" : "no answer within the read timeout (errno \(errno))"
                throw HTTPError(.internalServerError, message: "\(why) after \(answers.count) answers")
            }
            pending += buffer[0..<n]
        }
        return answers
    }

    /// One complete response from the bytes read so far, if there is one.
    private func take() -> Answer? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, pending.count - 3)).first(where: { Array(pending[$0..<$0 + 4]) == separator }) else { return nil }
        let head = String(decoding: pending[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(fields["content-length"] ?? "0") ?? 0
        guard pending.count >= end + 4 + length else { return nil }
        let body = String(decoding: pending[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        pending.removeFirst(end + 4 + length)
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        return Answer(status: status, contentType: fields["content-type"] ?? "", body: body)
    }

    func close() { Glibc.close(fd) }
}
