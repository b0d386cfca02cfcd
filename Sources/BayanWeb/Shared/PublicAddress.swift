import Foundation
import Synchronization

/// The address people reach Bayan at, the one source of every absolute link: invitation
/// links shown to copy, the links in mail, the feed. Request headers (`Host`,
/// `X-Forwarded-Proto`) never make links, so a forged header cannot make Bayan mail a link
/// to another site. Without a configured public URL it is the address Bayan listens on.
public final class PublicAddress: Sendable {
    private let value: Mutex<String>

    public init(_ base: String) { value = Mutex(base) }

    /// Scheme, host and port, and a path prefix if any; no trailing slash.
    public var base: String { value.withLock { $0 } }

    func listening(host: String, port: Int) {
        let shown = host.contains(":") ? "[\(host)]" : host
        value.withLock { $0 = "http://\(shown):\(port)" }
    }

    /// A public URL as configured (`BAYAN_PUBLIC_URL`): http or https, a host, no query or
    /// fragment; nil when it is not one. A trailing slash is dropped.
    public static func validated(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let url = URLComponents(string: trimmed), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return nil }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }
}
