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
        let app = buildApplication(
            AppConfiguration(host: host, port: port, dataDirectory: directory), store: store, logger: logger,
            onServerRunning: { boundPort in
                FileHandle.standardOutput.write(Data("""
                    Bayan is running at http://\(host):\(boundPort)/
                    Data: \(directory)/\(SQLiteHandle.fileName)
                    Add a statement:  swift run -c release bayan import statement.md --publish --data \(directory)
                    Stop with Ctrl-C.


                    """.utf8))
            })
        try await app.runService()
        await store.close()
    }
}
