import ArabicText
import ArgumentParser
import BayanApp
import BayanCore
import BayanDocument
import BayanStore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a statement document (Markdown: '# Title', body, numbered list).",
        discussion: """
            Without --publish the statement becomes a draft whose list awaits confirmation by the \
            organisations. With --publish it records a statement published elsewhere: its list becomes \
            the founding list in the document's order and numbering. The import is one transaction: \
            on any error nothing is stored.
            """)

    @Argument(help: "The document file (UTF-8).") var file: String
    @Option(help: "The public address /s/SLUG (default: from the title).") var slug: String?
    @Option(help: "The statement's language code.") var language: String = "ar"
    @Flag(help: "Record the statement as published, with its list as the founding list.") var publish = false
    @Flag(help: "Accept a list whose numbering is broken (repeated, skipped, not starting at 1), numbering it 1..n.")
    var renumber = false
    @Flag(help: "Keep numbered lines that come before the signatory list in the statement's text (a list of demands).")
    var numberedText = false
    @Flag(help: "Remove direction embeddings and overrides inside names instead of refusing the line.")
    var stripControls = false
    @Flag(help: "Print what would be imported and change nothing.") var dryRun = false
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        let data = try readDocument(file)
        let parsed: ParsedDocument
        do {
            parsed = try DocumentParser.parse(data, options: .init(numberedLinesInText: numberedText, stripSpoofingControls: stripControls))
        } catch { throw CLIError("\(file): \(error)") }
        let summary: ImportReview.Summary
        do { summary = try ImportReview.review(parsed, options: .init(publish: publish, renumber: renumber)) } catch {
            throw CLIError("\(file): \(error)")
        }
        for warning in parsed.warnings where !warning.isRemoval { warn("warning: \(warning)") }
        for line in summary.lines { print(line) }
        let doc = parsed.document
        let slug: Slug
        do { slug = try self.slug.map { try Slug($0) } ?? Slug.suggested(from: doc.title) } catch { throw CLIError("\(error)") }
        if dryRun {
            print("dry run: nothing stored (would import \(slug): \(summary.signatories.count) signatories, \(publish ? "published" : "draft"))")
            return
        }
        let plan = ImportPlan(
            slug: slug, language: language, title: doc.title, body: doc.body, author: "import:\((file as NSString).lastPathComponent)",
            signatories: summary.signatories, publish: publish, at: Date())
        try await dataOptions.withStore { store in
            do {
                let record = try await store.importStatement(plan)
                print("imported \(record.slug): \(summary.signatories.count) signatories, \(record.state.rawValue)")
            } catch {
                throw CLIError("\(file): \(error)")
            }
        }
    }

    /// Reads the file, refusing an oversized one before loading it into memory.
    func readDocument(_ path: String) throws -> Data {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int
        else {
            throw CLIError("\(path): cannot read the file")
        }
        guard size <= Limits.documentBytes else {
            throw CLIError("\(path): \(DocumentError.tooLarge(bytes: size, limit: Limits.documentBytes))")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read the file") }
        return data
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a statement's public data.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, csv }

    @Argument(help: "The statement's slug.") var slug: String
    @Option(help: "md (the statement document), json or csv.") var format: Format = .md
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        try await dataOptions.withStore { store in
            let snapshot: StatementSnapshot
            do { snapshot = try await StatementSnapshot.load(slug: slug, store: store) } catch { throw CLIError("\(error)") }
            let data = snapshot.publicData
            let text: String =
                switch format {
                case .md: data.document.markdown
                case .json: String(decoding: data.json(), as: UTF8.self) + "\n"
                case .csv: data.csv()
                }
            if let output {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: output)) } catch {
                    throw CLIError("\(output): \(error.localizedDescription)")
                }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}

struct Statements: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the statements of this instance as a table.")
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        try await dataOptions.withStore { store in
            let rows = try await store.statementSummaries().map { s in
                [s.statement.slug, s.statement.state.rawValue, String(s.signatoryCount), s.title]
            }
            print(Table.render(header: ["SLUG", "STATE", "SIGNATORIES", "TITLE"], rows: rows))
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify statements' event logs, texts, lists and signed heads; exits 1 and names what is wrong.",
        discussion: """
            bayan verify [SLUG]             this instance's database: each log against itself, its last signed head and the tables
            bayan verify URL [FILES…]       a statement's public files fetched from …/s/SLUG (and receipts or older manifests kept)
            bayan verify --offline FILES…   keys.json, manifest.json, log.json, receipts, older manifests (or a mirror's directory)
            """)
    @Argument(help: "A slug (default: every statement), a statement's URL, or with --offline the public files.") var targets: [String] = []
    @Flag(help: "Check public files (manifest, log, keys, receipts) with no database and no network.") var offline = false
    @OptionGroup var dataOptions: DataOptions

    func run() async throws {
        if offline {
            guard !targets.isEmpty else { throw CLIError("--offline needs the public files to check (keys.json, manifest.json, log.json, …)") }
            var files = PublicFilesCheck.Files()
            try PublicFilesCheck.read(targets, into: &files)
            return try PublicFilesCheck.verify(files)
        }
        if let first = targets.first, first.hasPrefix("http://") || first.hasPrefix("https://") {
            var files = PublicFilesCheck.Files()
            try await PublicFilesCheck.fetch(first, into: &files)
            try PublicFilesCheck.read(Array(targets.dropFirst()), into: &files)
            return try PublicFilesCheck.verify(files)
        }
        guard targets.count <= 1 else { throw CLIError("one slug at a time (or --offline with files)") }
        let slug = targets.first
        // The instance's key checks the log against its last signed head (a head by any
        // other key is named). Without a key here (a restored copy, before its signing.key
        // is put back) the heads are not checked, and the output says so.
        let keys: [PublicSigningKey]?
        do { keys = try dataOptions.publishedKeys()?.publicKeys() } catch { throw CLIError("\(error)") }
        if keys == nil { warn("no signing key (signing.key or BAYAN_SIGNING_KEY): the logs are not checked against their signed heads") }
        try await dataOptions.withStore { store in
            let checks: [InstanceCheck.Statement]
            do {
                if let slug {
                    checks = [try await InstanceCheck.statement(try await store.statement(slug: slug), in: store, keys: keys)]
                } else {
                    checks = try await InstanceCheck.all(store, keys: keys)
                }
            } catch {
                throw CLIError("\(error)")
            }
            for check in checks { print(check) }
            if !checks.allSatisfy(\.isValid) { throw ExitCode(1) }
        }
    }
}

/// A plain text table; widths count characters, which is right for the terminal in
/// Latin text and close enough for Arabic.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
