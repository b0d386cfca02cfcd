/// Finds pairs of names that probably name the same organisation, with a reason.
///
/// A person decides; this only proposes. Scales to 100k names without comparing all
/// pairs: names are blocked by a *matching key* (the normalized name with every spelling
/// variant of DESIGN.md section 4 folded), and near matches (one letter apart) are found
/// through an index of one-letter deletions of those keys.
public enum DuplicateFinder {
    /// One spelling-variant rule. Each can be switched off to explain a match.
    public enum Rule: String, CaseIterable, Sendable {
        case brackets = "abbreviation in brackets"
        case article = "definite article ال added or dropped"
        case taMarbuta = "spelling variant ة/ه"
        case alefMaqsura = "spelling variant ى/ي"
        case finalYa = "spelling variant ية/يا"
        case hamzaCarrier = "spelling variant of hamza (ؤ ئ ء)"
        case spacing = "spacing or punctuation"
    }

    public struct Candidate: Hashable, Sendable, CustomStringConvertible {
        /// Indices into the input, `first < second`.
        public let first: Int
        public let second: Int
        public let reason: String
        public var description: String { "\(first)\t\(second)\t\(reason)" }
        public init(first: Int, second: Int, reason: String) {
            self.first = first
            self.second = second
            self.reason = reason
        }
    }

    public static let sameAfterNormalization = "same after normalization"
    public static let oneLetterApart = "one letter apart (possible typo)"
    /// The two look the same but are written with different letters (UTS #39 skeletons):
    /// a Cyrillic `а` in a Latin name, the digit `١` for `ا`.
    public static let lookAlike = "look-alike letters from another script"

    /// The key two names share when they are probably the same organisation.
    public static func matchingKey(_ name: String) -> String {
        key(ArabicText.normalize(name), rules: Set(Rule.allCases))
    }

    /// Why two names match, or nil when they do not.
    public static func reason(_ a: String, _ b: String) -> String? {
        let na = ArabicText.normalize(a)
        let nb = ArabicText.normalize(b)
        if na == nb { return sameAfterNormalization }
        let all = Set(Rule.allCases)
        if key(na, rules: all) == key(nb, rules: all) { return explain(na, nb) }
        // Looking alike says more than being a letter apart: it is how impersonation works.
        if Confusables.skeleton(na) == Confusables.skeleton(nb) { return lookAlike }
        if isOneLetterApart(Array(key(na, rules: all).unicodeScalars), Array(key(nb, rules: all).unicodeScalars)) {
            return oneLetterApart
        }
        return nil
    }

    /// Indices of the names that have at least one duplicate candidate.
    public static func flagged(in names: [String]) -> Set<Int> {
        Set(candidates(in: names).flatMap { [$0.first, $0.second] })
    }

