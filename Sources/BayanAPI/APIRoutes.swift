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

    /// Adds the generated handlers of every operation under `basePath` to `router`.
    public static func register<Context: RequestContext>(on router: Router<Context>, reading: PublicReading) throws {
        try PublicAPI(reading: reading).registerHandlers(
            on: router, serverURL: URL(string: basePath)!, middlewares: [UnreadableRequestMiddleware()])
    }
}

/// A request the generated code cannot read (a parameter of the wrong type) is the
/// client's mistake: a 400 problem, not a 500 page. A failure after the input was read
/// stays a server error.
struct UnreadableRequestMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do { return try await next(request, body, metadata) } catch let error as ServerError where error.operationInput == nil {
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
