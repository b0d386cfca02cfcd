import BayanDocument
import Foundation
import FuzzSupport

/// Safe Markdown on arbitrary text: every `<` in the output opens or closes one of the
/// tags the renderer writes itself, and no link leaves http(s).
func fuzzMarkdown(_ input: UnsafeRawBufferPointer) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    let html = SafeMarkdown.html(text)
    let allowed =
        ["p>", "/p>", "br />", "ul>", "/ul>", "ol>", "/ol>", "li>", "/li>", "blockquote>", "/blockquote>", "strong>", "/strong>", "em>", "/em>"]
        + ["a href=\"http", "/a>"] + (1...6).flatMap { ["h\($0)>", "/h\($0)>"] }
    // On UTF-8 bytes: a mark right after `>` is one character with it to Swift.
    let bytes = Array(html.utf8)
    for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "<") {
        let after = bytes[(i + 1)...]
        precondition(
            allowed.contains { after.starts(with: $0.utf8) }, "unexpected markup: \(String(decoding: after.prefix(40), as: UTF8.self))")
    }
    // The one tag with attributes: its address is http(s) and cannot leave the attribute
    // (no quote, no angle bracket), and the tag carries only the fixed `rel` after it.
    var links = bytes[...]
    let opener = Array("<a href=\"".utf8)
    let tail = Array("\" rel=\"nofollow noopener noreferrer\">".utf8)
    while let start = links.firstRange(of: opener) {
        let value = links[start.upperBound...].prefix { $0 != UInt8(ascii: "\"") }
        precondition(value.starts(with: "http://".utf8) || value.starts(with: "https://".utf8), "a link that is not http(s)")
        precondition(!value.contains(UInt8(ascii: "<")) && !value.contains(UInt8(ascii: ">")), "a link value with markup")
        precondition(links[value.endIndex...].starts(with: tail), "a link tag with more than its address")
        links = links[value.endIndex...]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzMarkdown(bytes(data, size)) }

@_cdecl("FuzzMarkdown_main")
public func fuzzMarkdownMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
