import BayanApp
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Where the described API lives and how a router gets it.
public enum DescribedAPI {
    /// The operations' base path (the description's `servers`).
    public static let basePath = "/api/v1"

    /// The description itself, as shipped with the binary: served at /openapi.yaml.
    public static let description: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let data = try? Data(contentsOf: url) else {
            return Data()
        }
        return data
    }()

    /// The methods the description allows on `path` (under `basePath`), for answering any
    /// other with 405 and an `Allow` header instead of a 404.
    public static func allowedMethods(_ path: String) -> String {
        let parts = path.split(separator: "/").map(String.init)  // ["api", "v1", ...]
        guard parts.count > 2 else { return "GET, HEAD" }
        if parts[2] == "manage" {
            if parts.last == "signons" { return "GET, HEAD" }
            if parts.last == "text" { return "PUT" }
            return "POST"
        }
        return "GET, HEAD"
    }

    /// Adds the generated handlers of every operation under `basePath` to `router`.
    public static func register<Context: RequestContext>(
        on router: Router<Context>, reading: PublicReading, coordination: Coordination, linkBase: @escaping @Sendable () -> String
    ) throws {
        try PublicAPI(reading: reading, coordination: coordination, linkBase: linkBase).registerHandlers(
            on: router, serverURL: URL(string: basePath)!, middlewares: [UnreadableRequestMiddleware(), BearerMiddleware()])
    }
}

/// A request the generated code cannot read (a parameter of the wrong type) is the
/// client's mistake: a 400 problem, not a 500 page. A failure after the input was read
/// stays a server error, rethrown without the request: the generated error describes its
/// headers, and the Authorization header must never reach a log (issue 17).
struct UnreadableRequestMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do { return try await next(request, body, metadata) } catch let error as ServerError where error.operationInput != nil {
            throw APIFailure(operationID: operationID, cause: error.causeDescription, underlying: "\(error.underlyingError)")
        } catch let error as ServerError {
            let problem = Components.Schemas.Problem(
                _type: "about:blank", title: "Bad request", status: 400, code: AppError.Code.invalidInput.rawValue,
                detail: "a parameter cannot be read: \(error.causeDescription.prefix(200))")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (
                HTTPResponse(status: .badRequest, headerFields: [.contentType: "application/problem+json"]),
                HTTPBody(try encoder.encode(problem))
            )
        }
    }
}

/// The bearer token of the request being answered, for the coordinator's operations. Read
/// here once; it is never logged or echoed.
enum Bearer {
    @TaskLocal static var token = ""
}

struct BearerMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let header = request.headerFields[.authorization] ?? ""
        let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        return try await Bearer.$token.withValue(token) { try await next(request, body, metadata) }
    }
}

/// A server-side failure of an operation, as logged: which operation and why, not the
/// request it answered.
struct APIFailure: Error, CustomStringConvertible {
    let operationID: String
    let cause: String
    let underlying: String
    var description: String { "\(operationID): \(cause) (\(underlying))" }
}
