import DisaggregatedServing
import FileOutput
import Foundation
import Reporting
import SystemDescription
import CostModel
import PaperReproduction

/// `cmbench reproduce`: the model's predictions beside the paper's numbers.
enum ReproduceCommand: Command {
    static let spec = CommandSpec(
        name: "reproduce",
        summary: "Set the model's predictions beside the CloudMatrix384 paper's reference numbers.",
        usage: ["reproduce [--json] [--csv FILE] [--plot DIR] [--configs DIR] [--deployment NAME]"],
        discussion: """
            Evaluates each reference setup of the paper (results/reference/cloudmatrix-paper.json)
            through the same code replay uses: decode as a closed-loop replay at the paper's batch and
            lengths (R1–R5), prefill at its token batches (R6–R7), the ablations (R8–R11), the EMS
            context-caching sweep (R12), the operator tables (R13–R15) and model loading (R16). One row
            per point: id, what is measured, the paper's value, the model's, the error in %, and the
            role: 'calibration' (a value the model was fitted to or takes as input) or 'prediction'
            (computed from hardware, model and deployment files alone). Tolerance bands: R1–R7
            ±5 %, R8–R12 and R16 ±15 %, calibration ±3 %.

            Then the paper's GPU baselines B1–B6 (results/reference/gpu-baselines.json) and
            published TensorRT-LLM points, each an offline replay through the aggregated backend
            run the way trtllm-bench ran it, predictions at ±15 %: DeepSeek-R1 AG1–AG2
            (results/reference/aggregated-points.json: the recipe's limits and concurrency), and
            the perf-overview rows of Qwen3-235B-A22B (QT1–QT5) and Llama-3.3-70B (LT1–LT5)
            (results/reference/other-models-points.json, --models-reference: every request queued
            at t = 0, engine limits from trtllm-bench's own sizing heuristic, printed in each
            row's note).
            """,
        options: [
            OptionSpec("--json", help: "Print {\"points\": [{\"id\", \"paper\", \"model\", \"error_pct\", \"role\", …}]}."),
            OptionSpec("--csv", .value(placeholder: "FILE"), help: "Also write the rows as CSV (provenance in FILE.meta.json)."),
            OptionSpec("--reference", .value(placeholder: "FILE"), help: "Reference numbers (default results/reference/cloudmatrix-paper.json)."),
            OptionSpec("--gpu-reference", .value(placeholder: "FILE"), help: "GPU baseline numbers B1-B6 (default results/reference/gpu-baselines.json)."),
            OptionSpec(
                "--aggregated-reference", .value(placeholder: "FILE"),
                help: "Published aggregated points AG1-AG2 (default results/reference/aggregated-points.json)."),
            OptionSpec(
                "--models-reference", .value(placeholder: "FILE"),
                help: "Published points of other models: K1-K2 (Kimi K2 on 128 H200), QT1-QT5 and LT1-LT5 (TensorRT-LLM, Qwen3 and Llama 3.3), Q5-Q7 (SGLang on Ascend, Qwen3 with EAGLE-3) (default results/reference/other-models-points.json)."),
            OptionSpec("--what-if", help: "Also show the fabrics swapped: CloudMatrix over RoCE, H800 with a UB-like domain."),
            OptionSpec("--plot", .value(placeholder: "DIR"), help: "Write the paper's curves as SVG into DIR (model curve beside the paper's points)."),
        ] + ModelOptions.specs,
        examples: [("reproduce", "the table in the README"), ("reproduce --json | jq '.points[] | select(.role==\"prediction\")'", "predictions only")])

    struct Row: Codable {
        var id: String
        var what: String
        var unit: String
        var paper: Double
        var model: Double
        var errorPercent: Double
        var role: String
        var tolerancePercent: Double
        var withinTolerance: Bool
        var note: String

        enum CodingKeys: String, CodingKey {
            case id, what, unit, paper, model, role, note
            case errorPercent = "error_pct"
            case tolerancePercent = "tolerance_pct"
            case withinTolerance = "within_tolerance"
        }
    }

