import DisaggregatedServing
import Reporting
import SystemDescription
import CostModel
import PaperReproduction

/// `cmbench reproduce --what-if`: the paper's central claim as numbers — the fabrics swapped.
///
/// CloudMatrix's decode with its UB replaced by RoCE at the GPUs' per-die NIC rate, and
/// DeepSeek's H800 decode given a UB-like scale-up domain over its whole EP group. Both come out
/// of the same cost model from the hardware and deployment files; nothing here is fitted.
enum WhatIfReport {
    struct Row: Codable {
        var scenario: String
        var tpotMilliseconds: Double
        var tokensPerSecondPerAccelerator: Double

        enum CodingKeys: String, CodingKey {
            case scenario
            case tpotMilliseconds = "tpot_ms"
            case tokensPerSecondPerAccelerator = "tokens_per_s_per_accelerator"
        }
    }

    static func rows(configsDirectory: String, cloudMatrix: SystemConfiguration, files: ConfigFiles = ConfigFiles()) throws -> [Row] {
        let h800 = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: "deepseek-h800", files: files)
        let roce = FabricWhatIf.cloudMatrixOverRoCE(cloudMatrix: cloudMatrix, gpu: h800.hardware)
        let ub = FabricWhatIf.h800WithUBDomain(h800: h800)
        return [roce.ub, roce.roce, ub.nvlink, ub.ubLike].map {
            Row(scenario: $0.name, tpotMilliseconds: $0.tpotMilliseconds, tokensPerSecondPerAccelerator: $0.tokensPerSecondPerNPU)
        }
    }

    static func render(_ rows: [Row]) -> String {
        var table = TextTable(header: ["what-if (decode, MTP as deployed)", "TPOT ms", "tokens/s per accelerator"])
        for row in rows {
            table.append([row.scenario, formatFixed(row.tpotMilliseconds, digits: 1), formatFixed(row.tokensPerSecondPerAccelerator, digits: 0)])
        }
        return "\nThe fabrics swapped (CloudMatrix at 96 requests per NPU, H800 at 128 per GPU, KV 4096):\n\n" + table.render()
    }
}
