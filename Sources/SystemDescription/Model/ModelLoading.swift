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
        denseLayers = try v.nonNegative(f.denseLayers, "$.denseLayers", atMost: 1 << 12)
        guard denseLayers <= layers else { throw v.fail("$.denseLayers.value", "cannot exceed layers (\(layers))") }
        hidden = try v.positive(f.hiddenSize, "$.hiddenSize", atMost: 1 << 18)
        heads = try v.positive(f.attentionHeads, "$.attentionHeads", atMost: 1 << 12)
        qLoraRank = try v.positive(f.qLoraRank, "$.qLoraRank", atMost: 1 << 16)
        kvLoraRank = try v.positive(f.kvLoraRank, "$.kvLoraRank", atMost: 1 << 16)
        qkNopeHeadDim = try v.positive(f.qkNopeHeadDim, "$.qkNopeHeadDim", atMost: 1 << 16)
        qkRopeHeadDim = try v.nonNegative(f.qkRopeHeadDim, "$.qkRopeHeadDim", atMost: 1 << 16)
        vHeadDim = try v.positive(f.vHeadDim, "$.vHeadDim", atMost: 1 << 16)
        routedExperts = try v.positive(f.routedExperts, "$.routedExperts", atMost: 1 << 16)
        sharedExperts = try v.nonNegative(f.sharedExperts, "$.sharedExperts", atMost: 1 << 10)
        expertsPerToken = try v.positive(f.expertsPerToken, "$.expertsPerToken", atMost: 1 << 10)
        guard expertsPerToken <= routedExperts else {
            throw v.fail("$.expertsPerToken.value", "cannot exceed routedExperts (\(routedExperts))")
        }
        moeIntermediate = try v.positive(f.moeIntermediateSize, "$.moeIntermediateSize", atMost: 1 << 18)
        denseIntermediate = try v.positive(f.denseIntermediateSize, "$.denseIntermediateSize", atMost: 1 << 18)
        vocabulary = try v.positive(f.vocabularySize, "$.vocabularySize", atMost: 1 << 22)
        mtpModules = try v.nonNegative(f.mtpModules, "$.mtpModules", atMost: 1 << 6)
        messageAlignmentBytes = try v.positive(f.messageAlignmentBytes, "$.messageAlignmentBytes")
        let key = requested ?? f.defaultPrecision
        guard let p = f.precisions[key] else {
            throw v.fail(
                requested == nil ? "$.defaultPrecision" : "$.precisions",
                "unknown precision \"\(key)\"; the file defines \(f.precisions.keys.sorted().joined(separator: ", "))",
                code: .unknownName)
        }
        let pp = "$.precisions.\(key)."
        func bytes(_ s: Sourced<Int>, _ field: String, allowZero: Bool = false) throws(ConfigError) -> Int {
            let n = allowZero ? try v.nonNegative(s, pp + field) : try v.positive(s, pp + field)
            guard n <= 8 else { throw v.fail(pp + field + ".value", "bytes per element must be at most 8, got \(n)") }
            return n
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
        precision = Precision(
            name: key,
            linearWeightBytes: try bytes(p.linearWeightBytes, "linearWeightBytes"),
            linearComputeBytes: try bytes(p.linearComputeBytes, "linearComputeBytes"),
            activationBytes: try bytes(p.activationBytes, "activationBytes"),
            kvCacheBytes: try bytes(p.kvCacheBytes, "kvCacheBytes"),
            attentionComputeBytes: try bytes(p.attentionComputeBytes, "attentionComputeBytes"),
            embeddingAndHeadBytes: try bytes(p.embeddingAndHeadBytes, "embeddingAndHeadBytes"),
            routerBytes: try bytes(p.routerBytes, "routerBytes"),
            dispatchBytesPerElement: try bytes(p.dispatchBytesPerElement, "dispatchBytesPerElement"),
            // Scale bytes are per token (one INT32, or one FP32 per 128-channel group), not per element.
            dispatchScaleBytes: try v.nonNegative(p.dispatchScaleBytes, pp + "dispatchScaleBytes"),
            combineBytesPerElement: try bytes(p.combineBytesPerElement, "combineBytesPerElement"),
            collectiveBytesPerElement: try bytes(p.collectiveBytesPerElement, "collectiveBytesPerElement"),
            dispatchHeaderBytes: try p.dispatchHeaderBytes.map { n throws(ConfigError) in try v.nonNegative(n, pp + "dispatchHeaderBytes", atMost: 1 << 16) } ?? 0,
            messageAlignmentBytes: try p.messageAlignmentBytes.map { n throws(ConfigError) in try v.positive(n, pp + "messageAlignmentBytes", atMost: 1 << 16) },
            ffnWeights: format)
    }
}
