/// The engine limits `trtllm-bench` picks when a run does not set `--max_batch_size` and
/// `--max_num_tokens`: its tuning heuristic, `calc_engine_setting` and `finetune_setting` in
/// `tensorrt_llm/bench/build/tuning.py` (TensorRT-LLM @ 04cba882, as
/// `../shared/reference/other-models-facts.md` §5 cites it). Published `trtllm-bench throughput`
/// tables ran with these limits unless their command says otherwise, so a replay of such a row
/// must use them too or its batch, and so its throughput, will not match.
///
/// The heuristic sizes the KV cache from the weights alone (no activations or workspace) and
/// assumes a plain multi-head or grouped-query cache: two tensors (K and V) of
/// max(tp, kv heads) × head size per attention layer and token, whatever the model's attention.
/// It is reproduced as written, units included (GiB of device memory, not GB).
public struct TrtllmBenchSizing: Sendable, Equatable {
    /// What the heuristic reads: the model's `config.json` (parameters, attention layers, KV
    /// heads, head size), the quantisation's bytes per weight and per KV element (`BYTES_PER_ELEM`:
    /// 2 for none, 1 for FP8, 0.5 for NVFP4; the KV cache is FP8 whenever the weights are FP8 or
    /// NVFP4), the device's memory in GiB, the mapping and the target lengths.
    public struct Inputs: Sendable, Equatable {
        public var parameterCount: Double
        public var bytesPerWeight: Double
        public var bytesPerKVElement: Double
        public var attentionLayers: Int
        public var kvHeads: Int
        public var headSize: Int
        public var deviceMemoryGiB: Double
        public var tensorParallel: Int
        public var pipelineParallel: Int
        public var targetInputLength: Int
        public var targetOutputLength: Int
        /// `kv_cache_gpu_mem_fraction`, 0.95 by default.
        public var kvCacheFraction: Double

        public init(
            parameterCount: Double, bytesPerWeight: Double, bytesPerKVElement: Double, attentionLayers: Int, kvHeads: Int,
            headSize: Int, deviceMemoryGiB: Double, tensorParallel: Int, pipelineParallel: Int, targetInputLength: Int,
            targetOutputLength: Int, kvCacheFraction: Double = 0.95
        ) {
            self.parameterCount = parameterCount
            self.bytesPerWeight = bytesPerWeight
            self.bytesPerKVElement = bytesPerKVElement
            self.attentionLayers = attentionLayers
            self.kvHeads = kvHeads
            self.headSize = headSize
            self.deviceMemoryGiB = deviceMemoryGiB
            self.tensorParallel = tensorParallel
            self.pipelineParallel = pipelineParallel
            self.targetInputLength = targetInputLength
            self.targetOutputLength = targetOutputLength
            self.kvCacheFraction = kvCacheFraction
        }
    }

    /// Requests of the target length the KV cache holds, before the fine-tuning.
    public var kvCacheMaxRequests: Double
    /// `max_batch_size` and `max_num_tokens` as trtllm-bench builds the engine with them.
    public var maxBatchSize: Int
    public var maxNumTokens: Int

    public enum Failure: Error, Equatable {
        /// The weights need more than the devices hold (tuning.py raises).
        case weightsDoNotFit(weightsGiB: Double, memoryGiB: Double)
        /// Not one request of the target length fits the KV cache (tuning.py raises).
        case noRequestFits(kvCacheMaxRequests: Double)
    }

    public init(_ x: Inputs) throws(Failure) {
        let gib = 1024.0 * 1024.0 * 1024.0
        // "Each GPU in TP group has at least 1 kv head."
        let heads = Double(max(x.tensorParallel, x.kvHeads))
        let bytesPerTokenGiB = 2 * Double(x.attentionLayers) * heads * Double(x.headSize) * x.bytesPerKVElement / gib
        let gpus = Double(x.tensorParallel * x.pipelineParallel)
        let weightsGiB = x.parameterCount * x.bytesPerWeight / gib
        let memoryGiB = x.deviceMemoryGiB * gpus
        guard memoryGiB >= weightsGiB else { throw .weightsDoNotFit(weightsGiB: weightsGiB, memoryGiB: memoryGiB) }
        let cacheGiB = (memoryGiB - weightsGiB) * x.kvCacheFraction
        let requests = cacheGiB / (bytesPerTokenGiB * Double(x.targetInputLength + x.targetOutputLength))
        guard requests >= 1 else { throw .noRequestFits(kvCacheMaxRequests: requests) }
        kvCacheMaxRequests = requests
        (maxBatchSize, maxNumTokens) = Self.fineTuned(
            kvCacheMaxRequests: requests, inputLength: x.targetInputLength, outputLength: x.targetOutputLength,
            pipelineParallel: x.pipelineParallel)
    }

