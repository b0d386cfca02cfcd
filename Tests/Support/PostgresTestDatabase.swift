import Foundation

/// Creates a throwaway database on the test cluster (`BAYAN_TEST_POSTGRES_URL`) with
/// `psql`, and drops it afterwards.
public enum PostgresTestDatabase {
    public static var serverURL: String? { ProcessInfo.processInfo.environment["BAYAN_TEST_POSTGRES_URL"] }

    /// Whether the PostgreSQL half runs. Without a server URL it still runs, and fails with
    /// a message saying how to give one, unless `BAYAN_TEST_SKIP_POSTGRES=1` skips it on
    /// purpose: a missing database must never look like a pass.
    public static var enabled: Bool {
        serverURL != nil || ProcessInfo.processInfo.environment["BAYAN_TEST_SKIP_POSTGRES"] != "1"
    }

    public static func create() async throws -> (url: String, drop: @Sendable () async -> Void) {
        guard let server = serverURL, var components = URLComponents(string: server) else {
            throw NSError(
                domain: "bayan-test", code: 2,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "BAYAN_TEST_POSTGRES_URL is not set: run scripts/test (it starts a cluster), "
                        + "eval \"$(scripts/pg-cluster)\" first, or set BAYAN_TEST_SKIP_POSTGRES=1 to skip PostgreSQL on purpose"
                ])
        }
        let name = "bayan_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql(server, "CREATE DATABASE \(name)")
        components.path = "/\(name)"
        let url = components.string!
        return (url, { try? psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// Runs one SQL command with psql; throws with its error output.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(
                domain: "bayan-test", code: Int(process.terminationStatus),
                userInfo: [NSLocalizedDescriptionKey: String(decoding: error, as: UTF8.self)])
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
