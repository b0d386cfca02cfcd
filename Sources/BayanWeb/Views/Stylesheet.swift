import BayanCore
import Foundation

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
}
