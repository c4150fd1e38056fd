// swift-tools-version:6.0
import PackageDescription

// Modules by layer. The graph below draws imports (an arrow points at what a module imports);
// `swift build --explicit-target-dependency-import-check error` (ci/test.sh) makes the compiler
// refuse an import this file does not declare, and ci/check-layering.sh the rules it cannot say.
//
//   CMBenchCLI ─► PaperReproduction ─► Replay ─────────────┐
//       │              │                                   ▼
//       │              └──► DisaggregatedServing ──────► Serving ─► DiscreteEvent
//       │                        │                         ▲
//       │                        ▼                         │
//       │                    CostModel ─► SystemDescription │
//       │                                                  │
//       ├─► TraceFormats ─► ZstdStream, FileOutput, Serving ┘
//       ├─► ServingMetrics ─► Serving
//       └─► Reporting ─► FileOutput;  ResultsStore;  RegressionGate
//
//   AggregatedServing (the aggregated engine) sits beside DisaggregatedServing with the same
//   imports; CostModel imports DiscreteEvent for the seeded draws of MTPProgress.
//
//   Digest (SHA-256 and a file's recorded digest) sits below them all: TraceFormats hashes the
//   trace with it; SystemDescription, Serving, ResultsStore, RegressionGate and CMBenchCLI
//   record and compare the configuration files' digests.
//
// The paper's results are read only by PaperReproduction, above the cost model and the serving
// simulation: nothing that computes a prediction can import them.
let package = Package(
    name: "cmbench",
    // Synchronization's `Mutex` and `Atomic` are available from macOS 15 (the Swift 6.0 runtime).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cmbench", targets: ["cmbench"]),
        .library(
            name: "CMBench",
            targets: [
                "Digest", "DiscreteEvent", "Serving", "FileOutput", "ZstdStream", "TraceFormats", "Replay", "ServingMetrics",
                "SystemDescription", "CostModel", "DisaggregatedServing", "AggregatedServing", "Planning", "PaperReproduction", "Reporting", "ResultsStore",
                "RegressionGate", "LiveEndpoint", "CMBenchCLI",
            ]),
    ],
    targets: [
        // C system libraries. `providers` only prints a hint; ci/setup.sh installs them.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // SHA-256, for the checksums every output records (no I/O: it hashes what it is given).
        .target(name: "Digest", dependencies: ["COpenSSL"]),

        // The simulation's core, without I/O: the discrete-event kernel, the backend protocol with
        // requests and outcomes, metrics, and the replayer that drives a backend with a trace.
        .target(name: "DiscreteEvent"),
        .target(name: "Serving", dependencies: ["DiscreteEvent", "Digest"]),
        .target(name: "ServingMetrics", dependencies: ["Serving", "DiscreteEvent"]),
        .target(name: "Replay", dependencies: ["DiscreteEvent", "Serving"]),

        // The system, in layers: its description (hardware, model and deployment files, loaded
        // and validated: reads files), the cost model (operators, decode step, prefill batch,
        // overlap schedules: no I/O), the serving simulation (the disaggregated backend:
        // scheduler, pools, EMS cache, KV transfer; its registry entry loads the description),
        // and the paper's reproduction on top, which drives the real replayer.
        .target(name: "SystemDescription", dependencies: ["Digest"]),
        .target(name: "CostModel", dependencies: ["SystemDescription", "DiscreteEvent"]),
        .target(name: "DisaggregatedServing", dependencies: ["SystemDescription", "CostModel", "Serving", "DiscreteEvent"]),
        // The aggregated engine beside it (continuous batching, chunked prefill, KV blocks,
        // prefix caching, preemption), timed through the cost model's `IterationTiming`.
        // Optimised in debug builds too: `reproduce`'s AG rows replay ~110 M decode steps, which
        // take ~3 s optimised and ~90 s without, in every test and CI step that runs reproduce.
        // Asserts stay on (-assert-config Debug); floating point is IEEE either way, so outputs
        // are the release build's, byte for byte.
        .target(
            name: "AggregatedServing", dependencies: ["SystemDescription", "CostModel", "Serving", "DiscreteEvent"],
            swiftSettings: [.unsafeFlags(["-O", "-assert-config", "Debug"], .when(configuration: .debug))]),
        // The planner: the deployment space around a system's files, replays of a trace held
        // in memory, the search for the cheapest deployment meeting SLOs, capacity and frontiers.
        .target(
            name: "Planning",
            dependencies: ["SystemDescription", "DisaggregatedServing", "Serving", "ServingMetrics", "Replay", "DiscreteEvent"]),
        .target(
            name: "PaperReproduction",
            dependencies: ["SystemDescription", "CostModel", "DisaggregatedServing", "Serving", "DiscreteEvent", "Replay"]),

        // The live `openai` backend: the same trace and metrics against a real OpenAI-compatible
        // server on the wall clock (synthetic prompts, streaming HTTP through libcurl's multi
        // interface, or URLSession).
        .target(name: "LiveEndpoint", dependencies: ["Replay", "Serving", "ServingMetrics", "DiscreteEvent", "CCurl"]),

        // I/O at the edges.
        .target(name: "FileOutput"),
        .target(name: "ZstdStream", dependencies: ["CZstd"]),
        .target(name: "TraceFormats", dependencies: ["Digest", "ZstdStream", "Serving", "DiscreteEvent", "FileOutput"]),
        .target(name: "Reporting", dependencies: ["FileOutput"]),
        .target(name: "ResultsStore", dependencies: ["CSQLite", "Digest"]),
        .target(name: "RegressionGate", dependencies: ["Digest"]),

        // The command line: a library (testable in-process) and a few-line executable.
        .target(
            name: "CMBenchCLI",
            dependencies: [
                "TraceFormats", "Replay", "Serving", "ServingMetrics", "SystemDescription", "CostModel",
                "DisaggregatedServing", "AggregatedServing", "Planning", "PaperReproduction", "DiscreteEvent", "ZstdStream", "FileOutput", "Reporting",
                "ResultsStore", "RegressionGate", "Digest", "LiveEndpoint",
            ],
            // The source revision and toolchain every output records, stamped before each build.
            plugins: ["BuildStamp"]),
        .plugin(name: "BuildStamp", capability: .buildTool()),
        .executableTarget(name: "cmbench", dependencies: ["CMBenchCLI"]),

        // Tests: one target per module, plus shared helpers.
        .target(name: "CMBenchTestSupport", dependencies: ["Serving", "SystemDescription"], path: "Tests/CMBenchTestSupport"),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(name: "DiscreteEventTests", dependencies: ["DiscreteEvent", "CMBenchTestSupport"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Digest", "CMBenchTestSupport"]),
        .testTarget(name: "FileOutputTests", dependencies: ["FileOutput", "CMBenchTestSupport"]),
        .testTarget(name: "ZstdStreamTests", dependencies: ["ZstdStream", "CZstd", "CMBenchTestSupport"]),
        .testTarget(
            name: "TraceFormatsTests", dependencies: ["TraceFormats", "Digest", "ZstdStream", "CMBenchTestSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Serving", "CMBenchTestSupport"]),
        .testTarget(name: "ServingMetricsTests", dependencies: ["ServingMetrics", "CMBenchTestSupport"]),
        .testTarget(name: "SystemDescriptionTests", dependencies: ["SystemDescription", "Digest", "CMBenchTestSupport"]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel", "SystemDescription", "DiscreteEvent", "CMBenchTestSupport"]),
        .testTarget(
            name: "DisaggregatedServingTests",
            dependencies: [
                "DisaggregatedServing", "SystemDescription", "CostModel", "CMBenchTestSupport", "Replay", "TraceFormats",
                "ServingMetrics", "Serving", "DiscreteEvent",
            ]),
        .testTarget(
            name: "AggregatedServingTests",
            dependencies: [
                "AggregatedServing", "SystemDescription", "CostModel", "CMBenchTestSupport", "Replay", "TraceFormats", "Serving",
                "DiscreteEvent",
            ]),
        .testTarget(
            name: "PaperReproductionTests",
            dependencies: [
                "PaperReproduction", "DisaggregatedServing", "SystemDescription", "CostModel", "CMBenchTestSupport", "Serving",
                "DiscreteEvent",
            ]),
        .testTarget(
            name: "PlanningTests",
            dependencies: [
                "Planning", "SystemDescription", "DisaggregatedServing", "Serving", "ServingMetrics", "DiscreteEvent", "TraceFormats",
                "CMBenchTestSupport",
            ]),
        .testTarget(
            name: "LiveEndpointTests",
            dependencies: ["LiveEndpoint", "Replay", "Serving", "ServingMetrics", "DiscreteEvent", "CMBenchTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "RegressionGateTests", dependencies: ["RegressionGate", "Digest", "CMBenchTestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "CMBenchTestSupport"]),
        .testTarget(name: "ResultsStoreTests", dependencies: ["ResultsStore", "Digest", "CMBenchTestSupport"]),
        .testTarget(
            name: "CMBenchCLITests",
            dependencies: ["CMBenchCLI", "CMBenchTestSupport", "TraceFormats", "ZstdStream", "ResultsStore", "Digest"]),
    ]
)
