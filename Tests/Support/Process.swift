import Foundation

/// The real `bayan` binary, as built by `swift build` (scripts/test builds it first).
/// `BAYAN_BIN` overrides the path.
public enum BayanBinary {
    public static var path: String {
        if let override = ProcessInfo.processInfo.environment["BAYAN_BIN"] { return override }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/bayan").path
    }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `bayan ARGS` to completion, feeding `stdin`.
    public static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A running `bayan serve` on a free loopback port.
    public final class Server: @unchecked Sendable {
        public let process: Process
        public let baseURL: String

        public init(arguments: [String]) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: BayanBinary.path)
            process.arguments = ["serve", "--port", "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.standardError
            try process.run()
            // The first line names the URL once the server listens.
            var buffer = Data()
            let deadline = Date().addingTimeInterval(60)
            while !buffer.contains(UInt8(ascii: "\n")) && Date() < deadline {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            let firstLine = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            guard let range = firstLine.range(of: "http://") else {
                process.terminate()
                throw NSError(domain: "bayan-test", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(firstLine)"])
            }
            baseURL = String(firstLine[range.lowerBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "/ \n"))
        }

        /// A server a failed test left running would hold the test runner's output open
        /// and hang the whole run: it is stopped when the test lets go of it.
        deinit { if process.isRunning { process.terminate() } }

        /// Sends SIGTERM and waits; returns the exit status.
        @discardableResult
        public func stop() -> Int32 {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// GET over real loopback HTTP.
public func httpGet(_ url: String) async throws -> (status: Int, body: String, headers: [String: String]) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let http = response as! HTTPURLResponse
    var headers: [String: String] = [:]
    for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
    return (http.statusCode, String(decoding: data, as: UTF8.self), headers)
}
