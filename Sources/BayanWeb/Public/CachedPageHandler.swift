import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// A statement's public page answered from memory on the connection's event loop, before
/// Hummingbird's router and its async request machinery (issue 15).
///
/// A spike of readers asks for the same few cached pages; each such answer cost about as
/// much as any routed request (a task hop, the router, four middleware layers), which held
/// Bayan to a third of nginx serving the same bytes. Only a page the cache may serve as is
/// (rendered at the store's current change count, checked within `revalidateAfter`) is
/// answered here, with the headers the routed answer has (the test compares them); every
/// other request, and every request behind one still being answered by the router on the
/// same connection, goes on to the router untouched.
struct CachedPageAnswers: Sendable {
    let routes: PublicRoutes
    /// `Strict-Transport-Security`, as the security middleware sends it.
    let hsts: Bool
    let serverName: String
    let date = HTTPDate()

    /// The response to `head`, or nil when the router must answer.
    func answer(_ head: HTTPRequest) -> (head: HTTPResponse, body: ByteBuffer?)? {
        guard head.method == .get, let target = head.path, target.hasPrefix("/s/") else { return nil }
        let query = target.firstIndex(of: "?")
        let rest = target[target.index(target.startIndex, offsetBy: 3)..<(query ?? target.endIndex)]
        // `/s/SLUG` and `/s/SLUG.md` and the like; anything else (a percent-encoded name, a
        // sub-page, a trailing slash) is the router's to match.
        // Bytes, not Foundation's `contains` of a string, which a literal would pick here (and
        // which cost 3 % of these answers).
        guard !rest.isEmpty, !rest.utf8.contains(UInt8(ascii: "/")), !rest.utf8.contains(UInt8(ascii: "%")) else { return nil }
        if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { return nil }
        let uri = query == nil ? Self.noQuery : URI(target)
        // `?lang=` may set the language cookie: the router's middleware decides that.
        guard Page.askedLanguage(in: uri) == nil, let asked = routes.asked(slugWithExtension: String(rest), uri: uri),
            let (rendered, prepared) = routes.cache.fresh(asked.key, generation: routes.reading.changeCount, prepare: prepare)
        else { return nil }
        var status = HTTPResponse.Status.ok
        var headers: HTTPFields
        var body: ByteBuffer?
        let representation = rendered.representation(
            ifNoneMatch: head.headerFields[.ifNoneMatch], acceptEncoding: head.headerFields[.acceptEncoding])
        switch (representation, prepared.gzip) {
        case (.notModified, _): (status, headers) = (.notModified, prepared.notModified)
        case (.gzip, let gzip?): (headers, body) = (gzip, rendered.gzip)
        default: (headers, body) = (prepared.plain, rendered.body)
        }
        headers.append(HTTPField(name: .date, value: date.now))
        Self.counted(status).increment()
        return (HTTPResponse(status: status, headerFields: headers), body)
    }

    private static let noQuery = URI("/")

    /// An entry's three answers as the router and its middleware would send them, once.
    func prepare(_ rendered: PublicCache.Rendered) -> PublicCache.Prepared {
        func complete(_ answer: PublicCache.Answer) -> HTTPFields {
            var headers = answer.headers
            SecurityHeaders.complete(&headers, hsts: hsts)
            headers[.server] = serverName
            headers[.contentLength] = String(answer.body?.readableBytes ?? 0)
            return headers
        }
        let cache = routes.cache
        return PublicCache.Prepared(
            plain: complete(cache.answer(rendered, acceptEncoding: nil, ifNoneMatch: nil)),
            gzip: rendered.gzip == nil ? nil : complete(cache.answer(rendered, acceptEncoding: "gzip", ifNoneMatch: nil)),
            notModified: complete(cache.answer(rendered, acceptEncoding: nil, ifNoneMatch: rendered.etag)))
    }

    /// The router's request counter of the same route, so `/metrics` (and the benchmark,
    /// which reads it) counts these answers too.
    static func counted(_ status: HTTPResponse.Status) -> Counter { status == .ok ? okCounter : notModifiedCounter }
    private static let okCounter = counter(.ok)
    private static let notModifiedCounter = counter(.notModified)
    private static func counter(_ status: HTTPResponse.Status) -> Counter {
        Counter(
            label: "hb.requests",
            dimensions: [("http.route", "/s/{slug}"), ("http.request.method", "GET"), ("http.response.status_code", "\(status.code)")])
    }
}

/// The `Date` header's value, formatted once a second.
final class HTTPDate: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    var now: String {
        let second = Int(Date().timeIntervalSince1970)
        return cached.withLock { value in
            if value.second != second { value = (second, Self.format(second)) }
            return value.text
        }
    }

    static func format(_ second: Int) -> String {
        var time = time_t(second)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// Sits after Hummingbird's connection-state handler (which so still sees every request
/// and answer, for its idle timeout and graceful shutdown) and before the async channel
/// that feeds the router. Answers are kept in request order: a request is answered here
/// only when no earlier one on the connection is still with the router.
final class CachedPageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let answers: CachedPageAnswers
    /// Requests passed to the router whose answer has not ended yet.
    private var withRouter = 0
    /// The rest of a request answered here (its end) is not the router's.
    private var discarding = false
    private var unflushed = false

    init(answers: CachedPageAnswers) { self.answers = answers }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if withRouter == 0, let (response, body) = answers.answer(head) {
                discarding = true
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
                unflushed = true
                return
            }
            discarding = false
            withRouter += 1
        case .body:
            if discarding { return }
        case .end:
            if discarding {
                discarding = false
                return
            }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One flush for every answer of this read (pipelined requests arrive together).
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's answers pass here: this handler's own go on from its context.
        if case .end = unwrapOutboundIn(data) { withRouter = max(0, withRouter - 1) }
        context.write(data, promise: promise)
    }
}

/// Hummingbird's HTTP/1 child channel with the cached-page handler in its pipeline.
struct CachedPageChannel: ServerChildChannel {
    let base: HTTP1Channel
    let answers: CachedPageAnswers

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(CachedPageHandler(answers: answers), position: .after(state))
            // Where the HTTP version is still known (see `ConnectionCloseHandler`).
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(ConnectionCloseHandler(), position: .before(codec))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async { await base.handle(value: value, logger: logger) }
}

extension HTTPServerBuilder {
    /// `.http1(configuration:)` with cached public pages answered before the router.
    static func http1(configuration: HTTP1Channel.Configuration, cachedPages: CachedPageAnswers) -> HTTPServerBuilder {
        .init { responder in CachedPageChannel(base: HTTP1Channel(responder: responder, configuration: configuration), answers: cachedPages) }
    }
}
