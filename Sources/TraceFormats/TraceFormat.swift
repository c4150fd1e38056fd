/// The request-trace formats cmbench reads, named as on the command line (`--format azure`).
public enum TraceFormat: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Azure LLM inference traces 2023/2024: `TIMESTAMP,ContextTokens,GeneratedTokens`.
    case azure
    /// BurstGPT, either column variant, columns found by header name.
    case burstgpt
    /// Mooncake JSON lines with `timestamp` (ms), `input_length`, `output_length`, `hash_ids`.
    case mooncake
    /// cmbench's own CSV: `arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids`.
    case cmbench

    /// The header line each CSV format starts with (Mooncake has none).
    public var headerExample: String {
        switch self {
        case .azure: "TIMESTAMP,ContextTokens,GeneratedTokens"
        case .burstgpt: "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type"
        case .mooncake: #"{"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1]}"#
        case .cmbench: CMBenchFormat.header
        }
    }

    /// The field that holds each row's time, named in errors about it.
    public var timeField: String {
        switch self {
        case .azure: "TIMESTAMP"
        case .burstgpt: "Timestamp"
        case .mooncake: "timestamp"
        case .cmbench: "arrival_ns"
        }
    }
}
