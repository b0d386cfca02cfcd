import ArabicText
import BayanCore
import Foundation
import FuzzSupport

/// Name cleaning, collation and duplicate detection on arbitrary lines: cleaning either
/// refuses or returns a name that is clean and within its limits (and cleaning it again
/// changes nothing); sorting is a permutation that does not depend on input order; every
/// duplicate candidate names two distinct lines.
func fuzzNames(_ input: UnsafeRawBufferPointer) -> CInt {
    let text = String(decoding: input, as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64).map(String.init)
    var names: [String] = []
    for line in lines {
        guard let cleaned = try? NameText.clean(line) else { continue }
        precondition(Limits.fits(cleaned.text, limit: Limits.nameLength), "a cleaned name is over the limit")
        precondition(cleaned.text.unicodeScalars.contains(where: NameText.isVisible), "a cleaned name shows nothing")
        let again = try? NameText.clean(cleaned.text)
        precondition(again?.text == cleaned.text && again?.removed.isEmpty == true, "cleaning is not idempotent")
        names.append(cleaned.text)
    }
    let sorted = ArabicText.sorted(names)
    precondition(sorted.sorted() == names.sorted(), "sorting lost or invented a name")
    precondition(ArabicText.sorted(names.reversed()) == sorted || Set(names).count < names.count, "the order depends on the input order")
    for c in DuplicateFinder.candidates(in: names) {
        precondition(c.first != c.second && names.indices.contains(c.first) && names.indices.contains(c.second), "a bad candidate")
    }
    _ = ArabicText.normalize(text)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzNames(bytes(data, size)) }

@_cdecl("FuzzNames_main")
public func fuzzNamesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
