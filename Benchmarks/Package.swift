// swift-tools-version: 6.1
// Micro-benchmarks (ordo-one/benchmark), kept in their own package so the main build
// and CI do not compile the benchmark harness. Run with scripts/bench.
import PackageDescription

let package = Package(
    name: "BayanBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Bayan", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "NameBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ArabicText", package: "Bayan"),
                .product(name: "BayanCore", package: "Bayan"),
                .product(name: "BayanDocument", package: "Bayan"),
                .product(name: "BayanStore", package: "Bayan"),
                .product(name: "BayanWeb", package: "Bayan"),
            ],
            path: "Benchmarks/NameBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")])
    ],
    swiftLanguageModes: [.v6]
)
