import SystemDescription

/// One point of the deployment space: the knobs a serving engineer turns, around a base
/// deployment file. What it leaves out (the expert layout, tensor-parallel degree, buffer
/// sizes) `DeploymentLayout` derives from the base file's rules.
public struct CandidateDeployment: Sendable, Hashable, Codable {
    public var prefillInstances: Int
    /// NPUs (GPUs) of one prefill instance: its EP degree is their dies.
    public var prefillNPUs: Int
    public var decodeInstances: Int
    /// NPUs (GPUs) of one decode instance: EP over all their dies, DP attention on each die.
    public var decodeNPUs: Int
    /// Requests one decode die may hold.
    public var decodeBatchPerDie: Int
    /// `always`, `never` or `whenFaster` (shown as `auto`).
    public var microbatching: MicrobatchPolicy
    public var mtp: Bool
    /// A precision name of the model file.
    public var precision: String
    /// The EMS pool's capacity in GB; nil = the deployment file's (and no pool where it has none).
    public var emsCapacityGB: Double?

    public init(
        prefillInstances: Int, prefillNPUs: Int, decodeInstances: Int, decodeNPUs: Int, decodeBatchPerDie: Int,
        microbatching: MicrobatchPolicy, mtp: Bool, precision: String, emsCapacityGB: Double? = nil
    ) {
        self.prefillInstances = prefillInstances
        self.prefillNPUs = prefillNPUs
        self.decodeInstances = decodeInstances
        self.decodeNPUs = decodeNPUs
        self.decodeBatchPerDie = decodeBatchPerDie
        self.microbatching = microbatching
        self.mtp = mtp
        self.precision = precision
        self.emsCapacityGB = emsCapacityGB
    }

    public var prefillAccelerators: Int { prefillInstances * prefillNPUs }
    public var decodeAccelerators: Int { decodeInstances * decodeNPUs }
    /// Accelerators the deployment occupies (prefill and decode; the EMS pool uses the nodes'
    /// CPU DRAM, not accelerators).
    public var accelerators: Int { prefillAccelerators + decodeAccelerators }

    /// `6x16 + 1x160` style: prefill instances × NPUs + decode instances × NPUs.
    public var shape: String {
        "\(prefillInstances)x\(prefillNPUs) + \(decodeInstances)x\(decodeNPUs)"
    }
    /// `decode 1x160`: the decode side alone (decode-only planning simulates no prefill).
    public var decodeShape: String { "decode \(decodeInstances)x\(decodeNPUs)" }

    /// The settings as `--backend-option` pairs (what `replay` would be given for the same run,
    /// apart from the expert layout that a written deployment file carries).
    public var settingsDescription: String {
        var parts = [
            "batch \(decodeBatchPerDie)/die", "microbatching \(microbatching == .whenFaster ? "auto" : microbatching.rawValue)",
            "mtp \(mtp ? "on" : "off")", precision,
        ]
        if let emsCapacityGB { parts.append("ems \(Self.number(emsCapacityGB)) GB") }
        return parts.joined(separator: ", ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension MicrobatchPolicy: Codable {}
