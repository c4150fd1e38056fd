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

    enum CodingKeys: String, CodingKey {
        case prefillInstances, prefillNPUs, decodeInstances, decodeNPUs, decodeBatchPerDie, microbatching, mtp, precision
        case emsCapacityGB, accelerators, prefillAccelerators, decodeAccelerators
    }

    /// The knobs, and the accelerator counts they imply (for readers of the JSON; not decoded).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prefillInstances, forKey: .prefillInstances)
        try c.encode(prefillNPUs, forKey: .prefillNPUs)
        try c.encode(decodeInstances, forKey: .decodeInstances)
        try c.encode(decodeNPUs, forKey: .decodeNPUs)
        try c.encode(decodeBatchPerDie, forKey: .decodeBatchPerDie)
        try c.encode(microbatching, forKey: .microbatching)
        try c.encode(mtp, forKey: .mtp)
        try c.encode(precision, forKey: .precision)
        try c.encodeIfPresent(emsCapacityGB, forKey: .emsCapacityGB)
        try c.encode(accelerators, forKey: .accelerators)
        try c.encode(prefillAccelerators, forKey: .prefillAccelerators)
        try c.encode(decodeAccelerators, forKey: .decodeAccelerators)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            prefillInstances: try c.decode(Int.self, forKey: .prefillInstances), prefillNPUs: try c.decode(Int.self, forKey: .prefillNPUs),
            decodeInstances: try c.decode(Int.self, forKey: .decodeInstances), decodeNPUs: try c.decode(Int.self, forKey: .decodeNPUs),
            decodeBatchPerDie: try c.decode(Int.self, forKey: .decodeBatchPerDie),
            microbatching: try c.decode(MicrobatchPolicy.self, forKey: .microbatching), mtp: try c.decode(Bool.self, forKey: .mtp),
            precision: try c.decode(String.self, forKey: .precision), emsCapacityGB: try c.decodeIfPresent(Double.self, forKey: .emsCapacityGB))
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension MicrobatchPolicy: Codable {}
