import ArabicText
import BayanCore
import BayanDocument
import BayanStore
import BayanWeb
import Benchmark
import Foundation

/// A statement document with `n` organisations, in the canonical format.
func document(organisations n: Int) -> String {
    var out = "# بيان مشترك للتضامن\n\nنحن الموقّعين أدناه نعلن تضامننا الكامل.\n\nونطالب بالإفراج عن المعتقلين.\n\n"
    for i in 0..<n { out += "- \(i + 1) - \(names[i % names.count]) \(i)\n" }
    return out
}

/// A published statement with 65 founding signatories and `individuals` endorsers on the
/// rendered page (one page of 500 names, the totals counting all of them).
func snapshot(individuals: Int) -> StatementSnapshot {
    let version = StatementVersion(
        number: 1, language: "ar", title: "بيان مشترك", body: "نص البيان.\n\nفقرة ثانية.",
        author: "bench", createdAt: Date())
    let founding = (0..<65).map { i in
        Endorsement(
            id: "f\(i)", organizationID: "o\(i)", displayName: names[i], versionHash: version.contentHash,
            state: .approved, founding: true, number: i + 1, createdAt: Date())
    }
    let shown = (0..<min(500, individuals)).map { i in
        Endorsement(
            id: "i\(i)", signerKind: .individual, displayName: "مؤيد رقم \(i)", place: "برلين",
            versionHash: version.contentHash, state: .confirmed, createdAt: Date())
    }
    return StatementSnapshot(
        statement: StatementRecord(
            id: "s", slug: "joint", state: .published, language: "ar", foundingOrder: .arabic,
            createdAt: Date(), publishedAt: Date()),
        version: version, signatories: founding, later: [],
        individuals: IndividualPage(total: individuals, shown: individuals, offset: 0, items: shown))
}

let documentBenchmarks: @Sendable () -> Void = {
    let small = document(organisations: 65)
    let large = document(organisations: 5_000)
    Benchmark("import document, 65 organisations") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try DocumentParser.parse(small)) }
    }
    Benchmark("import document, 5,000 organisations") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try DocumentParser.parse(large)) }
    }
    let tenK = snapshot(individuals: 10_000)
    let hundredK = snapshot(individuals: 100_000)
    Benchmark("render public page, 10k endorsers") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(tenK.renderHTML()) }
    }
    Benchmark("render public page, 100k endorsers") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(hundredK.renderHTML()) }
    }
}
