import AggregatedServing
import CostModel
import Reporting
import SystemDescription

/// `cmbench explain --backend aggregated`: where one iteration of an aggregated replica goes,
/// every attention rank carrying the same mixed batch.
enum ExplainAggregated {
    static let usage =
        "explain --backend aggregated [--deployment NAME] [--decode N] [--kv L] [--chunk T] [--chunk-context P] [--mtp on|off] [--experts perfect|default|random]"

    static let specs: [OptionSpec] = [
        OptionSpec("--decode", .value(placeholder: "N"), help: "Aggregated: decode requests per attention rank (default: the engine's batch cap)."),
        OptionSpec("--chunk", .value(placeholder: "T"), help: "Aggregated: prompt tokens per attention rank in the iteration (default 0)."),
        OptionSpec("--chunk-context", .value(placeholder: "P"), help: "Aggregated: tokens of the same prompt before the chunk (default 0)."),
    ]

    static func run(_ arguments: ParsedArguments, configFiles: ConfigFiles, console: Console) throws -> [String: String] {
        for option in ["--phase", "--batch", "--microbatching", "--tokens-per-npu", "--prompt", "--reused", "--microbatches"]
        where arguments.has(option) {
            throw CLIError.usage("\(option) applies to the cloudmatrix backend's decode step or prefill batch, not to --backend aggregated")
        }
        let directory = try ProjectPaths.locate("configs", given: arguments.value("--configs"))
        let name = arguments.value("--deployment") ?? AggregatedBackend.defaultDeployment
        var system = try AggregatedSystem.load(configsDirectory: directory, deployment: name, model: arguments.value("--model"), files: configFiles)
        if let mtp = try arguments.choice("--mtp", among: ["on", "off"]) {
            if mtp == "off" { system.deployment.mtp = .off } else if system.deployment.mtp.draftTokens == 0 {
                throw CLIError.usage("--mtp on: deployment '\(system.deployment.name)' has no MTP draft in its file")
            }
        }
        if let balance = try arguments.choice("--experts", among: ExpertBalance.allCases.map(\.rawValue)).flatMap(ExpertBalance.init) {
            system.deployment.expertBalance = balance
        }
        let limits = system.deployment.limits
        let decode = try arguments.int("--decode") ?? limits.maxBatchPerRank
        let kv = try arguments.int("--kv") ?? 2048
        let chunk = try arguments.int("--chunk") ?? 0
        let context = try arguments.int("--chunk-context") ?? 0
        for (option, value) in [("--decode", decode), ("--kv", kv), ("--chunk", chunk), ("--chunk-context", context)] where value < 0 {
            throw CLIError.usage("\(option) must not be negative, got \(value)")
        }
        guard decode + chunk > 0 else { throw CLIError.usage("an iteration needs --decode or --chunk above zero") }
        var load = RankLoad(decodeRequests: decode, decodeContextTokens: decode * kv)
        if chunk > 0 { load.addChunk(tokens: chunk, context: context, completesPrompt: true) }
        let model = IterationCostModel(hardware: system.hardware, model: system.model, deployment: system.deployment, draftModel: system.draftModel)
        let ranks = Array(repeating: load, count: system.deployment.layout.attentionDataParallel)
        let breakdown = model.breakdown(ranks: ranks)
        let memory = model.memoryBudget
        console.out(render(breakdown, system: system, kvBlocks: memory.kvBlocksPerRank(blockTokens: limits.kvBlockTokens)))
        return ["deployment": system.deployment.name, "backend": "aggregated"]
    }

