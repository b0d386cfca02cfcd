/// A word-level difference between two texts, for coordinators comparing versions.
public enum WordDiff {
    public enum Change: Equatable, Sendable {
        case same(String), added(String), removed(String)
    }

    /// Above this many token pairs (after the common start and end are set aside) the
    /// middle is compared line by line instead, and above it again replaced whole: a diff
    /// of two maximum-size texts stays within a second and linear memory (issue 12).
    public static let pairLimit = 4_000_000

    /// A longest common subsequence over words (white space kept with the word before it),
    /// found in linear space (Hirschberg), with adjacent changes of one kind merged. Ties
    /// put a removal before an addition.
    public static func diff(_ old: String, _ new: String) -> [Change] {
        var out: [Change] = []
        func push(_ c: Change) {
            switch (out.last, c) {
            case (.same(let x)?, .same(let y)): out[out.count - 1] = .same(x + y)
            case (.added(let x)?, .added(let y)): out[out.count - 1] = .added(x + y)
            case (.removed(let x)?, .removed(let y)): out[out.count - 1] = .removed(x + y)
            default: out.append(c)
            }
        }
        let a = tokens(old)
        let b = tokens(new)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        for t in a[..<prefix] { push(.same(t)) }
        let middleA = Array(a[prefix..<(a.count - suffix)])
        let middleB = Array(b[prefix..<(b.count - suffix)])
        if middleA.count * middleB.count <= pairLimit {
            for c in align(middleA, middleB) { push(c) }
        } else {
            let linesA = lines(middleA.joined())
            let linesB = lines(middleB.joined())
            if linesA.count * linesB.count <= pairLimit {
                for c in align(linesA, linesB) { push(c) }
            } else {
                push(.removed(middleA.joined()))
                push(.added(middleB.joined()))
            }
        }
        for t in a[(a.count - suffix)...] { push(.same(t)) }
        return out.filter {
            switch $0 {
            case .same(let s), .added(let s), .removed(let s): !s.isEmpty
            }
        }
    }

    /// The changes that turn `a` into `b`, by Hirschberg's divide and conquer: two rows of
    /// LCS lengths at a time instead of the whole table.
    static func align(_ a: [String], _ b: [String]) -> [Change] {
        var ids: [String: Int] = [:]
        func id(_ t: String) -> Int {
            if let v = ids[t] { return v }
            ids[t] = ids.count
            return ids.count - 1
        }
        let xs = a.map(id)
        let y = b.map(id)
        var out: [Change] = []
        func run(_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) {
            if i0 == i1 {
                for j in j0..<j1 { out.append(.added(b[j])) }
                return
            }
            if j0 == j1 {
                for i in i0..<i1 { out.append(.removed(a[i])) }
                return
            }
            if i1 - i0 == 1 {
                if let k = (j0..<j1).first(where: { y[$0] == xs[i0] }) {
                    for j in j0..<k { out.append(.added(b[j])) }
                    out.append(.same(a[i0]))
                    for j in (k + 1)..<j1 { out.append(.added(b[j])) }
                } else {
                    out.append(.removed(a[i0]))
                    for j in j0..<j1 { out.append(.added(b[j])) }
                }
                return
            }
            let mid = (i0 + i1) / 2
            let forward = lengths(xs[i0..<mid], y[j0..<j1])
            let backward = lengths(xs[mid..<i1].reversed(), y[j0..<j1].reversed())
            var split = j0
            var best = -1
            for k in 0...(j1 - j0) where forward[k] + backward[j1 - j0 - k] > best {
                best = forward[k] + backward[j1 - j0 - k]
                split = j0 + k
            }
            run(i0, mid, j0, split)
            run(mid, i1, split, j1)
        }
        run(0, a.count, 0, b.count)
        return out
    }

    /// The last row of the LCS-length table of `a` against every prefix of `b`.
    static func lengths<A: Collection<Int>, B: Collection<Int>>(_ a: A, _ b: B) -> [Int] {
        let b = Array(b)
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for j in 0..<b.count {
                current[j + 1] = x == b[j] ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous
    }

    static func lines(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in s {
            current.append(c)
            if c == "\n" {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func tokens(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inSpace = false
        for c in s {
            if c.isWhitespace {
                inSpace = true
                current.append(c)
            } else {
                if inSpace {
                    out.append(current)
                    current = ""
                    inSpace = false
                }
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
