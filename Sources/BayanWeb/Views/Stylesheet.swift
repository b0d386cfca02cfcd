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
    static let loaded: Result<String, TemplateError> = {
        guard let url = Bundle.module.url(forResource: "bayan", withExtension: "css", subdirectory: "Static"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return .failure(.missingFile("Static/bayan.css")) }
        return .success(text)
    }()

    static var css: String { (try? loaded.get()) ?? "" }

    /// Compressed once: the stylesheet is most of a first visit's bytes after the page.
    static let rendered = PublicCache.Rendered(text: css, contentType: "text/css; charset=utf-8")

    static func response(to request: Request, cacheControl: String) -> Response {
        rendered.response(for: request, headers: [.cacheControl: cacheControl, .vary: "Accept-Encoding"])
    }
}

/// The site's icon: the list Bayan publishes, as a small SVG (no file to ship or fetch elsewhere).
enum Favicon {
    static let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5d3b"/>\
        <path d="M9 10h14M9 16h14M9 22h9" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>
        """
}
