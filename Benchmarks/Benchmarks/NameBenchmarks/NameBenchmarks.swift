import ArabicText
import Benchmark

/// 100,000 generated organisation names: kinds × fields × cities × suffixes, with the
/// article, hamza forms, diacritics and some Latin names, deterministic for every run.
let names: [String] = {
    let kinds = ["نقابة", "الاتحاد العام", "رابطة", "مجلس", "جمعية", "مؤسسة", "تجمع", "المركز", "شبكة", "منتدى", "لجنة", "هيئة"]
    let fields = [
        "المعلمين", "العمال", "الأطباء", "المحامين", "الصحفيين", "الفلاحين", "المهندسين", "الطلبة", "النساء", "الكتّاب",
        "الفنانين", "الصيادلة", "المهجّرين", "الشباب", "أهالي المعتقلين", "ذوي الإعاقة", "السائقين", "البنائين",
    ]
    let cities = [
        "حلب", "إدلب", "دمشق", "حمص", "حماة", "اللاذقية", "درعا", "السويداء", "الرقة", "دير الزور", "القامشلي",
        "طرطوس", "بانياس", "منبج", "عفرين", "جرابلس", "غازي عنتاب", "إسطنبول", "برلين", "باريس", "بيروت", "عمّان",
    ]
    var rng = SplitMix(seed: 42)
    return (0..<100_000).map { i in
        if i % 50 == 0 { return "Association \(i) of Syrian Workers" }
        let k = kinds[Int(rng.next() % UInt64(kinds.count))]
        let f = fields[Int(rng.next() % UInt64(fields.count))]
        let c = cities[Int(rng.next() % UInt64(cities.count))]
        return "\(k) \(f) في \(c) \(i % 997)"
    }
}()

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(20), maxIterations: 5)

    Benchmark("sort 100k names (Arabic order)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(ArabicText.sorted(names))
        }
    }

    Benchmark("duplicate candidates among 100k names") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(DuplicateFinder.candidates(in: names))
        }
    }

    Benchmark("sort 100k names by code point (baseline)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(names.sorted())
        }
    }

    documentBenchmarks()
}
