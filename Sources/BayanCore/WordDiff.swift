/// A word-level difference between two texts, for coordinators comparing versions.
public enum WordDiff {
    public enum Change: Equatable, Sendable {
        case same(String), added(String), removed(String)
    }

    /// Longest-common-subsequence over words (white space kept with the word before it),
    /// with adjacent changes of one kind merged.
    public static func diff(_ old: String, _ new: String) -> [Change] {
        let a = tokens(old)
        let b = tokens(new)
        let n = a.count
        let m = b.count
        var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [Change] = []
        func push(_ c: Change) {
            switch (out.last, c) {
            case (.same(let x)?, .same(let y)): out[out.count - 1] = .same(x + y)
            case (.added(let x)?, .added(let y)): out[out.count - 1] = .added(x + y)
            case (.removed(let x)?, .removed(let y)): out[out.count - 1] = .removed(x + y)
            default: out.append(c)
            }
        }
        var i = 0
        var j = 0
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] {
                push(.same(a[i]))
                i += 1
                j += 1
            } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
                push(.added(b[j]))
                j += 1
            } else {
                push(.removed(a[i]))
                i += 1
            }
        }
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
