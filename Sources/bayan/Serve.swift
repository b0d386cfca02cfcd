import ArgumentParser
import BayanStore
import BayanWeb
import Foundation
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Bayan web server (SQLite database in the data directory).")

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Address to listen on (default: $BAYAN_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free port (default: $BAYAN_PORT or 8080).") var port: Int?

    func run() async throws {
        let host = self.host ?? Settings.reader.string(forKey: "bayan.host", default: "127.0.0.1")
        let port = self.port ?? Settings.reader.int(forKey: "bayan.port", default: 8080)
        let directory = dataOptions.directory
        let store = try await dataOptions.openStore()
        var logger = Logger(label: "bayan")
        logger.logLevel = .notice
        // Plain HTTP on loopback is development; anywhere else Bayan sits behind TLS.
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host)
        let secure = Settings.reader.bool(forKey: "bayan.secure.cookies", default: !loopback)
        let hasCoordinator = try await !store.coordinators().isEmpty
        let app = buildApplication(
            AppConfiguration(host: host, port: port, dataDirectory: directory, secureCookies: secure), store: store, logger: logger,
            onServerRunning: { boundPort in
                FileHandle.standardOutput.write(Data("""
                    Bayan is running at http://\(host):\(boundPort)/
                    Data: \(dataOptions.location.description)
                    \(hasCoordinator ? "Coordinators sign in at http://\(host):\(boundPort)/login" : "Create the first coordinator:  swift run -c release bayan coordinator create --email you@example.org --data \(directory)")
                    Import a published statement:  swift run -c release bayan import statement.md --publish --data \(directory)
                    Stop with Ctrl-C.


                    """.utf8))
            })
        try await app.runService()
        await store.close()
    }
}
