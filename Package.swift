// swift-tools-version:6.0
import PackageDescription

// The folder tree is the architecture; imports flow inward (see README "Architecture"):
//   TraceFormats ─► Replay ─► ServingModel ◄─ DisaggregatedServing
//                                  │
//                                  ▼
//                           ServingMetrics ─► CMBenchCLI
let package = Package(
    name: "cmbench",
    // Synchronization's `Mutex` and `Atomic` are available from macOS 15 (the Swift 6.0 runtime).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cmbench", targets: ["cmbench"]),
        .library(
            name: "CMBench",
            targets: [
                "DiscreteEvent", "ServingModel", "FileOutput", "ZstdStream", "TraceFormats", "Replay",
                "ServingMetrics", "DisaggregatedServing", "Reporting", "ResultsStore", "RegressionGate", "CMBenchCLI",
            ]),
    ],
    targets: [
        // C system libraries. `providers` only prints a hint; ci/setup.sh installs them.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // Pure cores: no I/O.
        .target(name: "DiscreteEvent"),
        .target(name: "ServingModel", dependencies: ["DiscreteEvent"]),
        .target(name: "ServingMetrics", dependencies: ["ServingModel"]),
        .target(name: "Replay", dependencies: ["DiscreteEvent", "ServingModel"]),
        .target(name: "DisaggregatedServing", dependencies: ["DiscreteEvent", "ServingModel"]),
        .target(name: "RegressionGate"),

        // I/O at the edges.
        .target(name: "FileOutput"),
        .target(name: "ZstdStream", dependencies: ["CZstd"]),
        .target(name: "TraceFormats", dependencies: ["ZstdStream", "ServingModel", "DiscreteEvent", "FileOutput"]),
        .target(name: "Reporting", dependencies: ["FileOutput"]),
        .target(name: "ResultsStore", dependencies: ["CSQLite"]),

        // The command line: a library (testable in-process) and a few-line executable.
        .target(
            name: "CMBenchCLI",
            dependencies: [
                "TraceFormats", "Replay", "ServingModel", "ServingMetrics", "DisaggregatedServing",
                "DiscreteEvent", "ZstdStream", "FileOutput", "Reporting", "ResultsStore", "RegressionGate",
            ]),
        .executableTarget(name: "cmbench", dependencies: ["CMBenchCLI"]),

        // Tests: one target per module, plus shared helpers.
        .target(name: "CMBenchTestSupport", dependencies: ["ServingModel"], path: "Tests/CMBenchTestSupport"),
        .testTarget(name: "DiscreteEventTests", dependencies: ["DiscreteEvent", "CMBenchTestSupport"]),
        .testTarget(name: "ServingModelTests", dependencies: ["ServingModel", "CMBenchTestSupport"]),
        .testTarget(name: "FileOutputTests", dependencies: ["FileOutput", "CMBenchTestSupport"]),
        .testTarget(name: "ZstdStreamTests", dependencies: ["ZstdStream", "CZstd", "CMBenchTestSupport"]),
        .testTarget(
            name: "TraceFormatsTests", dependencies: ["TraceFormats", "ZstdStream", "CMBenchTestSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "ServingModel", "CMBenchTestSupport"]),
        .testTarget(name: "ServingMetricsTests", dependencies: ["ServingMetrics", "CMBenchTestSupport"]),
        .testTarget(
            name: "DisaggregatedServingTests",
            dependencies: ["DisaggregatedServing", "CMBenchTestSupport", "Replay", "TraceFormats", "ServingMetrics"]),
        .testTarget(name: "RegressionGateTests", dependencies: ["RegressionGate", "CMBenchTestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "CMBenchTestSupport"]),
        .testTarget(name: "ResultsStoreTests", dependencies: ["ResultsStore", "CMBenchTestSupport"]),
        .testTarget(
            name: "CMBenchCLITests",
            dependencies: ["CMBenchCLI", "CMBenchTestSupport", "TraceFormats", "ZstdStream", "ResultsStore"]),
    ]
)
