import DisaggregatedServing
import Foundation
import SystemDescription
import CostModel
import PaperReproduction

/// Where the hardware, model and deployment files are, and which deployment to use: shared by
/// `reproduce`, `explain` and the model-backed backends.
enum ModelOptions {
    static let specs: [OptionSpec] = [
        OptionSpec(
            "--configs", .value(placeholder: "DIR"),
            help: "Folder with hardware/, models/ and deployments/ JSON (default: configs beside the binary or here)."),
        OptionSpec("--deployment", .value(placeholder: "NAME"), help: "Deployment file name in configs/deployments/, or a path to a deployment file (default cloudmatrix-infer)."),
    ]

    /// `--model NAME`, for the commands that take it (explain): the deployment's layout with
    /// another model file.
    static let modelSpec = OptionSpec(
        "--model", .value(placeholder: "NAME"),
        help: "Model file name in configs/models/ to put on the deployment's layout instead of the one it names (MTP off if it has no MTP module; refused if the layout does not hold it).")

    /// The system `--configs`, `--deployment` and `--model` name, each file read once through `files`.
    static func system(_ arguments: ParsedArguments, files: ConfigFiles = ConfigFiles()) throws -> SystemConfiguration {
        let directory = try ProjectPaths.locate("configs", given: arguments.value("--configs"))
        return try SystemConfiguration.load(
            configsDirectory: directory, deployment: arguments.value("--deployment") ?? "cloudmatrix-infer", model: arguments.value("--model"),
            files: files)
    }
}

/// Finds the project's data folders (`configs/`, `results/reference/`) from the working
/// directory, or beside the binary (`.build/release/cmbench` → the checkout), so cmbench runs from
/// anywhere in a checkout.
enum ProjectPaths {
    static func locate(_ relative: String, given: String?) throws(CLIError) -> String {
        if let given {
            guard FileManager.default.fileExists(atPath: given) else {
                throw CLIError(.missingInput, "\(given): no such file or folder")
            }
            return given
        }
        var candidates = [relative]
        let executable = URL(fileURLWithPath: ChildProcess.selfPath)
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent(relative).path)
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) { return candidate }
        throw CLIError(
            .missingInput, "cannot find '\(relative)' here or beside the cmbench binary",
            hint: "run from the cmbench checkout, or pass its location")
    }
}
