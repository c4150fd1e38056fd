extension ModelShape {
    /// Loads a model file and selects `precision` (nil = the file's `defaultPrecision`).
    public static func load(path: String, precision: String? = nil) throws(ConfigError) -> ModelShape {
        try ModelShape(file: ConfigFile.decode(ModelFile.self, at: path), path: path, precision: precision)
    }

    init(file f: ModelFile, path: String, precision requested: String?) throws(ConfigError) {
        let v = FieldValidator(file: path)
        name = f.name
        layers = try v.positive(f.layers, "$.layers")
        denseLayers = try v.nonNegative(f.denseLayers, "$.denseLayers")
        guard denseLayers <= layers else { throw v.fail("$.denseLayers.value", "cannot exceed layers (\(layers))") }
        hidden = try v.positive(f.hiddenSize, "$.hiddenSize")
        heads = try v.positive(f.attentionHeads, "$.attentionHeads")
        qLoraRank = try v.positive(f.qLoraRank, "$.qLoraRank")
        kvLoraRank = try v.positive(f.kvLoraRank, "$.kvLoraRank")
        qkNopeHeadDim = try v.positive(f.qkNopeHeadDim, "$.qkNopeHeadDim")
        qkRopeHeadDim = try v.nonNegative(f.qkRopeHeadDim, "$.qkRopeHeadDim")
        vHeadDim = try v.positive(f.vHeadDim, "$.vHeadDim")
        routedExperts = try v.positive(f.routedExperts, "$.routedExperts")
        sharedExperts = try v.nonNegative(f.sharedExperts, "$.sharedExperts")
        expertsPerToken = try v.positive(f.expertsPerToken, "$.expertsPerToken")
        guard expertsPerToken <= routedExperts else {
            throw v.fail("$.expertsPerToken.value", "cannot exceed routedExperts (\(routedExperts))")
        }
        moeIntermediate = try v.positive(f.moeIntermediateSize, "$.moeIntermediateSize")
        denseIntermediate = try v.positive(f.denseIntermediateSize, "$.denseIntermediateSize")
        vocabulary = try v.positive(f.vocabularySize, "$.vocabularySize")
        mtpModules = try v.nonNegative(f.mtpModules, "$.mtpModules")
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
            collectiveBytesPerElement: try bytes(p.collectiveBytesPerElement, "collectiveBytesPerElement"))
    }
}
