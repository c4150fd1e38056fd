import Testing

@testable import SystemDescription

/// trtllm-bench's tuning heuristic on Llama 3.3 70B's shape (80 layers, 8 KV heads of 128, 70.6 B
/// parameters) and a 79 GiB device, worked by hand from tuning.py's formulas: bytes per token
/// 2 × 80 × max(tp, 8) × 128 × KV bytes, KV memory 0.95 × (devices − weights), requests = KV
/// memory / (bytes per token × (ISL + OSL)), then the rounding of `finetune_setting`.
@Suite struct TrtllmBenchSizingTests {
    static func llama(tp: Int, pp: Int, bytes: Double, isl: Int, osl: Int) -> TrtllmBenchSizing.Inputs {
        TrtllmBenchSizing.Inputs(
            parameterCount: 70.6e9, bytesPerWeight: bytes, bytesPerKVElement: bytes, attentionLayers: 80, kvHeads: 8, headSize: 128,
            deviceMemoryGiB: 79, tensorParallel: tp, pipelineParallel: pp, targetInputLength: isl, targetOutputLength: osl)
    }

    /// FP8 on two devices, 128/128: 163,840 B a token, 65.75 GiB of weights, 87.64 GiB of cache,
    /// 2,243.5 requests: the batch rounds up to 256s (2,304), the tokens (4,487) to 512s (4,608).
    @Test func largeBatchesRoundToTheCoarseSteps() throws {
        let sizing = try TrtllmBenchSizing(Self.llama(tp: 2, pp: 1, bytes: 1, isl: 128, osl: 128))
        #expect(abs(sizing.kvCacheMaxRequests - 2_243.49) < 0.01)
        #expect(sizing.maxBatchSize == 2_304)
        #expect(sizing.maxNumTokens == 4_608)
    }

    /// BF16 on TP4 × PP2, 2,048/128: 716 requests over two stages is 358 a stage, rounded to 128s
    /// (384); tokens 358 × 17 = 6,086, rounded to 512s (6,144).
    @Test func pipelineStagesDivideTheBatch() throws {
        let sizing = try TrtllmBenchSizing(Self.llama(tp: 4, pp: 2, bytes: 2, isl: 2_048, osl: 128))
        #expect(abs(sizing.kvCacheMaxRequests - 716.005) < 0.01)
        #expect(sizing.maxBatchSize == 384)
        #expect(sizing.maxNumTokens == 6_144)
    }

    /// FP8 on one device, 1,024/2,048: 26.9 requests fit; the floors (64 requests, 2,048 tokens) apply.
    @Test func smallCachesGetTheFloors() throws {
        let sizing = try TrtllmBenchSizing(Self.llama(tp: 1, pp: 1, bytes: 1, isl: 1_024, osl: 2_048))
        #expect(abs(sizing.kvCacheMaxRequests - 26.85) < 0.01)
        #expect(sizing.maxBatchSize == 64)
        #expect(sizing.maxNumTokens == 2_048)
    }

    /// The batch is capped at 4,096 before rounding, the tokens at 32,768.
    @Test func capsApplyBeforeRounding() {
        let (batch, tokens) = TrtllmBenchSizing.fineTuned(kvCacheMaxRequests: 50_000, inputLength: 8_192, outputLength: 128, pipelineParallel: 1)
        #expect(batch == 4_096)
        #expect(tokens == 32_768)
    }

    /// What tuning.py refuses: weights larger than the devices, and a cache too small for one request.
    @Test func itRefusesWhatTuningRefuses() {
        #expect(throws: TrtllmBenchSizing.Failure.self) {
            try TrtllmBenchSizing(Self.llama(tp: 1, pp: 1, bytes: 2, isl: 1_024, osl: 1_024))
        }
        var tiny = Self.llama(tp: 1, pp: 1, bytes: 1, isl: 400_000, osl: 100_000)
        tiny.kvCacheFraction = 0.95
        #expect(throws: TrtllmBenchSizing.Failure.self) { try TrtllmBenchSizing(tiny) }
    }
}

/// `get_settings`' fix after the heuristic: without chunked prefill the engine's token limit is
/// raised to the longest prompt plus a full batch, so a whole prompt fits one iteration.
@Suite struct TrtllmBenchSizingPostFixTests {
    /// Llama TP2 FP8 on 140.40 GiB, 8192/1024: 145.3 requests give batch 160 and the heuristic's
    /// 2,048 tokens (160 × 9 = 1,440 rounds to the floor); without chunking 8,192 + 160 = 8,352.
    @Test func withoutChunkingTheLongestPromptAndABatchFit() throws {
        let sizing = try TrtllmBenchSizing(
            TrtllmBenchSizing.Inputs(
                parameterCount: 70_552_387_584, bytesPerWeight: 1, bytesPerKVElement: 1, attentionLayers: 80, kvHeads: 8,
                headSize: 128, deviceMemoryGiB: 140.40, tensorParallel: 2, pipelineParallel: 1, targetInputLength: 8_192,
                targetOutputLength: 1_024, kvCacheFraction: 0.95))
        #expect(abs(sizing.kvCacheMaxRequests - 145.3) < 0.05)
        #expect(sizing.maxBatchSize == 160)
        #expect(sizing.maxNumTokens == 2_048)
        #expect(sizing.engineMaxNumTokens(chunkedPrefill: false, maxInputLength: 8_192) == 8_352)
        #expect(sizing.engineMaxNumTokens(chunkedPrefill: true, maxInputLength: 8_192) == 2_048)
    }
}
