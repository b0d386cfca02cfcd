import NIOCore
import NIOHTTP1

/// Makes a request that does not keep its connection alive say so the way Hummingbird
/// reads it: `Connection: close`, exactly.
///
/// RFC 9112 (9.3): an HTTP/1.0 request without `keep-alive`, or any request whose
/// `Connection` names `close` (in any case, among other options), ends its connection after
/// the answer. Hummingbird sees requests through swift-http-types, which carry no
/// version, and closes only when the first `Connection` value is the lower-case word
/// `close`; so an HTTP/1.0 client (a monitoring probe, `ab`, a script reading to the end)
/// waited for the idle timeout, 30 s, with its socket held, and `Connection: Close` kept a
/// connection open. This sits before the conversion to swift-http-types, where the
/// version is still known, and uses NIO's own reading of it (`isKeepAlive`).
final class ConnectionCloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive, head.headers["connection"] != ["close"] else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
