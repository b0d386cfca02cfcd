import BayanDocument
import Foundation
import FuzzSupport
import Hummingbird

/// The web's form reading on arbitrary bodies (`FormBody.decode`: Foundation refuses bytes
/// that are not UTF-8, then Hummingbird's URL-encoded form decoder): it decodes or refuses,
/// and what it decodes survives being encoded as a browser would and decoded again.
func fuzzForm(_ input: UnsafeRawBufferPointer) -> CInt {
    let body = String(decoding: input, as: UTF8.self)
    guard !body.contains("%") || body.removingPercentEncoding != nil else { return 0 }
    let decoder = URLEncodedFormDecoder()
    guard let fields = try? decoder.decode([String: String].self, from: body) else { return 0 }
    let pairs = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    // Keys with brackets are the decoder's nested syntax, not a field name a form sends.
    guard !pairs.contains(where: { $0.0.contains("[") || $0.0.contains("]") || $0.0.isEmpty }) else { return 0 }
    guard let again = try? decoder.decode([String: String].self, from: FormFields.encode(pairs)) else {
        fatalError("an encoded form does not decode")
    }
    precondition(again == fields, "encoding then decoding changed the fields")
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { fuzzForm(bytes(data, size)) }

@_cdecl("FuzzForm_main")
public func fuzzFormMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv) { data, size in testOneInput(data, size) }
}
