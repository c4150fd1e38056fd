import Foundation

extension ModelShape {
    /// Loads a model file and selects `precision` (nil = the file's `defaultPrecision`); the file
    /// is read once through `files` (which records its digest).
    public static func load(path: String, precision: String? = nil, files: ConfigFiles = ConfigFiles()) throws(ConfigError)
        -> ModelShape
    {
        try load(data: files.read(path, role: .model), name: path, precision: precision)
    }

    /// Decodes and validates the bytes of a model file; errors name `name` as the file.
    public static func load(data: Data, name: String, precision: String? = nil) throws(ConfigError) -> ModelShape {
        try ModelShape(file: ConfigFile.decode(ModelFile.self, from: data, file: name), path: name, precision: precision)
    }

    /// Field bounds are per field (layers 4096, hidden 262,144, …) so that every derived count
    /// (`attentionParams`, `activeLinearParamsPerToken`, …) stays within 64 bits.
    init(file f: ModelFile, path: String, precision requested: String?) throws(ConfigError) {
        let v = FieldValidator(file: path)
        name = f.name
        layers = try v.positive(f.layers, "$.layers", atMost: 1 << 12)
        hidden = try v.positive(f.hiddenSize, "$.hiddenSize", atMost: 1 << 18)
        attention = try Self.attention(f.attention, validator: v)
        denseLayers = try v.nonNegative(f.denseLayers, "$.denseLayers", atMost: 1 << 12)
        guard denseLayers <= layers else { throw v.fail("$.denseLayers.value", "cannot exceed layers (\(layers))") }
        if denseLayers > 0 {
            guard let d = f.denseIntermediateSize else {
                throw v.fail("$.denseIntermediateSize", "required: \(denseLayers) layers have a dense FFN", code: .missingField)
            }
            denseIntermediate = try v.positive(d, "$.denseIntermediateSize", atMost: 1 << 18)
        } else {
            denseIntermediate = 0
        }
        if let e = f.moe {
            guard denseLayers < layers else {
                throw v.fail("$.moe", "every layer is dense (denseLayers = layers = \(layers)); remove \"moe\" or lower denseLayers")
            }
            let routed = try v.positive(e.routedExperts, "$.moe.routedExperts", atMost: 1 << 16)
            let perToken = try v.positive(e.expertsPerToken, "$.moe.expertsPerToken", atMost: 1 << 10)
            guard perToken <= routed else { throw v.fail("$.moe.expertsPerToken.value", "cannot exceed routedExperts (\(routed))") }
            moe = MoEShape(
                routedExperts: routed, sharedExperts: try v.nonNegative(e.sharedExperts, "$.moe.sharedExperts", atMost: 1 << 10),
                expertsPerToken: perToken, expertIntermediate: try v.positive(e.expertIntermediateSize, "$.moe.expertIntermediateSize", atMost: 1 << 18))
        } else {
            guard denseLayers == layers else {
                throw v.fail(
                    "$.moe", "\(layers - denseLayers) layers are MoE layers (layers − denseLayers) but the file describes no experts",
                    code: .missingField)
            }
            moe = nil
        }
        vocabulary = try v.positive(f.vocabularySize, "$.vocabularySize", atMost: 1 << 22)
        mtpModules = try v.nonNegative(f.mtpModules, "$.mtpModules", atMost: 1 << 6)
        if let a = f.messageAlignmentBytes {
            messageAlignmentBytes = try v.positive(a, "$.messageAlignmentBytes", atMost: 1 << 16)
        } else if moe != nil {
            throw v.fail("$.messageAlignmentBytes", "required for a MoE model: the expert all-to-all's message alignment", code: .missingField)
        } else {
            messageAlignmentBytes = 1
        }
        if let d = f.draftFeatureLayers {
            draftFeatureLayers = try v.positive(d, "$.draftFeatureLayers", atMost: 16)
            guard moe == nil, case .groupedQuery = attention else {
                throw v.fail("$.draftFeatureLayers", "only an EAGLE-3 draft has it: a dense model with grouped-query attention")
            }
        }
        let key = requested ?? f.defaultPrecision
        guard let p = f.precisions[key] else {
            throw v.fail(
                requested == nil ? "$.defaultPrecision" : "$.precisions",
                "unknown precision \"\(key)\"; the file defines \(f.precisions.keys.sorted().joined(separator: ", "))",
                code: .unknownName)
        }
        precision = try Self.precision(p, key: key, experts: moe != nil, validator: v)
    }

