import CMBenchTestSupport
import DiscreteEvent
import Foundation
import Replay
import Serving
import Testing
@testable import DisaggregatedServing
import CostModel
import SystemDescription

@Suite struct ServingBackendTests {
    @Test func syntheticTraceConservesRequestsTokensAndMemory() throws {
        let requests = ServingHarness.conversations(count: 1500, meanGap: .milliseconds(20))
        let run = ServingHarness.replay(try ServingHarness.backend(), requests)
        ServingHarness.checkConservation(run, requests: requests)
        #expect(run.completed.count == requests.count)
        #expect(run.hitRate > 0 && run.hitRate <= ServingHarness.unboundedLeadingRunReuse(requests) + 1e-12)
    }

    @Test(arguments: ServingDeploymentSettings.Phase.allCases)
    func everyPhaseConserves(phase: ServingDeploymentSettings.Phase) throws {
        let requests = ServingHarness.conversations(count: 400, meanGap: .milliseconds(5))
        let run = ServingHarness.replay(try ServingHarness.backend { $0.phase = phase; $0.decodeBatchPerDie = 1; $0.decodeInstances = 1 }, requests)
        ServingHarness.checkConservation(run, requests: requests, phase: phase)
    }

    @Test func closedLoopDecodeTPOTIsTheCostModelsStepOverTokensPerStep() throws {
        let backend = try ServingHarness.backend(checks: false) { $0.phase = .decode }
        let system = backend.resolved.system
        let batch = system.deployment.decode.batchPerDie
        let dies = system.deployment.decode.dies
        let (prompt, output) = (4096, 256)
        let requests = ServingHarness.fixed(count: 2 * batch * dies, input: prompt, output: output)
        let run = ServingHarness.replay(backend, requests, options: ReplayOptions(timing: .closedLoop(concurrency: batch * dies)))
        #expect(run.completed.count == requests.count)
        #expect(run.backend.statistics.peakDecodeBatchPerDie == batch)

        // Expected from the cost model alone: every die holds `batch` requests whose KV starts
        // at prompt + first token and grows by tokensPerStep per step; the request needs
        // ceil((output − 1) / tokensPerStep) steps for its output − 1 decode tokens.
        let model = DecodeCostModel(system: system)
        let options = DecodeOptions(deployment: system.deployment.decode)
        let tau = options.mtp.tokensPerStep
        let steps = Int((Double(output - 1) / tau - 1e-9).rounded(.up))
        var total = 0.0
        for s in 0..<steps {
            let kv = Double(prompt + 1) + tau * Double(s)
            total += model.stepTime(batchPerDie: batch, meanKVLength: kv, options: options).stepMicroseconds * 1e-6
        }
        let expected = total / Double(output - 1)
        #expect(abs(run.meanTPOT / expected - 1) < 0.002, "TPOT \(run.meanTPOT * 1e3) ms, cost model \(expected * 1e3) ms")
        // And about the step at the mean KV over tokens per step.
        let atMean = model.stepTime(batchPerDie: batch, meanKVLength: Double(prompt) + Double(output) / 2, options: options)
        #expect(abs(run.meanTPOT / (atMean.stepMicroseconds * 1e-6 / tau) - 1) < 0.01)
    }

    @Test func sameSeedSameOutcomes() throws {
        let requests = ServingHarness.conversations(count: 600, meanGap: .milliseconds(10))
        func run(_ seed: UInt64) throws -> ServingHarness.Run {
            ServingHarness.replay(try ServingHarness.backend(seed: seed) { $0.mtpSampling = .sampled }, requests)
        }
        let a = try run(7), b = try run(7), c = try run(8)
        #expect(a.outcomes == b.outcomes)
        #expect(a.gaps == b.gaps)
        #expect(a.outcomes != c.outcomes)
    }

    @Test func sampledAndExpectedMTPAgreeOnAverage() throws {
        let requests = ServingHarness.fixed(count: 4000, input: 2048, output: 300)
        let options = ReplayOptions(timing: .closedLoop(concurrency: 2000))
        let expected = ServingHarness.replay(try ServingHarness.backend(checks: false) { $0.phase = .decode }, requests, options: options)
        let sampled = ServingHarness.replay(try ServingHarness.backend(checks: false) { $0.phase = .decode; $0.mtpSampling = .sampled }, requests, options: options)
        #expect(expected.outcomes != sampled.outcomes)
        let finishes = Set(sampled.completed.map(\.finish))
        #expect(finishes.count > Set(expected.completed.map(\.finish)).count, "sampled steps should spread completions")
        #expect(abs(sampled.meanTPOT / expected.meanTPOT - 1) < 0.02, "\(sampled.meanTPOT) vs \(expected.meanTPOT)")
    }

