import DiscreteEvent
import Serving
import SystemDescription
import CostModel
import DisaggregatedServing
import Replay

/// The paper's serving-level setups that need the serving layer — R12 (EMS context caching)
/// and R16 (model loading) — evaluated through the backend and the model-loading model, so
/// that `cmbench reproduce` can set them beside `results/reference/cloudmatrix-paper.json`.
///
/// The paper's values are never inputs: `evaluateContextCaching` and `ModelLoadingModel` read
/// only configuration, and `compare` reads the reference file only to place the paper's value
/// beside the model's.
package enum ServingReference {
    /// One prefill batch of the R12 sweep.
    package struct ContextCachingPoint: Sendable, Equatable {
        /// nil = EMS off.
        package var link: ServingDeploymentSettings.CacheLink?
        /// The reuse asked for, and the reuse the blocks give (whole blocks).
        package var requestedReuse: Double
        package var achievedReuse: Double
        /// Time to first token of every request in the batch (all arrive together).
        package var ttftSeconds: Double
        /// Prompt tokens (cached ones included) per second per NPU.
        package var prefillTokensPerSecondPerNPU: Double
    }

    /// The R12 sweep and the ratios the paper reports.
    package struct ContextCachingSweep: Sendable, Equatable {
        package var noCache: ContextCachingPoint
        /// UB and VPC points at each requested reuse, in `reuses` order.
        package var ub: [ContextCachingPoint]
        package var vpc: [ContextCachingPoint]
        package var reuses: [Double]

        func point(_ list: [ContextCachingPoint], _ reuse: Double) -> ContextCachingPoint {
            list[reuses.firstIndex(of: reuse)!]
        }
        /// Throughput at 50 % reuse over 12.5 % (EMS over UB).
        package var throughputGain50Over12: Double {
            point(ub, 0.5).prefillTokensPerSecondPerNPU / point(ub, 0.125).prefillTokensPerSecondPerNPU
        }
        /// Throughput at 90 % reuse over no EMS.
        package var throughputGain90OverNone: Double {
            point(ub, 0.9).prefillTokensPerSecondPerNPU / noCache.prefillTokensPerSecondPerNPU
        }
        /// The largest UB-over-VPC throughput ratio over the reuse rates.
        package var maxUBOverVPC: Double {
            zip(ub, vpc).map { $0.prefillTokensPerSecondPerNPU / $1.prefillTokensPerSecondPerNPU }.max() ?? 1
        }
        /// TTFT change with EMS over UB against no caching, in % and in ms.
        package func ttftChangePercent(reuse: Double) -> Double {
            (point(ub, reuse).ttftSeconds - noCache.ttftSeconds) / noCache.ttftSeconds * 100
        }
        package func ttftChangeMilliseconds(reuse: Double) -> Double {
            (point(ub, reuse).ttftSeconds - noCache.ttftSeconds) * 1e3
        }
    }

    /// Runs the paper's EMS setup (§5.4.3: 4K-token inputs, a batch of the deployment's tokens
    /// per NPU on one prefill instance) through `CloudMatrixBackend` in prefill phase: a warm-up
    /// batch stores each prompt's blocks, then a batch whose prompts share a leading fraction
    /// `reuse` of their blocks with them arrives and is timed. Blocks are 32 tokens so that the
    /// reuse rates fall on whole blocks (12.5 % and 50 % exactly, 90 % as 115 of 128 blocks).
    package static func evaluateContextCaching(
        system: SystemConfiguration, serving: ServingSystemParameters,
        reuses: [Double] = [0.125, 0.5, 0.9], promptTokens: Int = 4096, blockTokens: Int = 32
    ) throws(ConfigError) -> ContextCachingSweep {
        func run(link: ServingDeploymentSettings.CacheLink?, reuse: Double) throws(ConfigError) -> ContextCachingPoint {
            var settings = ServingDeploymentSettings(system: system, serving: serving)
            settings.phase = .prefill
            settings.prefillInstances = 1
            settings.emsEnabled = link != nil
            settings.emsLink = link ?? .ub
            let resolved = try ResolvedServingSystem(system: system, serving: serving, settings: settings)
            let backend = CloudMatrixBackend(resolved, generator: SeededGenerator(seed: 0))
            let perBatch = max(resolved.prefillTokenBudget / promptTokens, 1)
            let blocks = (promptTokens + blockTokens - 1) / blockTokens
            let shared = Int((reuse * Double(blocks)).rounded())
            var id = 0
            func request(_ hashes: [UInt64], at time: SimTime) -> ServingRequest {
                defer { id += 1 }
                return ServingRequest(
                    id: id, arrival: time, inputTokens: promptTokens, outputTokens: 1, prefixBlockHashes: hashes,
                    prefixBlockTokens: blockTokens, origin: InputLocation(file: "R12", line: id + 1))
            }
            let warm = (0..<perBatch).map { i in
                request((0..<blocks).map { UInt64(i * blocks + $0) }, at: .zero)
            }
            let later = SimTime(nanoseconds: 3_600_000_000_000)
            let fresh = UInt64(perBatch * blocks)
            let timed = (0..<perBatch).map { i in
                request((0..<blocks).map { $0 < shared ? UInt64(i * blocks + $0) : fresh + UInt64(i * blocks + $0) }, at: later)
            }
            // Through the replayer a user's trace goes through: the two waves in arrival order.
            var source = InMemoryRequestSource(warm + timed)
            var recorder = InMemoryRecorder()
            var replayer = Replayer(backend: backend)
            _ = replayer.run(source: &source, recorder: &recorder)
            let measured = recorder.outcomes.filter { $0.arrival == later }
            let ttft = measured.map { ($0.firstToken! - $0.arrival).seconds }.max() ?? 0
            let cached = measured.reduce(0) { $0 + $1.cachedPrefixTokens }
            let npus = system.deployment.prefill.npus
            return ContextCachingPoint(
                link: link, requestedReuse: link == nil ? 0 : reuse,
                achievedReuse: Double(cached) / Double(perBatch * promptTokens), ttftSeconds: ttft,
                prefillTokensPerSecondPerNPU: Double(perBatch * promptTokens) / Double(npus) / ttft)
        }
        var ub: [ContextCachingPoint] = [], vpc: [ContextCachingPoint] = []
        for reuse in reuses {
            ub.append(try run(link: .ub, reuse: reuse))
            vpc.append(try run(link: .vpc, reuse: reuse))
        }
        return ContextCachingSweep(noCache: try run(link: nil, reuse: 0), ub: ub, vpc: vpc, reuses: reuses)
    }

    /// Model values for the R12 and R16 reference ids (`R12a`…, `R16a`…). R12 needs the
    /// deployment's EMS pool and R16 its model caching too; rows a deployment cannot evaluate
    /// (a GPU deployment has neither) are left out.
    package static func modelValues(system: SystemConfiguration, serving: ServingSystemParameters) throws(ConfigError)
        -> [String: (value: Double, note: String)]
    {
        var values: [String: (value: Double, note: String)] = [:]
        if serving.ems != nil {
            let sweep = try evaluateContextCaching(system: system, serving: serving)
            let note12 = "prefill phase through CloudMatrixBackend, 1 instance, 4K prompts, 32-token blocks"
            values["R12a"] = (sweep.throughputGain50Over12, note12)
            values["R12b"] = (sweep.throughputGain90OverNone, note12 + "; 90 % = 115 of 128 blocks")
            values["R12c"] = (sweep.maxUBOverVPC, note12 + "; largest over 12.5/50/90 %")
            values["R12d"] = (sweep.ttftChangePercent(reuse: 0.5), note12)
            values["R12e"] = (sweep.ttftChangePercent(reuse: 0.9), note12)
            values["R12f"] = (sweep.ttftChangeMilliseconds(reuse: 0.5), note12)
            values["R12g"] = (sweep.ttftChangeMilliseconds(reuse: 0.9), note12)
        }
        if let load = ModelLoadingModel.predict(system: system, serving: serving) {
            values["R16a"] = (load.noCache.coldStartSeconds, "8 instances share one OBS bucket")
            values["R16b"] = (load.localDRAM.coldStartSeconds, "8 instances share one OBS bucket")
            values["R16c"] = (load.ems.coldStartSeconds, "one copy from OBS into the pool")
            values["R16d"] = (load.localDRAM.warmStartSeconds ?? 0, "node DRAM to HBM over the CPUs' UB ports")
            values["R16e"] = (load.ems.warmStartSeconds ?? 0, "pool DRAM to HBM, limited by the dies' UB reads")
            values["R16f"] = (load.noCache.switchLatencySeconds, "one instance alone on OBS")
            values["R16g"] = (load.localDRAM.switchLatencySeconds, "hit rate x warm + miss rate x OBS")
            values["R16h"] = (load.ems.switchLatencySeconds, "hit rate x warm + miss rate x OBS")
            values["R16i"] = (load.localDRAM.switchHitRate * 100, "models kept per node / distinct models")
            values["R16j"] = (load.ems.switchHitRate * 100, "whole models the pool holds / distinct models")
            values["R16k"] = (load.localDRAM.dramCopiesOfModel, "one local copy per instance")
            values["R16l"] = (load.ems.dramCopiesOfModel, "one shared copy")
        }
        return values
    }

    /// Comparison rows for the R12 and R16 points of the reference file, all predictions
    /// (tolerance ±15 %, the band of the serving-system points in README "Model vs paper").
    package static func compare(
        system: SystemConfiguration, serving: ServingSystemParameters, reference: [ReferencePoint]
    ) throws(ConfigError) -> [ComparisonRow] {
        let values = try modelValues(system: system, serving: serving)
        return reference.compactMap { point in
            guard let (value, note) = values[point.id] else { return nil }
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: value, role: .prediction,
                tolerancePercent: 15, note: note)
        }
    }
}