    static func attention(_ a: ModelFile.Attention, validator v: FieldValidator) throws(ConfigError) -> AttentionShape {
        func need(_ s: Sourced<Int>?, _ field: String, positive: Bool = true) throws(ConfigError) -> Int {
            guard let s else {
                throw v.fail("$.attention.\(field)", "required for attention kind \"\(a.kind)\"", code: .missingField)
            }
            return positive
                ? try v.positive(s, "$.attention.\(field)", atMost: 1 << 16) : try v.nonNegative(s, "$.attention.\(field)", atMost: 1 << 16)
        }
        switch a.kind {
        case "mla":
            let heads = try need(a.heads, "heads")
            guard heads <= 1 << 12 else { throw v.fail("$.attention.heads.value", "must be at most \(1 << 12), got \(heads)") }
            return .multiHeadLatent(MultiHeadLatentAttention(
                heads: heads, qLoraRank: try need(a.qLoraRank, "qLoraRank"), kvLoraRank: try need(a.kvLoraRank, "kvLoraRank"),
                qkNopeHeadDim: try need(a.qkNopeHeadDim, "qkNopeHeadDim"),
                qkRopeHeadDim: try need(a.qkRopeHeadDim, "qkRopeHeadDim", positive: false), vHeadDim: try need(a.vHeadDim, "vHeadDim")))
        case "gqa":
            let q = try need(a.queryHeads, "queryHeads"), kv = try need(a.kvHeads, "kvHeads")
            guard q <= 1 << 12 else { throw v.fail("$.attention.queryHeads.value", "must be at most \(1 << 12), got \(q)") }
            guard q % kv == 0 else {
                throw v.fail("$.attention.kvHeads.value", "\(kv) KV heads do not divide the \(q) query heads: each KV head serves a whole group")
            }
            return .groupedQuery(GroupedQueryAttention(queryHeads: q, kvHeads: kv, headDim: try need(a.headDim, "headDim")))
        default:
            throw v.fail(
                "$.attention.kind", "unknown attention kind \"\(a.kind)\"; use \"mla\" (latent) or \"gqa\" (grouped-query, also MHA)",
                code: .unknownName)
        }
    }

    static func precision(_ p: ModelFile.PrecisionEntry, key: String, experts: Bool, validator v: FieldValidator) throws(ConfigError)
        -> Precision
    {
        let pp = "$.precisions.\(key)."
        func bytes(_ s: Sourced<Int>, _ field: String, allowZero: Bool = false) throws(ConfigError) -> Int {
            let n = allowZero ? try v.nonNegative(s, pp + field) : try v.positive(s, pp + field)
            guard n <= 8 else { throw v.fail(pp + field + ".value", "bytes per element must be at most 8, got \(n)") }
            return n
        }
        /// A MoE field: required when the model has experts, 0 when it has none and the file omits it.
        func moeBytes(_ s: Sourced<Int>?, _ field: String, perToken: Bool = false) throws(ConfigError) -> Int {
            guard let s else {
                guard !experts else { throw v.fail(pp + field, "required for a model with experts", code: .missingField) }
                return 0
            }
            return perToken ? try v.nonNegative(s, pp + field) : try bytes(s, field)
        }
        var format: BlockScaledFormat?
        if let f = p.ffnWeights {
            let fp = pp + "ffnWeights."
            let bits = try v.positive(f.bitsPerElement, fp + "bitsPerElement", atMost: 16)
            let compute = try v.positive(f.computeBits, fp + "computeBits", atMost: 16)
            guard [4, 8, 16].contains(compute) else { throw v.fail(fp + "computeBits.value", "must be 4, 8 or 16, got \(compute)") }
            format = BlockScaledFormat(
                bits: bits, blockElements: try v.positive(f.blockElements, fp + "blockElements", atMost: 1 << 16),
                scaleBytes: try v.nonNegative(f.scaleBytesPerBlock, fp + "scaleBytesPerBlock", atMost: 8), computeBits: compute)
        }
        return Precision(
            name: key,
            linearWeightBytes: try bytes(p.linearWeightBytes, "linearWeightBytes"),
            linearComputeBytes: try bytes(p.linearComputeBytes, "linearComputeBytes"),
            activationBytes: try bytes(p.activationBytes, "activationBytes"),
            kvCacheBytes: try bytes(p.kvCacheBytes, "kvCacheBytes"),
            attentionComputeBytes: try bytes(p.attentionComputeBytes, "attentionComputeBytes"),
            embeddingAndHeadBytes: try bytes(p.embeddingAndHeadBytes, "embeddingAndHeadBytes"),
            routerBytes: try moeBytes(p.routerBytes, "routerBytes"),
            dispatchBytesPerElement: try moeBytes(p.dispatchBytesPerElement, "dispatchBytesPerElement"),
            // Scale bytes are per token (one INT32, or one FP32 per 128-channel group), not per element.
            dispatchScaleBytes: try moeBytes(p.dispatchScaleBytes, "dispatchScaleBytes", perToken: true),
            combineBytesPerElement: try moeBytes(p.combineBytesPerElement, "combineBytesPerElement"),
            collectiveBytesPerElement: try bytes(p.collectiveBytesPerElement, "collectiveBytesPerElement"),
            dispatchHeaderBytes: try p.dispatchHeaderBytes.map { n throws(ConfigError) in try v.nonNegative(n, pp + "dispatchHeaderBytes", atMost: 1 << 16) } ?? 0,
            messageAlignmentBytes: try p.messageAlignmentBytes.map { n throws(ConfigError) in try v.positive(n, pp + "messageAlignmentBytes", atMost: 1 << 16) },
            ffnWeights: format)
    }
}