    /// The candidate pairs among `names`, ordered by `(first, second)`.
    public static func candidates(in names: [String]) -> [Candidate] {
        let normalized = names.map(ArabicText.normalize)
        let all = Set(Rule.allCases)
        // Block by matching key (each computed once: the look-alike pass compares them too).
        let matchingKeys = normalized.map { $0.isEmpty ? "" : key($0, rules: all) }
        var groups: [String: [Int]] = [:]
        for (i, n) in normalized.enumerated() where !n.isEmpty {
            groups[matchingKeys[i], default: []].append(i)
        }
        var result: [Candidate] = []
        // Look-alikes: names whose skeletons agree but whose matching keys differ (equal
        // keys are reported below with their own reason).
        var bySkeleton: [String: [Int]] = [:]
        for (i, n) in normalized.enumerated() where !n.isEmpty {
            bySkeleton[Confusables.skeleton(n), default: []].append(i)
        }
        for (_, members) in bySkeleton where members.count > 1 {
            for x in 0..<members.count {
                for y in (x + 1)..<members.count where matchingKeys[members[x]] != matchingKeys[members[y]] {
                    result.append(Candidate(first: min(members[x], members[y]), second: max(members[x], members[y]), reason: lookAlike))
                }
            }
        }
        for (_, members) in groups where members.count > 1 {
            for x in 0..<members.count {
                for y in (x + 1)..<members.count {
                    let i = members[x]
                    let j = members[y]
                    let why =
                        normalized[i] == normalized[j]
                        ? sameAfterNormalization : explain(normalized[i], normalized[j])
                    result.append(Candidate(first: i, second: j, reason: why))
                }
            }
        }
        // Near matches between different keys, through one-letter deletions: two keys are
        // one edit apart when a deletion of one equals the other or a deletion of it.
        // Deletions are hashed (a rolling hash, so all of a key's deletions cost O(length))
        // and sorted; equal hashes are verified on the real keys. Digits are never deleted:
        // names differing in a digit are different organisations.
        let keys = Array(groups.keys).filter { $0.unicodeScalars.count >= minimumNearMatchLength }
        let scalarKeys = keys.map { $0.unicodeScalars.map(\.value) }
        var entries: [(hash: UInt64, key: Int32)] = []
        entries.reserveCapacity(scalarKeys.reduce(0) { $0 + $1.count + 1 })
        for (k, s) in scalarKeys.enumerated() {
            deletionHashes(s) { entries.append(($0, Int32(k))) }
        }
        entries.sort { $0.hash < $1.hash || ($0.hash == $1.hash && $0.key < $1.key) }
        var nearPairs = Set<Int64>()
        var runStart = 0
        while runStart < entries.count {
            var runEnd = runStart + 1
            while runEnd < entries.count && entries[runEnd].hash == entries[runStart].hash { runEnd += 1 }
            if runEnd - runStart > 1 {
                for x in runStart..<runEnd {
                    for y in (x + 1)..<runEnd where entries[x].key != entries[y].key {
                        let a = Int(min(entries[x].key, entries[y].key))
                        let b = Int(max(entries[x].key, entries[y].key))
                        let id = Int64(a) << 32 | Int64(b)
                        guard !nearPairs.contains(id), isOneLetterApart(scalarKeys[a], scalarKeys[b]) else { continue }
                        nearPairs.insert(id)
                    }
                }
            }
            runStart = runEnd
        }
        for id in nearPairs {
            let a = Int(id >> 32)
            let b = Int(id & 0xFFFF_FFFF)
            for i in groups[keys[a]]! {
                for j in groups[keys[b]]! {
                    result.append(Candidate(first: min(i, j), second: max(i, j), reason: oneLetterApart))
                }
            }
        }
        // One candidate a pair: the look-alike reason (found first) wins over a near match.
        var seen = Set<Int64>()
        result = result.filter { seen.insert(Int64($0.first) << 32 | Int64($0.second)).inserted }
        return result.sorted { ($0.first, $0.second) < ($1.first, $1.second) }
    }

    /// Keys shorter than this are not near-matched: short names differ by one letter too
    /// often while meaning different things.
    static let minimumNearMatchLength = 8

