import BayanApp
import BayanCore
import BayanStore
import HTTPTypes
import Hummingbird
import NIOCore

/// What Bayan knows about a request besides the request itself: who sent it (the client
/// address, resolved once by `ClientAddressMiddleware`) and, on the coordinator's routes,
/// who is signed in (set by `SignedInMiddleware`). Handlers read these instead of
/// re-deriving them, so every route agrees on them.
public struct BayanRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer (the proxy, when Bayan runs behind one).
    public let remoteAddress: SocketAddress?
    /// The client for rate limits: the peer, or the hop a trusted proxy reported; nil
    /// when the connection has no IP peer (in-process tests).
    public internal(set) var client: IPAddress?
    /// The signed-in coordinator and their session, on routes under `SignedInMiddleware`.
    var signedIn: SignedIn?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The rate-limit key of the client: its address, or one shared key when unknown.
    var clientKey: String { ClientAddress.key(client) }

    /// The signed-in coordinator; a route outside the signed-in group asking for it is a
    /// programming error, answered as a failure rather than as an anonymous request.
    func requireSignedIn() throws -> SignedIn {
        guard let signedIn else { throw HTTPError(.internalServerError) }
        return signedIn
    }
}

struct SignedIn: Sendable {
    let coordinator: Coordinator
    let session: Session
}

/// Resolves the client address once per request (`ClientAddress.resolve`): the peer,
/// unless the peer is one of `BAYAN_TRUSTED_PROXIES`.
struct ClientAddressMiddleware: RouterMiddleware {
    let trusted: [IPNetwork]

    func handle(
        _ request: Request, context: BayanRequestContext,
        next: (Request, BayanRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.client = ClientAddress.resolve(
            peer: context.remoteAddress.flatMap(Self.peer),
            forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!], trusted: trusted)
        return try await next(request, context)
    }

    static func peer(_ socket: SocketAddress) -> IPAddress? {
        switch socket {
        case .v4(let a):
            var address = a.address.sin_addr
            return IPAddress(raw: withUnsafeBytes(of: &address) { Array($0) })
        case .v6(let a):
            var address = a.address.sin6_addr
            return IPAddress(raw: withUnsafeBytes(of: &address) { Array($0) })
        case .unixDomainSocket: return nil
        }
    }
}

/// The coordinator area's gate: without a live session the visitor is sent to the login
/// page; with one, the coordinator and session ride in the context to the handler.
struct SignedInMiddleware: RouterMiddleware {
    let auth: Auth

    func handle(
        _ request: Request, context: BayanRequestContext,
        next: (Request, BayanRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let (coordinator, session) = try await auth.current(request) else { return Page.redirect("/login") }
        var context = context
        context.signedIn = SignedIn(coordinator: coordinator, session: session)
        return try await next(request, context)
    }
}

/// Instance admins only (the organisation directory, `AccessRules.mayEditDirectory`):
/// other coordinators get a 403 page.
struct AdminOnlyMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: BayanRequestContext,
        next: (Request, BayanRequestContext) async throws -> Response
    ) async throws -> Response {
        guard AccessRules.mayEditDirectory(.coordinator(try context.requireSignedIn().coordinator)) else {
            throw HTTPError(.forbidden, message: Page.language(of: request).text("error.forbidden"))
        }
        return try await next(request, context)
    }
}
