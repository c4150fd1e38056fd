import CMBenchTestSupport
import Foundation
import Testing

@testable import CMBenchCLI

/// The deployments that put Qwen3, Kimi K2 and Llama on CloudMatrix384 and GPUs replay a small
/// trace and explain; what a model cannot run is refused with the reason.
@Suite struct OtherModelDeploymentTests {
    @Test(arguments: ["cloudmatrix-qwen3", "cloudmatrix-kimi-k2", "sglang-kimi-k2-h200"])
    func disaggregatedDeploymentReplaysAndExplains(deployment: String) {
        let replay = cmbench("replay", "traces/default.csv.zst", "--backend-option", "deployment=\(deployment)", "--max-requests", "40")
        #expect(replay.status == .ok, "\(replay.stderr)")
        #expect(replay.stdout.contains("40 completed"))
        for phase in ["decode", "prefill"] {
            let explain = cmbench("explain", "--phase", phase, "--deployment", deployment)
            #expect(explain.status == .ok, "\(explain.stderr)")
            #expect(explain.stdout.contains("moe layer × "))
            // A model without dense layers shows none; none of these models drafts with MTP.
            #expect(!explain.stdout.contains("layer × 0"))
            #expect(!explain.stdout.contains("mtp layer"))
        }
    }

    @Test func gqaModelsExplainGQAOperatorsNotMLA() {
        let explain = cmbench("explain", "--phase", "decode", "--deployment", "cloudmatrix-qwen3")
        #expect(explain.stdout.contains("QKVProlog"))
        #expect(!explain.stdout.contains("MLAProlog"))
    }

    @Test(arguments: ["aggregated-910c-qwen3", "aggregated-910c-llama-3.1-70b"])
    func aggregatedDeploymentReplaysAndExplains(deployment: String) {
        let replay = cmbench(
            "replay", "traces/default.csv.zst", "--backend", "aggregated", "--backend-option", "deployment=\(deployment)", "--max-requests", "40")
        #expect(replay.status == .ok, "\(replay.stderr)")
        #expect(replay.stdout.contains("40 completed"))
        let explain = cmbench("explain", "--backend", "aggregated", "--deployment", deployment, "--decode", "8", "--chunk", "256")
        #expect(explain.status == .ok, "\(explain.stderr)")
        #expect(explain.stdout.contains("iteration"))
    }

    @Test func denseModelExplainsWithoutExperts() {
        let explain = cmbench("explain", "--backend", "aggregated", "--deployment", "aggregated-910c-llama-3.1-70b")
        #expect(explain.stdout.contains("dense model (FFN by TP all-reduce)"))
        #expect(!explain.stdout.contains("busiest expert"))
    }

    /// A dense model on a disaggregated deployment is held whole on every die: refused with the
    /// reason and where to run it instead (65, the configuration's fault).
    @Test func denseModelOnADisaggregatedDeploymentIsRefusedWithTheReason() {
        for arguments in [
            ["explain", "--phase", "decode", "--deployment", "cloudmatrix-qwen3", "--model", "llama-3.1-70b"],
            ["replay", "traces/default.csv.zst", "--backend-option", "deployment=cloudmatrix-qwen3", "--model", "llama-3.1-70b", "--max-requests", "5"],
        ] {
            let result = cmbench(arguments)
            #expect(result.status == .badData, "\(arguments)")
            #expect(result.stderr.contains("is dense"))
            #expect(result.stderr.contains("aggregated deployment with TP"))
        }
    }

    @Test func mtpIsRefusedForAModelWithoutAnMTPModule() {
        let explain = cmbench("explain", "--phase", "decode", "--deployment", "cloudmatrix-qwen3", "--mtp", "on")
        #expect(explain.status == .usage)
        #expect(explain.stderr.contains("no MTP module"))
        for backend in [["cloudmatrix", "cloudmatrix-kimi-k2"], ["aggregated", "aggregated-910c-qwen3"]] {
            let replay = cmbench(
                "replay", "traces/default.csv.zst", "--backend", backend[0], "--backend-option", "deployment=\(backend[1])",
                "--backend-option", "mtp=on", "--max-requests", "5")
            #expect(replay.status != .ok)
            #expect(replay.stderr.contains("no MTP module"))
        }
    }

    /// `--model` puts another model on a deployment's layout: MTP follows the model, and a layout
    /// that cannot hold it is refused with the loaders' reason.
    @Test func modelOptionReplacesTheDeploymentsModel() {
        let moved = cmbench(
            "replay", "traces/default.csv.zst", "--backend", "aggregated", "--backend-option", "deployment=aggregated-910c", "--model", "kimi-k2",
            "--max-requests", "20")
        #expect(moved.status == .ok, "\(moved.stderr)")
        #expect(moved.stdout.contains("models/kimi-k2.json"))
        #expect(moved.stdout.contains("mtp=off"))
        let tooFewSlots = cmbench("explain", "--phase", "decode", "--deployment", "cloudmatrix-infer", "--model", "kimi-k2")
        #expect(tooFewSlots.status == .badData)
        #expect(tooFewSlots.stderr.contains("288 routed-expert slots for model kimi-k2's 384"))
        let same = cmbench("explain", "--phase", "decode", "--deployment", "cloudmatrix-kimi-k2", "--model", "kimi-k2")
        #expect(same.status == .ok)
    }
}
