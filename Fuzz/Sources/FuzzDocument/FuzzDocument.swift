import BayanDocument
import Foundation
import FuzzSupport

/// The statement document parser on arbitrary bytes: it answers or refuses, and what it
/// accepts is canonical (exporting and parsing again gives the same document).
func fuzzDocument(_ input: UnsafeRawBufferPointer) -> CInt {
    let data = Data(input)
    guard let parsed = try? DocumentParser.parse(data).document else { return 0 }
    guard let again = try? DocumentParser.parse(parsed.markdown).document else {
        fatalError("an exported document does not parse again")
    }
    precondition(again == parsed, "export then import changed the document")
    precondition(again.markdown == parsed.markdown, "the export is not canonical")
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzDocument(bytes(data, size)) }

@_cdecl("FuzzDocument_main")
public func fuzzDocumentMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
