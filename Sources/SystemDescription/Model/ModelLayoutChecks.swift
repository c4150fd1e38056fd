/// The checks that a model's shapes divide over a deployment's layout: what an engine refuses
/// at start-up (vLLM's and SGLang's `divide` asserts, TensorRT-LLM's mapping checks), refused
/// here with the field to blame and the reason.
extension ModelShape {
    /// Why an aggregated replica of this layout cannot hold the model (nil when it can): heads
    /// over TP, the dense FFN over TP, each expert's width over the dies that shard it, layers
    /// over pipeline stages.
    public func problem(with layout: ParallelLayout) -> (field: String, reason: String)? {
        let tp = max(1, layout.tensorParallel)
        if let reason = attention.tensorParallelProblem(tp) { return ("tensorParallel", "\(reason) of model \(name)") }
        if denseLayers > 0, denseIntermediate % tp != 0 {
            return ("tensorParallel", "TP \(tp) does not divide model \(name)'s dense FFN width \(denseIntermediate)")
        }
        if moe != nil, moeIntermediate % layout.expertShards != 0 {
            return (
                "expertParallel",
                "\(layout.expertShards) dies share each expert (the stage's dies over EP) but do not divide model \(name)'s expert width \(moeIntermediate)"
            )
        }
        if layout.pipelineParallel > layers {
            return ("pipelineParallel", "\(layout.pipelineParallel) stages exceed model \(name)'s \(layers) layers")
        }
        return nil
    }

    /// Why a disaggregated deployment cannot hold the model (nil when it can), with the JSON path
    /// to blame: the prefill TP group over the heads, the experts over the decode dies' slots.
    public func problem(with d: Deployment) -> (path: String, reason: String)? {
        if let reason = attention.tensorParallelProblem(d.prefill.attentionTensorParallelDies) {
            return ("$.prefill.attentionTensorParallelDies", "\(reason) of model \(name)")
        }
        if let reason = mtpProblem(draftTokens: d.decode.mtp.draftTokens) { return ("$.decode.mtp.draftTokens", reason) }
        guard let e = moe else { return nil }
        if e.sharedExperts == 0, d.decode.sharedExpertCopies > 0 {
            return (
                "$.decode.sharedExpertCopies",
                "model \(name) has no shared expert, but the deployment places \(d.decode.sharedExpertCopies) copies of one; set it to 0")
        }
        if d.decode.routedExpertSlots < e.routedExperts {
            return (
                "$.decode.expertsPerDie",
                "the decode dies have \(d.decode.routedExpertSlots) routed-expert slots for model \(name)'s \(e.routedExperts) routed experts")
        }
        return nil
    }

    /// Why this model cannot draft `draftTokens` tokens per step (nil when it can): drafting
    /// runs the model's own MTP modules (DeepSeek-V3's `num_nextn_predict_layers`), and a model
    /// without one (Kimi K2, Qwen3, Llama) has nothing to draft with; the cost model would
    /// otherwise count accepted drafts that no layer computed.
    public func mtpProblem(draftTokens: Int) -> String? {
        guard draftTokens > 0, mtpModules == 0 else { return nil }
        return "model \(name) has no MTP module (mtpModules 0), so it cannot draft \(draftTokens) token(s) per step; set MTP off (draftTokens 0)"
    }
}