    static func render(_ b: IterationBreakdown, system: AggregatedSystem, kvBlocks: Int) -> String {
        let d = system.deployment, layout = b.layout
        let load = b.ranks.first ?? RankLoad()
        let kind = system.hardware.acceleratorKind
        let tokens = load.decodeRequests * b.queriesPerDecodeRequest + load.prefillTokens
        // A dense model (Llama) has no experts: its FFN is reduced over the TP group, and there is
        // no expert balance to report.
        let isMoE = system.model.moe != nil
        var lines = [
            "aggregated iteration: \(d.name), one replica of \(layout.diesPerReplica) dies (tp=\(layout.tensorParallel) "
                + "dp=\(layout.attentionDataParallel) ep=\(layout.expertParallel) pp=\(layout.pipelineParallel)), "
                + (isMoE ? "MoE by \(b.moeCommunication.rawValue)" : "dense model (FFN by TP all-reduce)"),
            "per attention rank: \(load.decodeRequests) decode requests (mean KV \(load.decodeRequests > 0 ? load.decodeContextTokens / load.decodeRequests : 0) tokens, "
                + "\(b.queriesPerDecodeRequest) token(s) each) + \(load.prefillTokens) prompt tokens after \(load.prefillContextTokens) of context = \(tokens) tokens "
                + "(budget \(d.limits.maxBatchedTokensPerRank))"
                + (isMoE ? "; experts \(d.expertBalance.rawValue) (busiest expert die at \(formatFixed(b.expertMaxOverMean, digits: 3))× the mean)" : ""),
            "KV cache: \(kvBlocks) blocks of \(d.limits.kvBlockTokens) tokens per attention rank",
            "",
        ]
        for (s, stage) in b.stages.enumerated() {
            if b.stages.count > 1 { lines.append("pipeline stage \(s)") }
            for layer in stage.layers where layer.count > 0 {
                lines.append("\(layer.kind.rawValue) layer × \(layer.count): \(formatFixed(layer.microseconds, digits: 1)) µs per layer")
                var table = TextTable(header: ["  operator", "µs", "bound", "GFLOP", "MB"], alignments: [.left, .right, .left, .right, .right])
                let slowest = layer.slowestRank
                if layer.rankOperators.indices.contains(slowest) {
                    table.append(["  each rank (rank \(slowest) sets the pace)", "", "", "", ""])
                    for op in layer.rankOperators[slowest] { table.append(row(op)) }
                }
                if !layer.commonOperators.isEmpty {
                    table.append(["  all ranks together", "", "", "", ""])
                    for op in layer.commonOperators { table.append(row(op)) }
                }
                lines.append(table.render().trimmingTrailingNewline)
                lines.append("")
            }
            if let send = stage.send {
                lines.append("send to the next stage: \(formatFixed(send.microseconds, digits: 1)) µs")
                lines.append("")
            }
        }
        var extras = TextTable(header: ["once per iteration", "µs", "bound"], alignments: [.left, .right, .left])
        for op in b.extras + [b.graphOverhead] { extras.append(["  " + op.name, formatFixed(op.microseconds, digits: 1), op.bound.rawValue]) }
        lines.append(extras.render().trimmingTrailingNewline)
        lines.append("")
        let seconds = b.totalMicroseconds * 1e-6
        let outputPerDie = Double(load.decodeRequests * layout.attentionDataParallel) * d.mtp.tokensPerStep / seconds / Double(layout.diesPerReplica)
        lines.append(
            "iteration \(formatFixed(b.totalMicroseconds / 1000, digits: 2)) ms"
                + (b.stages.count > 1 ? " (busiest stage \(formatFixed(b.stageMicroseconds / 1000, digits: 2)) ms)" : "")
                + "; decode tokens \(formatFixed(outputPerDie * Double(system.hardware.diesPerPackage), digits: 0)) /s per \(kind)"
                + (load.decodeRequests > 0 ? ", TPOT \(formatFixed(b.totalMicroseconds / 1000 / d.mtp.tokensPerStep, digits: 2)) ms" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    static func row(_ op: OperatorTime) -> [String] {
        ["    " + op.name, formatFixed(op.microseconds, digits: 1), op.bound.rawValue, formatFixed(op.flops / 1e9, digits: 2),
         formatFixed(op.bytes / 1e6, digits: 2)]
    }
}
