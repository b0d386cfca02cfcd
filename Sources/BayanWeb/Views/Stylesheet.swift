import BayanCore
import Foundation
import Hummingbird

/// The one stylesheet, `Static/bayan.css` shipped as a resource and served by Bayan itself:
/// system Arabic fonts only, readable line length, responsive, logical properties so RTL
/// and LTR both work.
enum Stylesheet {
    /// The stylesheet's address carries its content hash, so a phone on 2G fetches it once
    /// and keeps it (`immutable`): every later page costs one round trip, not two.
    static let path = "/static/bayan.\(ContentHash.of(text: css).hex.prefix(12)).css"
    static let cacheControl = "public, max-age=31536000, immutable"

    /// Read once; `buildApplication` refuses to start without it.
    static let loaded = StaticFile.read("bayan", "css")

    static var css: String { (try? loaded.get()) ?? "" }

    /// Compressed once: the stylesheet is most of a first visit's bytes after the page.
    static let rendered = PublicCache.Rendered(text: css, contentType: "text/css; charset=utf-8")

    static func response(to request: Request, cacheControl: String) -> Response {
        rendered.response(for: request, headers: [.cacheControl: cacheControl, .vary: "Accept-Encoding"])
    }
}

/// The site's icon, `Static/favicon.svg`: the list Bayan publishes, small enough to serve
/// from memory. Read once; `buildApplication` refuses to start without it.
enum Favicon {
    static let loaded = StaticFile.read("favicon", "svg")
    static var svg: String { (try? loaded.get()) ?? "" }
}

/// A file of `Static/`, shipped as a package resource.
enum StaticFile {
    static func read(_ name: String, _ ext: String) -> Result<String, TemplateError> {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Static"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return .failure(.missingFile("Static/\(name).\(ext)")) }
        return .success(text)
    }
}
