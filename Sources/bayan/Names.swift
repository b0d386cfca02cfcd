import ArabicText
import ArgumentParser
import Foundation

struct Names: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the Arabic name rules from outside the web: sort names, find duplicates.",
        subcommands: [Sort.self, Duplicates.self])

    struct Sort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print names (one per line, UTF-8) in the order an Arabic reader expects, unchanged.")
        @Argument(help: "Input file (default: standard input).") var file: String?

        func run() async throws {
            for name in ArabicText.sorted(try readNames(file).map(\.text)) { print(name) }
        }
    }

    struct Duplicates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print probable duplicates as LINE_A<TAB>LINE_B<TAB>REASON (1-based input lines, A < B).")
        @Argument(help: "Input file (default: standard input).") var file: String?

        func run() async throws {
            let names = try readNames(file)
            for c in DuplicateFinder.candidates(in: names.map(\.text)) {
                print("\(names[c.first].line)\t\(names[c.second].line)\t\(c.reason)")
            }
        }
    }
}

/// Non-blank input lines with their 1-based line numbers.
func readNames(_ file: String?) throws -> [(line: Int, text: String)] {
    let data: Data
    if let file {
        guard let d = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read the file") }
        data = d
    } else {
        data = FileHandle.standardInput.readDataToEndOfFile()
    }
    guard var text = String(validating: data, as: UTF8.self) else { throw CLIError("\(file ?? "stdin"): not valid UTF-8") }
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, raw in
        let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
        return line.allSatisfy(\.isWhitespace) ? nil : (i + 1, line)
    }
}
