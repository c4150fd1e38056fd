/// The JSON layout of an aggregated deployment file (`"serving": "aggregated"` in
/// `configs/deployments/`). The hardware, model, overheads, expert imbalance and calibration
/// sections are those of the disaggregated files; what differs is one engine per replica.
struct AggregatedDeploymentFile: Decodable, Sendable {
    struct Layout: Decodable, Sendable {
        var tensorParallel: Sourced<Int>
        var attentionDataParallel: Sourced<Int>
        var expertParallel: Sourced<Int>
        var pipelineParallel: Sourced<Int>
    }
    struct Engine: Decodable, Sendable {
        var maxBatchPerRank: Sourced<Int>
        var maxBatchedTokensPerRank: Sourced<Int>
        var chunkedPrefill: Sourced<Bool>
        var kvBlockTokens: Sourced<Int>
        var prefixCaching: Sourced<Bool>
        var policy: Sourced<String>
        var preemption: Sourced<String>
    }
    /// A separate draft model for speculative decoding (EAGLE-3), instead of the model's own MTP module.
    struct DraftModel: Decodable, Sendable {
        var model: String
        var precision: String
        var source: String
    }
    struct KVMemory: Decodable, Sendable {
        var usableFraction: Sourced<Double>
        var kvFractionOfFree: Sourced<Bool>
        var workspaceGBPerDie: Sourced<Double>
    }
    var name: String
    var serving: String
    var hardware: String
    var model: String
    var precision: String
    var replicas: Sourced<Int>
    var layout: Layout
    var engine: Engine
    var router: Sourced<String>
    var mtp: DeploymentFile.MTP
    var draftModel: DraftModel?
    var moeCommunication: Sourced<String>?
    var expertBalance: String
    var expertBalanceSource: String
    var redundantExperts: Sourced<Int>
    var kvMemory: KVMemory
    var overheads: DeploymentFile.Overheads
    var expertImbalance: DeploymentFile.Imbalance
    var calibration: DeploymentFile.Calibration
}

/// The `serving` field every deployment file may carry: absent or `"disaggregated"` for the
/// prefill/decode files, `"aggregated"` for one engine per replica. Read first, so a file of one
/// kind given to the other's loader is refused with a sentence, not a missing-field error.
package enum ServingArchitecture: String, Sendable, Equatable {
    case disaggregated
    case aggregated

    private struct Peek: Decodable { var serving: String? }

    /// The architecture a deployment file declares.
    package static func of(data: Data, file: String) throws(ConfigError) -> ServingArchitecture {
        let peek = try ConfigFile.decode(Peek.self, from: data, file: file)
        guard let text = peek.serving else { return .disaggregated }
        guard let kind = ServingArchitecture(rawValue: text) else {
            throw ConfigError(.unknownName, file: file, path: "$.serving", reason: "unknown serving architecture \"\(text)\"; use \"disaggregated\" or \"aggregated\"")
        }
        return kind
    }
}

import Foundation
