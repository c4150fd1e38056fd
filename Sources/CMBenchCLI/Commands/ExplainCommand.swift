import DisaggregatedServing
import Reporting
import SystemDescription
import CostModel
import PaperReproduction

/// `cmbench explain`: where one decode step or one prefill batch spends its time.
enum ExplainCommand: Command {
    static let spec = CommandSpec(
        name: "explain",
        summary: "Break one decode step or prefill batch down by layer, stream and operator (µs).",
        usage: [
            "explain --phase decode [--batch B] [--kv L] [--mtp on|off] [--microbatching always|never|auto] [--experts perfect|default|random]",
            "explain --phase prefill [--tokens-per-npu T] [--prompt L] [--reused R] [--microbatches N] [--experts perfect|default|random]",
            ExplainAggregated.usage,
        ],
        discussion: """
            Prints the cost model's per-operator times for one layer of each kind (dense, MoE, MTP),
            per stream (decode) or per pipeline resource (prefill: cube, vector, copy engine), with
            what bounds each operator (compute, memory or communication), then the step or batch
            total. Decode: B is requests per NPU (default: the deployment's), L the mean KV length
            (default 4096). Prefill: T tokens per NPU (default 16384) in prompts of L tokens (4096),
            R of which come from the prefix cache (0).

            --backend aggregated breaks one iteration of an aggregated replica down instead (default
            deployment vllm-h200-dp8ep8): every attention rank runs N decode requests of mean KV L
            (default: the engine's batch cap, 2048) and a T-token prompt chunk after P tokens of
            context (0, 0); per layer, the slowest rank's own operators, then what all ranks run
            together at the MoE layer (dispatch, experts, combine or the all-reduce).
            """,
        options: [
            OptionSpec("--phase", .value(placeholder: "PHASE"), help: "decode or prefill (required for the cloudmatrix backend)."),
            OptionSpec("--backend", .value(placeholder: "NAME"), help: "cloudmatrix (default: a decode step or prefill batch) or aggregated (one iteration)."),
            OptionSpec("--batch", .value(placeholder: "B"), help: "Decode: requests per NPU."),
            OptionSpec("--kv", .value(placeholder: "L"), help: "Decode: mean KV length in tokens (default 4096)."),
            OptionSpec("--mtp", .value(placeholder: "on|off"), help: "Decode: multi-token prediction (default: the deployment's)."),
            OptionSpec("--microbatching", .value(placeholder: "POLICY"), help: "Decode: always, never or auto (the deployment's policy)."),
            OptionSpec("--experts", .value(placeholder: "BALANCE"), help: "perfect, default (the deployment's EPLB) or random (routing noise only)."),
            OptionSpec("--tokens-per-npu", .value(placeholder: "T"), help: "Prefill: batch tokens per NPU (default 16384)."),
            OptionSpec("--prompt", .value(placeholder: "L"), help: "Prefill: prompt length (default 4096)."),
            OptionSpec("--reused", .value(placeholder: "R"), help: "Prefill: prefix tokens per prompt loaded from the cache (default 0)."),
            OptionSpec("--microbatches", .value(placeholder: "N"), help: "Prefill: microbatches (default: the deployment's)."),
        ] + ExplainAggregated.specs + ModelOptions.specs + [ModelOptions.modelSpec],
        examples: [
            ("explain --phase decode --batch 96 --kv 4096", "the paper's headline decode step"),
            ("explain --phase prefill --experts perfect", "a 16K-token-per-NPU prefill batch with ideal balance"),
            ("explain --backend aggregated --deployment trtllm-h200-dp8ep8 --decode 128 --kv 2048 --chunk 512", "an AG1 iteration mixing decode tokens and a prompt chunk"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        let backend = try arguments.choice("--backend", among: ["cloudmatrix", "aggregated"]) ?? "cloudmatrix"
        if backend == "aggregated" {
            let configFiles = ConfigFiles()
            var settings = try ExplainAggregated.run(arguments, configFiles: configFiles, console: console)
            for option in spec.options.map(\.long) where option != "--configs" && option != "--backend" {
                if let value = arguments.value(option) { settings[String(option.dropFirst(2))] = value }
            }
            let provenance = Provenance(command: "explain", configFiles: configFiles.digests, configuration: settings, seed: nil)
            console.out("\n" + provenance.lines.joined(separator: "\n") + "\n")
            return .ok
        }
        for option in ["--decode", "--chunk", "--chunk-context"] where arguments.has(option) {
            throw CLIError.usage("\(option) applies with --backend aggregated")
        }
        guard let phase = try arguments.choice("--phase", among: ["decode", "prefill"]) else {
            throw CLIError.usage("--phase is required (decode or prefill)")
        }
        // The files the breakdown comes from, each read once: printed at the foot, as every report does.
        let configFiles = ConfigFiles()
        let system = try ModelOptions.system(arguments, files: configFiles)
        let balance = try arguments.choice("--experts", among: ExpertBalance.allCases.map(\.rawValue)).flatMap(ExpertBalance.init)
        if phase == "decode" {
            var options = DecodeOptions(deployment: system.deployment.decode)
            if let mtp = try arguments.choice("--mtp", among: ["on", "off"]) {
                if mtp == "on", let reason = system.model.mtpProblem(draftTokens: max(1, system.deployment.decode.mtp.draftTokens)) {
                    throw CLIError.usage("--mtp on: \(reason)")
                }
                options.mtp = mtp == "on" ? system.deployment.decode.mtp : .off
            }
            if let policy = try arguments.choice("--microbatching", among: ["always", "never", "auto"]) {
                options.microbatching = policy == "auto" ? .whenFaster : MicrobatchPolicy(rawValue: policy)!
            }
            if let balance { options.expertBalance = balance }
            let dies = system.hardware.diesPerPackage
            let batchPerNPU = try arguments.positiveInt("--batch") ?? system.deployment.decode.batchPerDie * dies
            guard batchPerNPU % dies == 0 else { throw CLIError.usage("--batch must be a multiple of \(dies) (dies per NPU)") }
            let kv = try arguments.positiveDouble("--kv") ?? 4096
            let step = DecodeCostModel(system: system).stepTime(batchPerDie: batchPerNPU / dies, meanKVLength: kv, options: options)
            console.out(renderDecode(step, batchPerNPU: batchPerNPU, dies: dies))
        } else {
            var options = PrefillOptions(deployment: system.deployment)
            if let microbatches = try arguments.positiveInt("--microbatches") { options.microbatches = microbatches }
            if let balance { options.expertBalance = balance }
            let tokens = try arguments.positiveInt("--tokens-per-npu") ?? 16_384
            let prompt = try arguments.positiveInt("--prompt") ?? 4096
            let reused = try arguments.int("--reused") ?? 0
            guard reused >= 0 && reused < prompt else { throw CLIError.usage("--reused must be in 0..<prompt, got \(reused)") }
            let batch = PrefillCostModel(system: system).batchTime(
                tokensPerNPU: tokens, promptLength: prompt, reusedPrefixTokens: reused, options: options)
            console.out(renderPrefill(batch))
        }
        var settings = ["phase": phase, "deployment": system.deployment.name]
        for option in spec.options.map(\.long) where option != "--phase" && option != "--configs" {
            if let value = arguments.value(option) { settings[String(option.dropFirst(2))] = value }
        }
        let provenance = Provenance(command: "explain", configFiles: configFiles.digests, configuration: settings, seed: nil)
        console.out("\n" + provenance.lines.joined(separator: "\n") + "\n")
        return .ok
    }

    static func renderDecode(_ step: DecodeStepBreakdown, batchPerNPU: Int, dies: Int) -> String {
        var lines = [
            "decode step: \(batchPerNPU) requests per NPU (\(step.batchPerDie) per die), mean KV \(formatFixed(step.meanKVLength, digits: 0)) tokens, "
                + "MTP \(step.options.mtp.draftTokens) draft token(s), \(step.microbatched ? "two microbatches" : "one stream"), "
                + (step.layers.contains { $0.kind == .moe }
                    ? "experts \(step.options.expertBalance.rawValue) (busiest expert die at \(formatFixed(step.expertMaxOverMean, digits: 3))× the mean)"
                    : "dense model (no experts)"),
            "",
        ]
        for layer in step.layers where layer.count > 0 {
            lines.append(
                "\(layer.kind.rawValue) layer × \(layer.count): \(formatFixed(layer.microseconds, digits: 1)) µs per layer"
                    + (layer.microbatches > 1 ? " (\(layer.microbatches) microbatches; HBM floor \(formatFixed(layer.memoryFloorMicroseconds, digits: 1)) µs)" : ""))
            for stream in layer.streams {
                var table = TextTable(header: ["  " + stream.name + " stream (per microbatch)", "µs", "bound", "GFLOP", "MB"],
                                      alignments: [.left, .right, .left, .right, .right])
                for op in stream.operators {
                    table.append(["    " + op.name, formatFixed(op.microseconds, digits: 1), op.bound.rawValue,
                                  formatFixed(op.flops / 1e9, digits: 2), formatFixed(op.bytes / 1e6, digits: 2)])
                }
                table.append(["    total", formatFixed(stream.microseconds, digits: 1), "", "", ""])
                lines.append(table.render().trimmingTrailingNewline)
            }
            if let wait = layer.communicationWaitPerMicrobatch, wait > 0 {
                lines.append(
                    "  compute waits \(formatFixed(wait, digits: 1)) µs per microbatch for dispatch/combine the other microbatch's stages do not cover")
            }
            lines.append("")
        }
        var extras = TextTable(header: ["once per step", "µs", "bound"], alignments: [.left, .right, .left])
        for op in step.extras + [step.graphOverhead] {
            extras.append(["  " + op.name, formatFixed(op.microseconds, digits: 1), op.bound.rawValue])
        }
        lines.append(extras.render().trimmingTrailingNewline)
        lines.append("")
        lines.append(
            "step \(formatFixed(step.stepMicroseconds / 1000, digits: 2)) ms; \(formatFixed(step.tokensPerRequestPerStep, digits: 2)) tokens per request per step; "
                + "TPOT \(formatFixed(step.tpotMilliseconds, digits: 2)) ms; \(formatFixed(step.tokensPerSecondPerDie * Double(dies), digits: 0)) tokens/s per NPU")
        return lines.joined(separator: "\n") + "\n"
    }

    static func renderPrefill(_ batch: PrefillBreakdown) -> String {
        var lines = [
            "prefill batch: \(batch.tokensPerNPU) tokens per NPU in \(batch.promptLength)-token prompts (\(batch.reusedPrefixTokens) reused), "
                + "\(batch.options.microbatches) microbatch(es), "
                + (batch.layers.contains { $0.kind == .moe }
                    ? "experts \(batch.options.expertBalance.rawValue) (busiest expert die at \(formatFixed(batch.expertMaxOverMean, digits: 3))× the mean)"
                    : "dense model (no experts)"),
            "",
        ]
        for layer in batch.layers where layer.count > 0 {
            lines.append("\(layer.kind.rawValue) layer × \(layer.count) (stages per microbatch, in order)")
            var table = TextTable(header: ["  stage", "engine", "µs", "bound"], alignments: [.left, .left, .right, .left])
            for stage in layer.stages {
                table.append(["    " + stage.operation.name, stage.resource.rawValue, formatFixed(stage.operation.microseconds, digits: 1),
                              stage.operation.bound.rawValue])
            }
            for resource in PipelineResource.allCases {
                table.append(["    busy: \(resource.rawValue)", "", formatFixed(layer.busyMicroseconds(resource), digits: 1), ""])
            }
            lines.append(table.render().trimmingTrailingNewline)
            lines.append("")
        }
        var extras = TextTable(header: ["once per batch", "µs", "bound"], alignments: [.left, .right, .left])
        for op in batch.extras + [batch.graphOverhead] {
            extras.append(["  " + op.name, formatFixed(op.microseconds, digits: 1), op.bound.rawValue])
        }
        lines.append(extras.render().trimmingTrailingNewline)
        lines.append("")
        lines.append(
            "batch \(formatFixed(batch.batchMicroseconds / 1000, digits: 1)) ms ("
                + (batch.overlap == .twoBatchOverlap ? "two-batch overlap in program order, " : "")
                + "pipelined layers \(formatFixed(batch.pipelinedMicroseconds / 1000, digits: 1)) ms, "
                + "mean \(formatFixed(batch.meanLayerMicroseconds, digits: 0)) µs per layer); "
                + "\(formatFixed(batch.tokensPerSecondPerNPU, digits: 0)) tokens/s per NPU")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trimmingTrailingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
