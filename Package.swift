// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Bayan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bayan", targets: ["bayan"]),
        .executable(name: "bayan-verify", targets: ["bayan-verify"]),
        .library(name: "ArabicText", targets: ["ArabicText"]),
        .library(name: "BayanCore", targets: ["BayanCore"]),
        .library(name: "BayanDocument", targets: ["BayanDocument"]),
        .library(name: "BayanStore", targets: ["BayanStore"]),
        .library(name: "BayanApp", targets: ["BayanApp"]),
        .library(name: "BayanWeb", targets: ["BayanWeb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // The API's server code is generated from Sources/BayanAPI/openapi.yaml once and
        // committed (scripts/generate-openapi); only the runtime and transport are built.
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        // Webhook deliveries (issue 17) need an HTTP client with TLS, timeouts and redirects
        // turned off; the stack had none, and hand-writing HTTP/1.1 over NIO is what this does.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(name: "ArabicText"),
        .target(
            name: "BayanCore",
            dependencies: [
                "ArabicText",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "BayanDocument", dependencies: ["BayanCore", "ArabicText"]),
        // The offline verifier alone (issue 13): BayanCore and swift-crypto, nothing else.
        .executableTarget(name: "bayan-verify", dependencies: ["BayanCore"]),
        .target(
            name: "BayanStore",
            dependencies: [
                "BayanCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .target(
            name: "BayanApp",
            dependencies: [
                "BayanCore", "BayanStore", "BayanDocument", "ArabicText",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        .target(
            name: "BayanMail",
            dependencies: [
                "BayanStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // Webhook deliveries (issue 17): the statement's log read past each hook's cursor,
        // POSTed signed to the receiver.
        .target(
            name: "BayanHooks",
            dependencies: [
                "BayanCore", "BayanStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]),
        // The described API (issue 17): handlers for the operations generated from
        // openapi.yaml, calling the application layer like every other edge.
        .target(
            name: "BayanAPI",
            dependencies: [
                "BayanCore", "BayanStore", "BayanApp",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ], exclude: ["openapi-generator-config.yaml"], resources: [.copy("openapi.yaml")]),
        .target(
            name: "BayanWeb",
            dependencies: [
                "BayanCore", "BayanStore", "BayanDocument", "BayanApp", "BayanMail", "BayanAPI", "BayanHooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The HTTP/1 pipeline below Hummingbird: cached pages, connection close.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ], resources: [.copy("Templates"), .copy("Translations"), .copy("Static")]),
        .executableTarget(
            name: "bayan",
            dependencies: [
                "BayanCore", "BayanStore", "BayanDocument", "BayanApp", "BayanWeb", "BayanMail", "ArabicText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "BayanTestSupport", dependencies: ["BayanStore"], path: "Tests/Support"),
        .testTarget(
            name: "ArabicTextTests",
            dependencies: [
                "ArabicText",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "BayanCoreTests", dependencies: ["BayanCore", "ArabicText"]),
        .testTarget(
            name: "BayanDocumentTests",
            dependencies: [
                "BayanDocument", "BayanCore", "BayanTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(name: "BayanStoreTests", dependencies: ["BayanStore", "BayanCore", "BayanDocument", "BayanTestSupport"]),
        .testTarget(name: "BayanAppTests", dependencies: ["BayanApp", "BayanStore", "BayanCore", "BayanTestSupport"]),
        .testTarget(
            name: "BayanWebTests",
            dependencies: [
                "BayanWeb", "BayanApp", "BayanStore", "BayanCore", "BayanDocument", "BayanTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "BayanMailTests", dependencies: ["BayanMail"]),
        .testTarget(name: "BayanCLITests", dependencies: ["BayanCore", "BayanDocument", "BayanStore", "BayanApp", "BayanTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