    /// `finetune_setting` with its optimistic tuning (the default for attention models): the batch
    /// capped at 4,096 / pp, rounded up to 32 (at least 64) below 256, to 128 below 1,024, else to
    /// 256; the tokens, batch × (1 + ISL / OSL) capped at 32,768, rounded up to 256 (at least
    /// 2,048) below 4,096, to 512 below 8,192, else to 1,024.
    static func fineTuned(kvCacheMaxRequests: Double, inputLength: Int, outputLength: Int, pipelineParallel: Int) -> (Int, Int) {
        func roundedUp(_ value: Double, to step: Double) -> Int { Int(step * (value / step).rounded(.up)) }
        let batch = min(kvCacheMaxRequests, 4_096) / Double(pipelineParallel)
        let tokens = min(batch * (1 + Double(inputLength) / Double(outputLength)), 32_768)
        let maxBatch: Int
        if batch < 256 {
            maxBatch = max(64, roundedUp(batch, to: 32))
        } else if batch < 1_024 {
            maxBatch = roundedUp(batch, to: 128)
        } else {
            maxBatch = roundedUp(batch, to: 256)
        }
        let maxTokens: Int
        if tokens < 4_096 {
            maxTokens = max(2_048, roundedUp(tokens, to: 256))
        } else if tokens < 8_192 {
            maxTokens = roundedUp(tokens, to: 512)
        } else {
            maxTokens = roundedUp(tokens, to: 1_024)
        }
        return (maxBatch, maxTokens)
    }
}

extension TrtllmBenchSizing.Inputs {
    /// What the heuristic reads, taken from a model file at its loaded precision: the parameter
    /// count (`ModelShape.totalParams`, elements as the checkpoint's safetensors headers count
    /// them, norms and FP8 scales left out), the weight and KV bytes of the precision
    /// (`linearWeightBytes`, `kvCacheBytes`: the same KV width the runtime pool uses), the layers,
    /// and the GQA shape (`num_key_value_heads`, `head_dim`). Nil for MLA, whose cache the
    /// heuristic's K-and-V formula does not describe.
    ///
    /// `tensorParallel` is trtllm-bench's full `--tp`, also under attention DP: `get_settings`
    /// passes the command-line value and the heuristic never reads `enable_attention_dp`.
    public init?(
        model: ModelShape, deviceMemoryGiB: Double, tensorParallel: Int, pipelineParallel: Int, targetInputLength: Int,
        targetOutputLength: Int, kvCacheFraction: Double
    ) {
        guard let gqa = model.attention.groupedQuery else { return nil }
        self.init(
            parameterCount: Double(model.totalParams), bytesPerWeight: Double(model.precision.linearWeightBytes),
            bytesPerKVElement: Double(model.precision.kvCacheBytes), attentionLayers: model.layers, kvHeads: gqa.kvHeads,
            headSize: gqa.headDim, deviceMemoryGiB: deviceMemoryGiB, tensorParallel: tensorParallel,
            pipelineParallel: pipelineParallel, targetInputLength: targetInputLength, targetOutputLength: targetOutputLength,
            kvCacheFraction: kvCacheFraction)
    }
}

extension TrtllmBenchSizing {
    /// `max_num_tokens` as the engine gets it: without chunked prefill `get_settings`
    /// (`tensorrt_llm/bench/benchmark/utils/general.py`) raises the heuristic's value to
    /// `max_isl + max_batch_size`, so that the longest prompt fits one iteration beside a full
    /// batch of decode steps; with chunked prefill it is the heuristic's.
    public func engineMaxNumTokens(chunkedPrefill: Bool, maxInputLength: Int) -> Int {
        chunkedPrefill ? maxNumTokens : max(maxNumTokens, maxInputLength + maxBatchSize)
    }
}
