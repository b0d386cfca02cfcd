import BayanApp
import BayanCore
import BayanStore
import Foundation
import NIOCore

/// `bayan mirror SLUG --output DIR` (issue 13): a self-contained static copy of a public
/// statement that any static host or a USB stick can carry when the instance is blocked
/// or taken down. The page in each language with relative links, the downloads, the signed
/// manifest, the whole public log, the keys, and how to verify them; the join link and
/// what a copy cannot hold (other pages of individuals, translations, versions) point back
/// to the instance. The same data gives the same bytes.
public enum StaticMirror {
    /// Every file of the mirror, by name.
    /// `keys`: what the instance lists (default: `key` alone).
    public static func files(slug: String, store: any Store, key: SigningKey, keys: KeysFile? = nil, instance: String, now: Date) async throws
        -> [String: [UInt8]]
    {
        let reading = PublicReading(store: store)
        guard let manifest = try await reading.manifest(slug: slug, key: key, now: now) else {
            throw MirrorError.notPublic(slug)
        }
        let events = try await store.events(of: manifest.statement).prefix(manifest.head.size)
        let log = LogFile(statement: manifest.statement, size: manifest.head.size, from: 1, events: events.map(\.publicEvent))
        let routes = PublicRoutes(reading: reading, cache: PublicCache(), address: PublicAddress(instance))
        var out: [String: [UInt8]] = [:]
        for lang in UILanguage.allCases {
            guard let page = try await routes.render(slug: slug, format: "html", lang: lang, page: 1) else { throw MirrorError.notPublic(slug) }
            out["index.\(lang.rawValue).html"] = Array(relink(String(buffer: page.body), slug: slug, instance: instance).utf8)
        }
        guard let own = try await routes.render(slug: slug, format: "html", lang: nil, page: 1) else { throw MirrorError.notPublic(slug) }
        out["index.html"] = Array(relink(String(buffer: own.body), slug: slug, instance: instance).utf8)
        for format in ["md", "json", "csv"] {
            guard let file = try await routes.render(slug: slug, format: format, lang: nil, page: 1) else { throw MirrorError.notPublic(slug) }
            out["statement.\(format)"] = Array(buffer: file.body)
        }
        out["bayan.css"] = Array(Stylesheet.css.utf8)
        // The mirror loads nothing from the instance (or anywhere else): its icon too.
        out["favicon.svg"] = Array(Favicon.svg.utf8)
        out["manifest.json"] = Array(ProofRoutes.encode(manifest).utf8)
        out["log.json"] = Array(ProofRoutes.encode(log).utf8)
        out["keys.json"] = Array(ProofRoutes.encode(keys ?? KeysFile([key.publicKey])).utf8)
        out["VERIFY.txt"] = Array(howToVerify(manifest: manifest, instance: instance, key: key.publicKey).utf8)
        return out
    }

    /// Writes the mirror into `directory` (made if missing; files of the same names replaced).
    public static func write(_ files: [String: [UInt8]], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
            try Data(bytes).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
        }
    }

    /// Links within the copy become relative; every other site link points to the instance.
    static func relink(_ html: String, slug: String, instance: String) -> String {
        let base = instance.hasSuffix("/") ? String(instance.dropLast()) : instance
        return html.replacing(/(href|src|action)="(\/[^"]*)"/) { match in
            let path = String(match.output.2)
            let attribute = match.output.1
            let page = "/s/\(slug)"
            let local: String? =
                switch path {
                case page: "index.html"
                case Stylesheet.path: "bayan.css"
                case "/favicon.svg": "favicon.svg"
                case "\(page).md", "\(page).json", "\(page).csv": "statement." + path.split(separator: ".").last!
                default:
                    path.hasPrefix("\(page)?lang=") && path.count == page.count + 8
                        && UILanguage(rawValue: String(path.suffix(2))) != nil ? "index.\(path.suffix(2)).html" : nil
                }
            return "\(attribute)=\"\(local ?? base + path)\""
        }
    }

    static func howToVerify(manifest: Manifest, instance: String, key: PublicSigningKey) -> String {
        """
        A static copy of the statement "\(manifest.text.title)" published with Bayan at
        \(instance)/s/\(manifest.slug)

        manifest.json  what the page asserts (texts, lists, counts), signed by the instance
        log.json       every event of the statement's public log, \(manifest.head.size) events
        keys.json      the instance's public signing key
        index.html     the page (index.ar.html, index.en.html, index.tr.html in each language)
        statement.*    the text and lists as Markdown, JSON and CSV

        Key \(key.id), fingerprint
        \(key.fingerprint)
        Compare the fingerprint with one the instance's operators gave you by another way.

        To check this copy with no network: bayan verify --offline DIRECTORY
        It checks the signatures, recomputes the log's Merkle root (\(manifest.head.root))
        and derives every list entry and count from the log.

        """
    }
}

public enum MirrorError: Error, CustomStringConvertible {
    case notPublic(String)
    public var description: String {
        switch self {
        case .notPublic(let slug): "no public statement /s/\(slug) (only published or closed statements are mirrored)"
        }
    }
}
