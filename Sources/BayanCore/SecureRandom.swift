#if canImport(Glibc)
    import Glibc
#endif

/// Cryptographically secure random bytes in one call (glibc's `arc4random_buf`, one
/// `getrandom` for the whole buffer). `SystemRandomNumberGenerator` makes one system call
/// per 8 bytes; a sign-on needs ~80 random bytes (two tokens and a row id) and those
/// calls were ~1.5% of a burst's CPU.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        #if canImport(Glibc)
            out.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, count) }
            return out
        #else
            var rng = SystemRandomNumberGenerator()
            for i in 0..<count { out[i] = UInt8.random(in: 0...255, using: &rng) }
            return out
        #endif
    }
}
