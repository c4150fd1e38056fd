import CMBenchTestSupport
import Testing
@testable import CostModel
import SystemDescription

@Suite struct DecodeCostModelTests {
    let system: SystemConfiguration
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws { system = try Fixtures.system() }
    var model: DecodeCostModel { DecodeCostModel(system: system) }
    var deployed: DecodeOptions { DecodeOptions(deployment: system.deployment.decode) }

    func options(mtp: MTPSettings? = nil, mb: MicrobatchPolicy? = nil, balance: ExpertBalance? = nil) -> DecodeOptions {
        var o = deployed
        if let mtp { o.mtp = mtp }
        if let mb { o.microbatching = mb }
        if let balance { o.expertBalance = balance }
        return o
    }

    @Test(arguments: [MicrobatchPolicy.always, .never, .whenFaster])
    func moreBatchTakesLonger(policy: MicrobatchPolicy) {
        let times = [4, 12, 24, 48, 64].map {
            model.stepTime(batchPerDie: $0, meanKVLength: 4096, options: options(mb: policy)).stepMicroseconds
        }
        #expect(times == times.sorted())
        #expect(Set(times).count == times.count)
    }

    @Test func moreKVTakesLongerInAttention() {
        let a = model.stepTime(batchPerDie: 48, meanKVLength: 1024, options: options(mb: .never))
        let b = model.stepTime(batchPerDie: 48, meanKVLength: 8192, options: options(mb: .never))
        func attention(_ s: DecodeStepBreakdown) -> Double {
            s.layers[1].streams[0].operators.first { $0.name == "FusedAttention" }!.microseconds
        }
        #expect(attention(b) > attention(a))
        #expect(b.stepMicroseconds > a.stepMicroseconds)
    }

    @Test func perRequestLengthsEnterThroughTheirSum() {
        let lengths = [1000, 3000, 5000, 7000]
        let a = model.stepTime(kvLengths: lengths, options: deployed)
        let b = model.stepTime(batchPerDie: 4, meanKVLength: 4000, options: deployed)
        #expect(a.stepMicroseconds == b.stepMicroseconds)
    }

    @Test func mtpRaisesStepTimeButLowersTPOTAtSmallBatch() {
        let with = model.stepTime(batchPerDie: 4, meanKVLength: 4096, options: deployed)
        let without = model.stepTime(batchPerDie: 4, meanKVLength: 4096, options: options(mtp: .off))
        #expect(with.stepMicroseconds > without.stepMicroseconds)
        #expect(with.tpotMilliseconds < without.tpotMilliseconds)
        #expect(with.tokensPerRequestPerStep == 1.7)
    }

    @Test func perfectBalanceIsFasterThanImbalance() {
        // At small batch routing noise makes the hottest routed die the busiest one.
        let perfect = model.stepTime(batchPerDie: 4, meanKVLength: 4096, options: options(balance: .perfect))
        let skewed = model.stepTime(batchPerDie: 4, meanKVLength: 4096, options: options(balance: .default))
        #expect(perfect.expertMaxOverMean == 1)
        #expect(skewed.expertMaxOverMean > 1)
        #expect(perfect.stepMicroseconds < skewed.stepMicroseconds)
        // At batch 48 the 32 shared-expert dies (10 tokens per local token) can bind instead.
        let p48 = model.stepTime(batchPerDie: 48, meanKVLength: 4096, options: options(balance: .perfect))
        let s48 = model.stepTime(batchPerDie: 48, meanKVLength: 4096, options: options(balance: .default))
        #expect(p48.stepMicroseconds <= s48.stepMicroseconds)
    }

    @Test func twoStreamsHideCommunicationBehindAttention() throws {
        let step = model.stepTime(batchPerDie: 48, meanKVLength: 4096, options: options(mb: .always))
        let moe = try #require(step.layers.first { $0.kind == .moe })
        #expect(step.microbatched)
        #expect(moe.streams.count == 2)
        let comm = moe.streams[1].operators.filter { $0.bound == .communication }.reduce(0) { $0 + $1.microseconds }
        #expect(comm > 0)
        // The layer is shorter than running both streams' work back to back: overlap hides it.
        let serial = moe.streams.reduce(0) { $0 + $1.microseconds } * Double(moe.microbatches)
        #expect(moe.microseconds < serial)
        #expect(moe.microseconds >= moe.memoryFloorMicroseconds)
    }

    @Test func whenFasterPicksTheShorterMode() {
        for b in [4, 24, 64] {
            let on = model.stepTime(batchPerDie: b, meanKVLength: 4096, options: options(mb: .always))
            let off = model.stepTime(batchPerDie: b, meanKVLength: 4096, options: options(mb: .never))
            let auto = model.stepTime(batchPerDie: b, meanKVLength: 4096, options: options(mb: .whenFaster))
            #expect(auto.stepMicroseconds == min(on.stepMicroseconds, off.stepMicroseconds))
        }
    }

    @Test func breakdownAddsUpAndNamesThePaperOperators() throws {
        let step = model.stepTime(batchPerDie: 48, meanKVLength: 4096, options: options(mb: .always))
        let layers = step.layers.reduce(0) { $0 + $1.microseconds * Double($1.count) }
        let rest = step.extras.reduce(0) { $0 + $1.microseconds } + step.graphOverhead.microseconds
        #expect(abs(step.stepMicroseconds - layers - rest) < 1e-6)
        let moe = try #require(step.layers.first { $0.kind == .moe })
        #expect(moe.streams[0].operators.map(\.name) == ["MLAProlog", "FusedAttention", "O_PROJ"])
        #expect(moe.streams[1].operators.map(\.name) == ["Gate", "dispatch", "MLP", "combine"])
        #expect(step.layers.map(\.count) == [3, 58, 1])
    }
}
