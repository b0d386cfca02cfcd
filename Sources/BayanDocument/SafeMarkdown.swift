/// Renders the small Markdown subset statements use (paragraphs, headings, lists,
/// block quotes, bold, italic, http(s) links) to HTML. Everything is escaped first, so
/// raw HTML in a statement shows as text and can never run: no package here renders
/// Markdown with HTML escaping, hence this short renderer.
public enum SafeMarkdown {
    public static func html(_ markdown: String) -> String {
        let lines = markdown.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var quote: [String] = []

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            out += "<p>" + paragraph.map(inline).joined(separator: "<br />\n") + "</p>\n"
            paragraph = []
        }
        func flushList() {
            guard let l = list else { return }
            let tag = l.ordered ? "ol" : "ul"
            out += "<\(tag)>" + l.items.map { "<li>\(inline($0))</li>" }.joined() + "</\(tag)>\n"
            list = nil
        }
        func flushQuote() {
            guard !quote.isEmpty else { return }
            out += "<blockquote><p>" + quote.map(inline).joined(separator: "<br />\n") + "</p></blockquote>\n"
            quote = []
        }
        func flushAll() {
            flushParagraph()
            flushList()
            flushQuote()
        }

        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flushAll()
                continue
            }
            if let (level, text) = heading(line) {
                flushAll()
                out += "<h\(level)>\(inline(text))</h\(level)>\n"
            } else if line.hasPrefix("> ") || line == ">" {
                flushParagraph()
                flushList()
                quote.append(String(line.dropFirst(1)).trimmingCharacters(in: .whitespaces))
            } else if let (ordered, text) = listItem(line) {
                flushParagraph()
                flushQuote()
                if let l = list, l.ordered != ordered { flushList() }
                if list == nil { list = (ordered, []) }
                list!.items.append(text)
            } else {
                flushList()
                flushQuote()
                paragraph.append(line)
            }
        }
        flushAll()
        return out
    }

    public static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        // Scalars, not characters: `"` followed by a combining mark is one character to
        // Swift and compared unequal to `"`, so it went through unescaped and could end an
        // attribute (found by fuzzing, issue 12).
        for c in s.unicodeScalars {
            switch c {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(c)
            }
        }
        return String(out)
    }

    static func heading(_ line: String) -> (Int, String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...4).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        // Level 1 is the statement's title; body headings start at level 2.
        return (min(hashes + 1, 5), String(line.dropFirst(hashes + 1)))
    }

    static func listItem(_ line: String) -> (Bool, String)? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return (false, String(line.dropFirst(2))) }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count < 4 {
            let rest = line.dropFirst(digits.count)
            if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return (true, String(rest.dropFirst(2))) }
        }
        return nil
    }

    /// Inline markup on already-escaped text: `**bold**`, `*italic*`, `[text](https://…)`.
    /// Links are found first and emphasis applied around them and in their labels, never
    /// inside an address (`https://example.org/a*b*` stays a working address; found by
    /// fuzzing, issue 12).
    static func inline(_ text: String) -> String {
        var out = ""
        for piece in linkPieces(in: escape(text)) {
            switch piece {
            case .text(let t): out += emphasis(t)
            case .link(let url, let label): out += "<a href=\"\(url)\" rel=\"nofollow noopener noreferrer\">\(emphasis(label))</a>"
            }
        }
        return out
    }

    static func emphasis(_ s: String) -> String {
        replacePairs(in: replacePairs(in: s, marker: "**", open: "<strong>", close: "</strong>"), marker: "*", open: "<em>", close: "</em>")
    }

    static func replacePairs(in s: String, marker: String, open: String, close: String) -> String {
        let parts = s.components(separatedBy: marker)
        guard parts.count >= 3 else { return s }
        var out = parts[0]
        var i = 1
        while i < parts.count {
            if i + 1 < parts.count, !parts[i].isEmpty {
                out += open + parts[i] + close + parts[i + 1]
                i += 2
            } else {
                out += marker + parts[i]
                i += 1
            }
        }
        return out
    }

    enum Piece { case text(String), link(url: String, label: String) }

    /// Escaped text cut into plain runs and http(s) links.
    static func linkPieces(in s: String) -> [Piece] {
        var pieces: [Piece] = []
        var text = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "[") {
            guard let mid = rest[open...].range(of: "]("),
                let close = rest[mid.upperBound...].firstIndex(of: ")")
            else { break }
            let label = rest[rest.index(after: open)..<mid.lowerBound]
            let url = rest[mid.upperBound..<close]
            text += rest[..<open]
            if (url.hasPrefix("https://") || url.hasPrefix("http://")) && !url.contains(" ") && !label.contains("[") {
                pieces.append(.text(text))
                text = ""
                pieces.append(.link(url: String(url), label: String(label)))
            } else {
                text += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        pieces.append(.text(text + rest))
        return pieces
    }
}
