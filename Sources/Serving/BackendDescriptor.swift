/// How a backend describes itself in reports: its name, its hardware, its configuration.
///
/// The accelerator and die counts turn throughput into throughput per NPU/GPU and per die;
/// leave them nil when the backend does not model hardware (the fixed-latency backend), and
/// the per-accelerator figures are reported as unknown rather than invented.
public struct BackendDescriptor: Sendable, Hashable, Codable {
    /// The registry name, e.g. `fixed` or `cloudmatrix`.
    public var name: String
    /// What an accelerator is called in reports: `NPU`, `GPU`.
    public var acceleratorKind: String?
    /// Accelerators (NPUs/GPUs) the deployment uses, all roles together.
    public var acceleratorCount: Int?
    /// Dies across those accelerators (an Ascend 910C has 2 per NPU).
    public var dieCount: Int?
    /// The effective configuration as ordered key–value pairs, for provenance.
    public var configuration: [ConfigurationEntry]

    public init(
        name: String, acceleratorKind: String? = nil, acceleratorCount: Int? = nil, dieCount: Int? = nil,
        configuration: [ConfigurationEntry] = []
    ) {
        self.name = name
        self.acceleratorKind = acceleratorKind
        self.acceleratorCount = acceleratorCount
        self.dieCount = dieCount
        self.configuration = configuration
    }

    /// One configuration setting, value rendered as text with its unit (`ttft` = `50ms`).
    public struct ConfigurationEntry: Sendable, Hashable, Codable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }
}
