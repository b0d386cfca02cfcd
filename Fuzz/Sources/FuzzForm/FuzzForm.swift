import BayanDocument
import Foundation
import FuzzSupport

/// The form decoder on arbitrary bodies: it decodes or refuses, and what it decodes
/// survives being encoded as a browser would and decoded again.
func fuzzForm(_ input: UnsafeRawBufferPointer) -> CInt {
    let body = String(decoding: input, as: UTF8.self)
    guard let fields = FormFields.parse(body) else { return 0 }
    let pairs = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    guard let again = FormFields.parse(FormFields.encode(pairs)) else { fatalError("an encoded form does not decode") }
    precondition(again == fields, "encoding then decoding changed the fields")
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzForm(bytes(data, size)) }

@_cdecl("FuzzForm_main")
public func fuzzFormMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
