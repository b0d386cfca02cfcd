/// The `Accept-Encoding` elements that decide gzip, read from the header's bytes without
/// allocating (the cached-page path reads it on every request).
enum AcceptEncoding {
    static func acceptsGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var gzip: Bool?
        var any: Bool?
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
            let element = Element(bytes, start..<end)
            if element.coding(is: "gzip") || element.coding(is: "x-gzip") {
                gzip = (gzip ?? false) || element.weightAboveZero
            } else if element.coding(is: "*") {
                any = (any ?? false) || element.weightAboveZero
            }
            start = end + 1
        }
        return gzip ?? any ?? false
    }

    /// One comma-separated element: a coding and its parameters (`gzip;q=0.5`).
    struct Element {
        let bytes: UnsafeBufferPointer<UInt8>
        let coding: Range<Int>
        let parameters: Range<Int>

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            self.bytes = bytes
            var end = range.lowerBound
            while end < range.upperBound && bytes[end] != UInt8(ascii: ";") { end += 1 }
            coding = Self.trimmed(bytes, range.lowerBound..<end)
            parameters = end..<range.upperBound
        }

        func coding(is name: StaticString) -> Bool {
            guard coding.count == name.utf8CodeUnitCount else { return false }
            for (i, byte) in coding.enumerated() where Self.lower(bytes[byte]) != name.utf8Start[i] { return false }
            return true
        }

        /// False only for a `q` parameter whose value is zero (`0`, `0.0`, `0.000`) or empty.
        var weightAboveZero: Bool {
            var start = parameters.lowerBound
            while start < parameters.upperBound {
                var end = start + 1
                while end < parameters.upperBound && bytes[end] != UInt8(ascii: ";") { end += 1 }
                let parameter = Self.trimmed(bytes, (start + 1)..<end)
                if parameter.count >= 2, Self.lower(bytes[parameter.lowerBound]) == UInt8(ascii: "q") {
                    var i = parameter.lowerBound + 1
                    while i < parameter.upperBound && Self.isSpace(bytes[i]) { i += 1 }
                    if i < parameter.upperBound, bytes[i] == UInt8(ascii: "=") {
                        let value = Self.trimmed(bytes, (i + 1)..<parameter.upperBound)
                        return value.contains { bytes[$0] != UInt8(ascii: "0") && bytes[$0] != UInt8(ascii: ".") }
                    }
                }
                start = end
            }
            return true
        }

        static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper && isSpace(bytes[lower]) { lower += 1 }
            while upper > lower && isSpace(bytes[upper - 1]) { upper -= 1 }
            return lower..<upper
        }

        static func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

        static func lower(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
        }
    }
}
