import BayanApp
import BayanStore
import BayanTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BayanWeb

/// The public log and proofs are read by programs (verifiers, watchers, mirrors): a number
/// they send that is not a number is refused with a reason, never read as absent (a pager
/// sending a malformed `from` would be given the first page again, forever).
@Suite struct PublicLogQueries {
    @Test func aMalformedNumberIsRefusedWithAReason() async throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let store = try await CachedPagesBeforeTheRouter.published(in: dir, Samples.organizations)
        var configuration = AppConfiguration(port: 0)
        configuration.webhookDelivery = false
        let app = try buildApplication(configuration, store: store, logger: Logger(label: "t"))
        do {
            try await app.test(.router) { client in
                let page = try await client.execute(uri: "/s/joint/log?from=2&limit=3", method: .get) { $0 }
                #expect(page.status == .ok && String(buffer: page.body).components(separatedBy: "\"seq\":").count == 4)
                for (uri, parameter) in [
                    ("/s/joint/log?from=abc", "from"), ("/s/joint/log?from=2&limit=ten", "limit"), ("/s/joint/log?limit=", "limit"),
                    ("/s/joint/log?from=1.5", "from"), ("/s/joint/proof/consistency?from=1&to=x", "to"),
                    ("/s/joint/proof/inclusion?index=one&size=3", "index"), ("/s/joint/proof/inclusion?index=0&size=3e2", "size"),
                ] {
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .badRequest, "\(uri)")
                        #expect(String(buffer: response.body).contains("\(parameter) must be a whole number"), "\(uri)")
                    }
                }
                // Absent numbers keep their defaults.
                #expect(try await client.execute(uri: "/s/joint/log", method: .get) { $0.status } == .ok)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
