import SystemDescription
import CostModel
import DisaggregatedServing
/// Kimi K2 on 128 H200 with SGLang PD disaggregation (K1, K2; issue 18), evaluated the way the
/// SGLang-on-H100 baseline rows are (``BaselineComparison``): prefill and decode throughput per
/// GPU from the cost model, described from the run's configuration alone.
///
/// Source: LMSYS blog of 2025-07-20 (lm-sys/lm-sys.github.io blog/2025-07-20-k2-large-scale-ep.md
/// @ 09af7eee) and its runtime, sgl-project/ome kimi-k2-pd-rt.yaml @ 0d7467a9. The blog measured
/// prefill and decode separately, each at steady state from the server logs: 16,384 tokens per
/// prefill rank per forward, and 480 requests per decode rank at a KV length of 2,000-2,100.
/// Nothing is fitted to these rows.
package enum KimiK2Comparison {
    /// The deployment the rows need, by the name of its file in `configs/deployments/`.
    package static let deployment = "sglang-kimi-k2-h200"

    /// The decode measurement: 480 requests per GPU ([OME] --cuda-graph-bs 480), their KV at the
    /// middle of the 100 generated tokens after a 2,000-token prompt (ISL 2000, OSL 100, [K2-EP]).
    package static let decodeSetup = (batch: 480, kv: 2050.0)

    /// Loads the deployment from `configsDirectory` (read once through `files`) and evaluates
    /// every row of `reference` whose id it knows (K1, K2).
    package static func compare(
        configsDirectory: String, reference: [ReferencePoint], files: ConfigFiles = ConfigFiles()
    ) throws(ConfigError) -> [ComparisonRow] {
        guard reference.contains(where: { evaluates($0.id) }) else { return [] }
        let system = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: deployment, files: files)
        return compare(system: system, reference: reference)
    }

    package static func compare(system: SystemConfiguration, reference: [ReferencePoint]) -> [ComparisonRow] {
        reference.compactMap { point in
            guard let (model, note) = evaluate(point.id, system: system) else { return nil }
            return ComparisonRow(
                id: point.id, what: point.what, unit: point.unit, paper: point.value, model: model, role: .prediction,
                tolerancePercent: 10, note: note)
        }
    }

    static func evaluates(_ id: String) -> Bool { id == "K1" || id == "K2" }

    static func evaluate(_ id: String, system s: SystemConfiguration) -> (Double, String)? {
        switch id {
        case "K1":
            // As B3 (SGLang's default EPLB, no MTP module in prefill).
            let r = BaselineComparison.prefill(s, balance: s.deployment.prefill.expertBalance, runsMTPModule: false)
            let operators = r.layers.flatMap { layer in
                layer.stages.map { (name: $0.operation.name, microseconds: $0.operation.microseconds * Double(layer.count * r.options.microbatches)) }
            }
            return (r.tokensPerSecondPerNPU, "\(s.deployment.name) prefill, \(r.tokensPerNPU) tokens per GPU in \(r.options.microbatches) microbatches, "
                + "batch \(BaselineComparison.formatted(r.batchMicroseconds / 1000)) ms, expert max/mean \(BaselineComparison.formatted(r.expertMaxOverMean)); "
                + "largest stages (summed, before overlap): " + largest(operators))
        case "K2":
            // As B2 (a plain decode step; K2 has no MTP, so nothing to simulate as B5 does).
            let step = BaselineComparison.decode(s, batch: decodeSetup.batch, kv: decodeSetup.kv)
            let operators = step.layers.flatMap { layer in
                layer.streams.flatMap(\.operators).map { (name: $0.name, microseconds: $0.microseconds * Double(layer.count * layer.microbatches)) }
            } + step.extras.map { (name: $0.name, microseconds: $0.microseconds) }
            let exposed = step.layers.reduce(0) { $0 + $1.exposedMicroseconds * Double($1.count) }
            return (step.tokensPerSecondPerDie * Double(s.hardware.diesPerPackage),
                    "\(s.deployment.name) decode, \(step.batchPerDie) requests per GPU at KV \(BaselineComparison.formatted(step.meanKVLength)), "
                    + "step \(BaselineComparison.formatted(step.stepMicroseconds / 1000)) ms (\(step.microbatched ? "two microbatches" : "one batch"), "
                    + "communication wait not hidden \(BaselineComparison.formatted(exposed / 1000)) ms), expert max/mean \(BaselineComparison.formatted(step.expertMaxOverMean)); "
                    + "largest operators (summed over streams): " + largest(operators))
        default:
            return nil
        }
    }

    /// The three largest operators by summed time, each with its share of the sum.
    static func largest(_ operators: [(name: String, microseconds: Double)]) -> String {
        var byName: [String: Double] = [:]
        for op in operators { byName[op.name, default: 0] += op.microseconds }
        let total = byName.values.reduce(0, +)
        guard total > 0 else { return "none" }
        return byName.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
            .map { "\($0.key) \(Int(($0.value / total * 100).rounded())) %" }.joined(separator: ", ")
    }
}
