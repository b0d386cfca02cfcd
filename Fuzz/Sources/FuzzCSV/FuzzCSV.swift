import BayanDocument
import Foundation
import FuzzSupport

/// One CSV cell from arbitrary text: always one quoted cell whose content is the text
/// (or the text behind a `'`), and never a formula a spreadsheet would run.
func fuzzCSV(_ input: UnsafeRawBufferPointer) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    let cell = CSV.cell(text)
    // Scalars, not characters: a quote followed by a joiner is one character to Swift.
    let scalars = Array(cell.unicodeScalars)
    precondition(scalars.count >= 2 && scalars.first == "\"" && scalars.last == "\"", "not quoted")
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars.dropFirst().dropLast())
    let inner = String(view)
    // Inside, every quote is doubled: splitting on "" leaves no lone quote.
    precondition(!inner.replacingOccurrences(of: "\"\"", with: "").contains("\""), "a lone quote ends the cell early")
    let content = inner.replacingOccurrences(of: "\"\"", with: "\"")
    precondition(content == text || content == "'" + text, "the cell does not hold the text")
    let lead = content.unicodeScalars.first {
        !($0.properties.isWhitespace && $0 != "\t" && $0 != "\r") && $0.properties.generalCategory != .format
    }
    if let lead { precondition(!"=+-@\t\r＝＋－＠".unicodeScalars.contains(lead), "a formula survives: \(content.prefix(20))") }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzCSV(bytes(data, size)) }

@_cdecl("FuzzCSV_main")
public func fuzzCSVMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