    @Test func promptsThatCannotFitAreRejectedAndTheRunGoesOn() throws {
        var requests = ServingHarness.conversations(count: 50, meanGap: .milliseconds(50))
        let backend = try ServingHarness.backend()
        let budget = backend.resolved.prefillTokenBudget
        // A prompt over the prefill batch budget, and an output whose KV overflows a decode die.
        let dieTokens = Int(backend.resolved.kvCapacityBytesPerDecodeDie / backend.resolved.kvBytesPerToken)
        requests[10].inputTokens = budget + 1
        requests[20].inputTokens = 1000
        requests[20].outputTokens = dieTokens
        let run = ServingHarness.replay(backend, requests)
        ServingHarness.checkConservation(run, requests: requests)
        #expect(run.rejected.map(\.requestID) == [10, 20])
        #expect(run.outcomes.first { $0.requestID == 10 }?.rejection?.code == "prompt-exceeds-prefill-budget")
        #expect(run.outcomes.first { $0.requestID == 20 }?.rejection?.code == "kv-exceeds-decode-die")
        #expect(run.completed.count == 48)
        // A long prompt within the budget runs alone as one batch.
        var long = ServingHarness.fixed(count: 1, input: budget, output: 4)
        long[0].prefixBlockHashes = []
        let alone = ServingHarness.replay(backend, long)
        #expect(alone.completed.count == 1)
    }

    @Test func biggerDecodeBatchCapGivesMoreThroughputAndSlowerTokens() throws {
        let requests = ServingHarness.fixed(count: 6 * 320 * 16, input: 1024, output: 64)
        let options = ReplayOptions(timing: .closedLoop(concurrency: 3 * 320 * 16))
        func run(cap: Int) throws -> ServingHarness.Run {
            ServingHarness.replay(try ServingHarness.backend(checks: false) { $0.phase = .decode; $0.decodeBatchPerDie = cap }, requests, options: options)
        }
        let small = try run(cap: 8), big = try run(cap: 32)
        #expect(small.backend.statistics.peakDecodeBatchPerDie == 8)
        #expect(small.backend.statistics.peakGlobalQueue > 0)
        #expect(big.outputThroughput > small.outputThroughput)
        #expect(big.meanTPOT > small.meanTPOT)
    }

    @Test func waitingForDecodeRoomIsQueueingDelay() throws {
        let requests = ServingHarness.fixed(count: 1000, input: 512, output: 100)
        let run = ServingHarness.replay(try ServingHarness.backend { $0.decodeBatchPerDie = 1 }, requests)
        ServingHarness.checkConservation(run, requests: requests)
        #expect(run.backend.statistics.peakGlobalQueue > 0)
        let delays = run.completed.map { ($0.serviceStart! - $0.arrival).seconds }
        #expect(delays.max()! > 0 && delays.min()! == 0)
    }

    @Test func emsLowersTTFTOnAReuseHeavyTrace() throws {
        let requests = ServingHarness.conversations(count: 1200, conversations: 30, meanGap: .milliseconds(60))
        let on = ServingHarness.replay(try ServingHarness.backend(), requests)
        let off = ServingHarness.replay(try ServingHarness.backend { $0.emsEnabled = false }, requests)
        #expect(on.hitRate > 0.3 && off.hitRate == 0)
        #expect(on.meanTTFT < off.meanTTFT)
    }

    @Test func ubLoadsFasterThanVPC() throws {
        let requests = ServingHarness.conversations(count: 800, conversations: 30, meanGap: .milliseconds(60))
        let ub = ServingHarness.replay(try ServingHarness.backend(), requests)
        let vpc = ServingHarness.replay(try ServingHarness.backend { $0.emsLink = .vpc }, requests)
        #expect(ub.meanTTFT < vpc.meanTTFT)
        let b = try ServingHarness.backend()
        var v = try ServingHarness.backend { $0.emsLink = .vpc }
        v.checksInvariantsEveryStep = false
        #expect(b.loadSeconds(cachedTokens: 100_000) < v.loadSeconds(cachedTokens: 100_000))
    }

