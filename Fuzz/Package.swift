// swift-tools-version: 6.1
// libFuzzer targets (issue 12), in their own package so the main build never links an
// executable without `main`. Built and run by scripts/fuzz with `-sanitize=fuzzer`; each
// target checks properties of its code, not only that it does not crash. Seed corpora
// are in Fuzz/Corpus/<target>.
import PackageDescription

let targets = ["FuzzDocument", "FuzzMarkdown", "FuzzCSV", "FuzzNames", "FuzzForm"]

let package = Package(
    name: "BayanFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Bayan", path: ".."),
        // The web's form decoder (FuzzForm); the same version the main package resolves.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [.target(name: "FuzzSupport")]
        + targets.map { name in
            .executableTarget(
                name: name,
                dependencies: [
                    "FuzzSupport",
                    .product(name: "ArabicText", package: "Bayan"),
                    .product(name: "BayanCore", package: "Bayan"),
                    .product(name: "BayanDocument", package: "Bayan"),
                ] + (name == "FuzzForm" ? [.product(name: "Hummingbird", package: "hummingbird")] : []))
        },
    swiftLanguageModes: [.v6]
)
