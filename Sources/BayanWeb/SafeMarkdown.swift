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
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
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
    static func inline(_ text: String) -> String {
        var s = escape(text)
        s = replacePairs(in: s, marker: "**", open: "<strong>", close: "</strong>")
        s = replacePairs(in: s, marker: "*", open: "<em>", close: "</em>")
        return links(in: s)
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

    static func links(in s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "[") {
            guard let mid = rest[open...].range(of: "]("),
                let close = rest[mid.upperBound...].firstIndex(of: ")")
            else { break }
            let label = rest[rest.index(after: open)..<mid.lowerBound]
            let url = rest[mid.upperBound..<close]
            out += rest[..<open]
            if (url.hasPrefix("https://") || url.hasPrefix("http://")) && !url.contains(" ") && !label.contains("[") {
                out += "<a href=\"\(url)\" rel=\"nofollow noopener noreferrer\">\(label)</a>"
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