    @Test func descriptorCountsTheSimulatedNPUsAndStatesTheKnobs() throws {
        let full = try ServingHarness.backend().descriptor
        #expect(full.name == "cloudmatrix" && full.acceleratorKind == "NPU")
        #expect(full.acceleratorCount == 6 * 16 + 160 && full.dieCount == 2 * (6 * 16 + 160))
        let keys = full.configuration.map(\.key)
        for key in ["phase", "prefill_instances", "decode_instances", "decode_batch_per_die", "ems", "ems_link", "microbatching", "mtp", "mtp_sampling", "precision", "experts"] {
            #expect(keys.contains(key), "missing \(key)")
        }
        #expect(try ServingHarness.backend { $0.phase = .decode }.descriptor.acceleratorCount == 160)
        #expect(try ServingHarness.backend { $0.phase = .prefill; $0.prefillInstances = 2 }.descriptor.acceleratorCount == 32)
    }
}

@Suite struct ServingRegistryTests {
    func make(_ parameters: [String: String]) throws -> CloudMatrixBackend { try ServingHarness.fromRegistry(parameters) }

    @Test func defaultsAreTheDeploymentFile() throws {
        let b = try make([:])
        let s = b.settings
        #expect(s.phase == .full && s.prefillInstances == 6 && s.decodeInstances == 1 && s.decodeBatchPerDie == 48)
        #expect(s.emsEnabled && s.emsLink == .ub && s.emsBlockTokens == nil && s.mtpSampling == .expected)
        #expect(s.mtp.draftTokens == 1 && s.precision == "int8-w8a8" && s.expertBalance == .default)
        #expect(s.emsCapacityBytes == b.resolved.serving.ems?.defaultCapacityBytes)
    }

    @Test func everyKnobIsRead() throws {
        let b = try make([
            "prefill_instances": "3", "decode_instances": "2", "decode_batch_per_die": "16", "phase": "decode",
            "ems": "off", "ems_capacity_gb": "100", "ems_link": "vpc", "ems_block_tokens": "128",
            "microbatching": "never", "mtp": "on", "mtp_acceptance": "0.5", "mtp_sampling": "sampled",
            "precision": "bf16", "experts": "perfect",
        ])
        let s = b.settings
        #expect(s.prefillInstances == 3 && s.decodeInstances == 2 && s.decodeBatchPerDie == 16 && s.phase == .decode)
        #expect(!s.emsEnabled && s.emsCapacityBytes == 100e9 && s.emsLink == .vpc && s.emsBlockTokens == 128)
        #expect(s.microbatching == .never && s.mtp.acceptanceRate == 0.5 && s.mtpSampling == .sampled)
        #expect(s.precision == "bf16" && b.resolved.system.model.precision.linearWeightBytes == 2 && s.expertBalance == .perfect)
        #expect(b.descriptor.dieCount == 2 * 2 * 160)
        #expect(try make(["mtp": "off"]).settings.mtp.tokensPerStep == 1)
    }

    @Test(arguments: [
        ["typo_key": "1"], ["phase": "both"], ["ems_link": "nvlink"], ["mtp_acceptance": "1.5"], ["precision": "fp4"],
        ["decode_batch_per_die": "0"], ["deployment": "no-such-deployment"],
    ])
    func badParametersAreRefusedWithTheirKey(parameters: [String: String]) {
        #expect(throws: BackendConfigurationError.self) { _ = try make(parameters) }
    }

    /// A fault in a file the backend reads keeps the file's own error as the cause (for the
    /// command line to classify as it does everywhere); a fault in an option names the option.
    @Test func fileFaultsKeepTheirErrorAndOptionFaultsTheirKey() throws {
        #expect { _ = try make(["deployment": "no-such-deployment"]) } throws: {
            let e = $0 as! BackendConfigurationError
            return e.key == nil && (e.cause as? ConfigError)?.code == .missingFile
        }
        #expect { _ = try make(["decode_instances": "4000"]) } throws: {
            let e = $0 as! BackendConfigurationError
            return e.key == "decode_instances" && e.cause == nil && e.message.contains("lower decode_instances")
        }
        #expect { _ = try make(["precision": "fp4"]) } throws: { ($0 as! BackendConfigurationError).key == "precision" }
    }
}