    struct Document: Codable {
        var schema = "cmbench.reproduce/1"
        var deployment: String
        var cmbenchVersion = CMBenchVersion.string
        var points: [Row]
        /// Present with `--what-if` (absent otherwise, so the default document does not change).
        var whatIf: [WhatIfReport.Row]?
        /// Every hardware, model and deployment file the rows were computed from, the build and
        /// the reference files (left out of the gate's metrics, as every `provenance` is).
        var provenance: Provenance

        enum CodingKeys: String, CodingKey {
            case schema, deployment, points, provenance
            case cmbenchVersion = "cmbench_version"
            case whatIf = "what_if"
        }
    }

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        // Every configuration file the rows use, each read once (the deployment is loaded for the
        // cost model, each decode replay and the serving rows): recorded in the provenance.
        let configFiles = ConfigFiles()
        let system = try ModelOptions.system(arguments, files: configFiles)
        let referencePath = try ProjectPaths.locate(
            "results/reference/cloudmatrix-paper.json", given: arguments.value("--reference"))
        let reference = try ReferencePoint.load(path: referencePath)
        let configsDirectory = try ProjectPaths.locate("configs", given: arguments.value("--configs"))
        let deploymentName = arguments.value("--deployment") ?? "cloudmatrix-infer"
        var comparisons = ReferenceComparison.compare(system: system, reference: reference)
        // R1–R5 through the same code a user's replay runs: a closed loop at the paper's batch.
        for index in comparisons.indices {
            guard let setup = ReferenceComparison.decodeSetups[comparisons[index].id] else { continue }
            let replayed = try DecodeReproduction.run(
                system: system, configsDirectory: configsDirectory, deployment: deploymentName, batchPerNPU: setup.batchPerNPU,
                prompt: setup.prompt, output: setup.output, files: configFiles)
            comparisons[index].note = "closed-loop replay, \(replayed.requests) requests at \(setup.batchPerNPU)/NPU "
                + "(\(formatFixed(replayed.tokensPerSecondPerNPU, digits: 0)) tokens/s/NPU); the cost model's steady state gives "
                + formatFixed(comparisons[index].model, digits: 2) + " ms. " + comparisons[index].note
            comparisons[index].model = replayed.tpotMilliseconds
        }
        // R12 (EMS context caching) and R16 (model loading) come from the serving system.
        let (_, serving) = try CloudMatrixBackend.load(configsDirectory: configsDirectory, deployment: deploymentName, files: configFiles)
        comparisons += try ServingReference.compare(system: system, serving: serving, reference: reference)
        if serving.ems == nil || serving.modelCaching == nil {
            console.printErr("cmbench: note: deployment '\(deploymentName)' has no \(serving.ems == nil ? "EMS pool" : "model caching") in its servingSystem section: "
                + "its R12/R16 rows are left out")
        }
        // B1–B6: the paper's GPU baselines, predicted from the GPU hardware and deployment files.
        var settings = ["deployment": deploymentName, "reference": referencePath]
        if let gpuPath = try? ProjectPaths.locate("results/reference/gpu-baselines.json", given: arguments.value("--gpu-reference")) {
            let gpuReference = try ReferencePoint.load(path: gpuPath)
            comparisons += try BaselineComparison.compare(configsDirectory: configsDirectory, reference: gpuReference, files: configFiles)
            settings["gpu_reference"] = gpuPath
        }
        // Published TensorRT-LLM points, replayed offline through the aggregated backend: AG1, AG2
        // (DeepSeek-R1), then QT1–QT5 and LT1–LT5 (the perf-overview rows of Qwen3 and Llama 3.3).
        for (defaultPath, option, key) in [
            ("results/reference/aggregated-points.json", "--aggregated-reference", "aggregated_reference"),
            ("results/reference/other-models-points.json", "--models-reference", "models_reference"),
        ] {
            guard let path = try? ProjectPaths.locate(defaultPath, given: arguments.value(option)) else { continue }
            comparisons += try AggregatedReproduction.compare(
                reference: try ReferencePoint.load(path: path), configsDirectory: configsDirectory, files: configFiles)
            settings[key] = path
        }
        // K1, K2: Kimi K2 on 128 H200 (SGLang PD), predicted as the SGLang-on-H100 rows are.
        if let modelsPath = settings["models_reference"] {
            let modelsReference = try ReferencePoint.load(path: modelsPath)
            comparisons += try KimiK2Comparison.compare(configsDirectory: configsDirectory, reference: modelsReference, files: configFiles)
        }
        let rows = comparisons.map { row in
            Row(
                id: row.id, what: row.what, unit: row.unit, paper: row.paper, model: row.model,
                errorPercent: row.errorPercent, role: row.role.rawValue, tolerancePercent: row.tolerancePercent,
                withinTolerance: row.withinTolerance, note: row.note)
        }
        var whatIf: [WhatIfReport.Row]?
        if arguments.flag("--what-if") {
            whatIf = try WhatIfReport.rows(configsDirectory: configsDirectory, cloudMatrix: system, files: configFiles)
        }
        // The decode replays run with seed 1 (DecodeReproduction); nothing else draws at random.
        let provenance = Provenance(command: "reproduce", configFiles: configFiles.digests, configuration: settings, seed: 1)
        let document = Document(deployment: system.deployment.name, points: rows, whatIf: whatIf, provenance: provenance)
        // No output may land on what this command read: the reference files and every
        // configuration file the rows came from.
        let files = ProtectedFiles(
            inputs: [referencePath, settings["gpu_reference"], settings["aggregated_reference"], settings["models_reference"]] + configFiles.digests.map(\.path))
        if let path = arguments.value("--csv") {
            let csv = try CSVWriter(
                path: path,
                header: ["id", "what", "unit", "paper", "model", "error_pct", "role", "tolerance_pct", "within_tolerance"],
                provenance: CSVCompanion(provenance: provenance, deployment: system.deployment.name),
                protecting: files)
            for row in rows {
                try csv.append([
                    .text(row.id), .text(row.what), .text(row.unit), .number(row.paper), .number(row.model),
                    .number(row.errorPercent), .text(row.role), .number(row.tolerancePercent), .text(row.withinTolerance ? "yes" : "no"),
                ])
            }
            try csv.finish()
        }
        if let directory = arguments.value("--plot") {
            for path in try PaperPlots.write(
                into: directory, system: system, serving: serving, reference: reference, comparisons: comparisons,
                protecting: files) {
                console.printErr("cmbench: wrote \(path)")
            }
        }
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(document))
        } else {
            console.out(render(document))
            if let whatIf = document.whatIf { console.out(WhatIfReport.render(whatIf)) }
        }
        return .ok
    }

    static func render(_ document: Document) -> String {
        var table = TextTable(
            header: ["id", "what", "paper", "model", "error %", "band", "role"],
            alignments: [.left, .left, .right, .right, .right, .right, .left])
        for row in document.points {
            let what = row.what.count > 58 ? String(row.what.prefix(57)) + "…" : row.what
            table.append([
                row.id, what, formatSignificant(row.paper) + " " + row.unit, formatSignificant(row.model),
                (row.errorPercent > -0.05 ? "+" : "") + formatFixed(row.errorPercent, digits: 1),
                (row.withinTolerance ? "✓ ±" : "✗ ±") + formatFixed(row.tolerancePercent, digits: 0), row.role,
            ])
        }
        let predictions = document.points.filter { $0.role == "prediction" }
        let within = predictions.filter(\.withinTolerance).count
        return "CloudMatrix-Infer (\(document.deployment)): model vs paper (arXiv 2506.12708)\n\n" + table.render()
            + "\n\(within) of \(predictions.count) predictions within their band; "
            + "\(document.points.count - predictions.count) calibration rows.\n\n"
            + document.provenance.lines.joined(separator: "\n") + "\n"
    }

    /// The CSV's `FILE.meta.json`: the provenance, with the deployment's name at the top level
    /// as before.
    struct CSVCompanion: Encodable {
        var provenance: Provenance
        var deployment: String

        enum CodingKeys: String, CodingKey { case deployment }

        func encode(to encoder: any Encoder) throws {
            try provenance.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(deployment, forKey: .deployment)
        }
    }
}

/// Four significant digits, without exponent for the magnitudes reports show.
func formatSignificant(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1000 { return formatFixed(value, digits: 0) }
    if magnitude >= 100 { return formatFixed(value, digits: 1) }
    if magnitude >= 10 { return formatFixed(value, digits: 2) }
    return formatFixed(value, digits: 3)
}
