// swift-tools-version:6.1
// Zamin: land and property information server. Module map and import rules: README.md, "Architecture".
import PackageDescription

// The upcoming features Hummingbird's own Package.swift enables: an `any P` and its cost are visible,
// a file uses only what it imports, and no module re-exports by accident.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "zamin",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zamin", targets: ["zamin"]),
    ],
    dependencies: [
        // A range, not a pin: what Zamin relies on beyond Hummingbird's documented API is where its
        // HTTP/1 pipeline puts `additionalChannelHandlers` (between NIO's codec and Hummingbird's
        // handler, so that our handlers see every request part and every answer part, the
        // router's included); InlineAnswerTests fails loudly if an upgrade moves them.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // Already in the graph through Hummingbird; named so tests can read ByteBuffers as Data.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through Hummingbird; named for the HTTP part types of LandAPI's
        // InlineAnswerHandler, a channel handler in Hummingbird's HTTP/1 pipeline.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Observability (issue 15): metrics through swift-metrics' API, exposed in Prometheus's text
        // format by swift-prometheus; swift-metrics is already in the graph through Hummingbird.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Already in the graph through Hummingbird; named to run the metrics listener beside the
        // public one in one ServiceGroup.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // PostgreSQL + PostGIS as the store of several nodes (issue 17): the wire protocol, LISTEN and
        // NOTIFY; LandStore alone imports it, as it alone imports SQLite.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev", "libsqlite3-mod-spatialite"])]),
        .systemLibrary(name: "CProj", providers: [.apt(["libproj-dev"])]),
        // zlib for gzip responses: Debian's zlib1g-dev, no extra Swift package to resolve.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Gzip", dependencies: ["CZlib"], swiftSettings: swiftSettings),

        // Pure Swift, no dependencies: geometry and the spatial index.
        .target(name: "GeoCore", swiftSettings: swiftSettings),
        .target(name: "SpatialIndex", swiftSettings: swiftSettings),
        // Citizens' photos: type read from the bytes, metadata (EXIF GPS, serials, XMP) dropped (issue 20).
        .target(name: "Photos", swiftSettings: swiftSettings),

        // Sealed bids of tenders (issue 21 point 3): HPKE (RFC 9180) to the tender's key, whose
        // private half exists only as Shamir shares over GF(256) until k committee members open it.
        .target(name: "SealedBids", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),

        // Restaurant inspections in Yelp's LIVES 1.0 feed format, read strictly (issue 21 point 1).
        .target(name: "Inspections", swiftSettings: swiftSettings),

        .target(name: "GeoFormats", dependencies: ["GeoCore"], swiftSettings: swiftSettings),
        // Mapbox Vector Tiles 2.1 in WebMercatorQuad: projection, clipping, protobuf (issue 19).
        .target(name: "VectorTiles", dependencies: ["GeoCore"], swiftSettings: swiftSettings),
        .target(name: "LandModel", dependencies: ["GeoCore"], swiftSettings: swiftSettings),
        // CQL2 (OGC 21-065) text and JSON into one expression tree; compiled against a layer in LandService.
        .target(name: "CQL2", dependencies: ["GeoFormats"], swiftSettings: swiftSettings),
        .target(name: "GeoProjection", dependencies: ["CProj", "GeoCore"], swiftSettings: swiftSettings),
        .target(
            name: "LandStore",
            dependencies: [
                "CSQLite", "LandModel", "GeoFormats", "GeoCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "LandService",
            dependencies: [
                "LandStore", "SpatialIndex", "GeoProjection", "LandModel", "GeoFormats", "GeoCore", "CQL2", "VectorTiles", "Photos", "SealedBids", "Inspections",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "LandAPI",
            dependencies: [
                "LandService", "LandModel", "GeoFormats", "GeoCore", "Gzip", "CQL2", "VectorTiles", "Inspections",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // SocketAddress of the client, for the rate limit of public POSTs.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "zamin",
            dependencies: [
                "LandAPI", "LandService", "LandModel", "LandStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // `zamin serve` bootstraps swift-metrics' global factory with the Prometheus registry.
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
        // Benchmarks: an executable nothing imports (`swift run -c release zamin-bench`).
        .executableTarget(
            name: "zamin-bench",
            dependencies: ["GeoCore", "SpatialIndex", "GeoFormats"],
            swiftSettings: swiftSettings),

        // Test helpers: GeoData fixtures, seeded RNG, brute-force oracles, temp stores.
        .target(
            name: "TestSupport",
            dependencies: [
                "GeoCore", "GeoFormats", "LandModel", "LandService",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "GeoCoreTests", dependencies: ["GeoCore", "GeoProjection", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "GeoProjectionTests", dependencies: ["GeoProjection", "GeoCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CQL2Tests", dependencies: ["CQL2"], swiftSettings: swiftSettings),
        .testTarget(name: "VectorTilesTests", dependencies: ["VectorTiles", "GeoCore"], swiftSettings: swiftSettings),
        .testTarget(name: "PhotosTests", dependencies: ["Photos"], swiftSettings: swiftSettings),
        .testTarget(name: "InspectionsTests", dependencies: ["Inspections"], swiftSettings: swiftSettings),
        .testTarget(name: "SealedBidsTests", dependencies: ["SealedBids", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .testTarget(name: "LandModelTests", dependencies: ["LandModel"], swiftSettings: swiftSettings),
        .testTarget(name: "SpatialIndexTests", dependencies: ["SpatialIndex", "GeoCore", "GeoFormats", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "GeoFormatsTests", dependencies: ["GeoFormats", "GeoCore", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LandStoreTests", dependencies: ["LandStore", "LandModel", "GeoCore", "GeoFormats", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LandServiceTests", dependencies: ["LandService", "LandStore", "LandModel", "GeoCore", "GeoFormats", "SpatialIndex", "Inspections", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LandAPITests",
            dependencies: [
                "LandAPI", "LandService", "LandModel", "GeoCore", "GeoProjection", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),
    ]
)
