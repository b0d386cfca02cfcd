import BayanDocument
import Foundation
import Mustache

/// Every page template, by name: a file `Templates/<name>.mustache` shipped as a package
/// resource. Naming them in one type lets the server refuse to start when one is missing
/// or does not parse, instead of serving an empty page later.
enum TemplateName: String, CaseIterable, Sendable {
    // Public pages and the layout around every page.
    case layout, home, statement, versions, message
    // The coordinator area.
    case login, dashboard, links, diff, log, directory, password, tokens, webhooks
    /// A statement's four step pages (`StatementStep`).
    case textStep, invitationsStep, signonsStep, publishStep
    /// A partial (`{{> steps}}`): the statement's heading and the steps' navigation.
    case steps
    // Invited organisations, signers and joiners.
    case signon, signer, join, joined, confirm
    /// A partial (`{{> errors}}`): the form errors and notices of a page.
    case errors
    /// A partial (`{{> growth}}`): the growth chart, an inline SVG.
    case growth
    /// Fragments rendered without the layout: the statement page's `<head>` additions
    /// (description, Open Graph), and the Atom feed.
    case statementHead, feed
    /// The embed (`/s/SLUG/embed`): a whole page of its own, without the site's layout.
    case embed
}

/// Why the templates could not be used: a deployment or programming error, named with the
/// file it concerns.
enum TemplateError: Error, CustomStringConvertible {
    case missing(TemplateName, path: String)
    case invalid(TemplateName, String)
    case notRendered(TemplateName)
    case missingFile(String)

    var description: String {
        switch self {
        case .missing(let name, let path): "template \(name.rawValue).mustache not found at \(path)"
        case .invalid(let name, let reason): "template \(name.rawValue).mustache does not parse: \(reason)"
        case .notRendered(let name): "template \(name.rawValue) is not loaded"
        case .missingFile(let path): "\(path) not found among the resources"
        }
    }
}

/// Every page: `lang` and `dir` on `<html>`, our own stylesheet only, no script.
enum Templates {
    /// The templates, read and parsed once, on first use (`buildApplication` touches it, so
    /// a broken deployment fails at start).
    static let loaded: Result<MustacheLibrary, TemplateError> = {
        do throws(TemplateError) { return .success(try load()) } catch { return .failure(error) }
    }()

    static func library() throws(TemplateError) -> MustacheLibrary { try loaded.get() }

    static func load() throws(TemplateError) -> MustacheLibrary {
        try load(from: Bundle.module.url(forResource: "Templates", withExtension: nil))
    }

    /// Every template escapes with `SafeMarkdown.escape`, which works on Unicode scalars:
    /// swift-mustache's own HTML escaping compares characters, so `"` followed by a
    /// combining mark (one character to Swift) went through unescaped and could end an
    /// attribute such as `value="{{name}}"` (found by fuzzing, issue 12).
    static let escaping = "{{% CONTENT_TYPE: BAYAN_HTML}}"

    struct ScalarHTML: MustacheContentType {
        func escapeText(_ text: String) -> String { SafeMarkdown.escape(text) }
    }

    static func load(from directory: URL?) throws(TemplateError) -> MustacheLibrary {
        MustacheContentTypes.register(ScalarHTML(), named: "BAYAN_HTML")
        var library = MustacheLibrary()
        for name in TemplateName.allCases {
            guard let url = directory?.appendingPathComponent("\(name.rawValue).mustache"),
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { throw .missing(name, path: directory?.path ?? "(no Templates resource)") }
            do { library.register(try MustacheTemplate(string: escaping + text), named: name.rawValue) } catch {
                throw .invalid(name, "\(error)")
            }
        }
        return library
    }
}