    /// Calls `emit` with the hash of the key itself and of each deletion of one
    /// non-digit letter (a polynomial hash, computed from prefix and suffix sums).
    static func deletionHashes(_ s: [UInt32], _ emit: (UInt64) -> Void) {
        let base: UInt64 = 0x100_0000_01B3
        let n = s.count
        var prefix = [UInt64](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] &* base &+ UInt64(s[i]) &+ 1 }
        var power = [UInt64](repeating: 1, count: n + 1)
        for i in 0..<n { power[i + 1] = power[i] &* base }
        // suffix[i] = hash of s[i...] as a continuation (without leading multiplier).
        var suffix = [UInt64](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            suffix[i] = (UInt64(s[i]) &+ 1) &* power[n - 1 - i] &+ suffix[i + 1]
        }
        // The hash of a sequence is the same whether it is a whole key or a deletion of a
        // longer one: that collision is what finds an inserted or dropped letter.
        emit(prefix[n])
        for p in 0..<n where !(0x30...0x39).contains(s[p]) {
            emit(prefix[p] &* power[n - 1 - p] &+ suffix[p + 1])
        }
    }

    /// Edit distance exactly one (insert, delete or substitute), where the differing
    /// letter is not a digit: `الفرقة 17` and `الفرقة 18` are different organisations.
    static func isOneLetterApart(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Bool {
        isOneLetterApart(a.map(\.value), b.map(\.value))
    }

    static func isOneLetterApart(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        if a == b || abs(a.count - b.count) > 1 { return false }
        var i = 0
        while i < min(a.count, b.count) && a[i] == b[i] { i += 1 }
        var ja = a.count - 1
        var jb = b.count - 1
        while ja >= i && jb >= i && a[ja] == b[jb] {
            ja -= 1
            jb -= 1
        }
        // Differing segments a[i...ja], b[i...jb] must be at most one scalar each.
        guard ja - i < 1 && jb - i < 1 else { return false }
        let differing = (ja >= i ? [a[i]] : []) + (jb >= i ? [b[i]] : [])
        return !differing.contains { Unicode.Scalar($0)?.properties.numericType != nil }
    }

    /// The rules needed for two names to match: a rule is named when switching it off
    /// alone makes the keys differ.
    static func explain(_ na: String, _ nb: String) -> String {
        let all = Set(Rule.allCases)
        let needed = Rule.allCases.filter { rule in
            var without = all
            without.remove(rule)
            return key(na, rules: without) != key(nb, rules: without)
        }
        return needed.isEmpty ? "spelling variants" : needed.map(\.rawValue).joined(separator: "; ")
    }

    /// The matching key of an already normalized name under the given rules.
    static func key(_ normalized: String, rules: Set<Rule>) -> String {
        var scalars = Array(normalized.unicodeScalars)
        if rules.contains(.brackets) { scalars = removingBrackets(scalars) }
        // Split into words: on spaces, and on punctuation too when spacing is folded.
        var words: [[Unicode.Scalar]] = [[]]
        for s in scalars {
            let isBreak = s == " " || (rules.contains(.spacing) && !isLetterOrDigit(s))
            if isBreak {
                if !words[words.count - 1].isEmpty { words.append([]) }
            } else {
                words[words.count - 1].append(s)
            }
        }
        var out: [String] = []
        for var word in words where !word.isEmpty {
            if rules.contains(.article), word.count >= 4, word[0] == "ا", word[1] == "ل" {
                word.removeFirst(2)
            }
            // `عبدالكريم` is `عبد الكريم` written as one word: its article goes the same way.
            if rules.contains(.article), word.count >= 7, Array(word[0..<5]) == ["ع", "ب", "د", "ا", "ل"] {
                word.removeSubrange(3..<5)
            }
            word = word.compactMap { s -> Unicode.Scalar? in
                switch s {
                case "ة" where rules.contains(.taMarbuta): return "ه"
                case "ى" where rules.contains(.alefMaqsura): return "ي"
                case "ؤ" where rules.contains(.hamzaCarrier): return "و"
                case "ئ" where rules.contains(.hamzaCarrier): return "ي"
                case "ء" where rules.contains(.hamzaCarrier): return nil
                default: return s
                }
            }
            if rules.contains(.finalYa), word.count >= 3, word[word.count - 2] == "ي",
                ["ة", "ه"].contains(word[word.count - 1])
            {
                word[word.count - 1] = "ا"
            }
            out.append(String(String.UnicodeScalarView(word)))
        }
        return out.joined(separator: rules.contains(.spacing) ? "" : " ")
    }

    static func isLetterOrDigit(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || s.properties.numericType != nil
    }

    static func removingBrackets(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var depth = 0
        for s in scalars {
            switch s {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            default: if depth == 0 { out.append(s) }
            }
        }
        // A name that is nothing but a bracket keeps its content.
        return out.contains(where: isLetterOrDigit) ? out : scalars
    }
}
