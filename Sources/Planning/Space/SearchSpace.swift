import SystemDescription

/// The values each knob may take. The two counts the search walks in order —
/// `prefillInstances` and `decodeNPUs` — are kept ascending; the rest are enumerated.
///
/// Defaults come from the base deployment (`defaults(for:)`); `narrow(_:)` replaces one knob's
/// values from `KEY=LIST` or `KEY=LOW..HIGH[/STEP]` (what `--search` takes).
public struct SearchSpace: Sendable, Hashable, Codable {
    public var prefillInstances: [Int]
    public var prefillNPUs: [Int]
    public var decodeInstances: [Int]
    public var decodeNPUs: [Int]
    public var decodeBatchPerDie: [Int]
    public var microbatching: [MicrobatchPolicy]
    public var mtp: [Bool]
    public var precisions: [String]
    /// nil = the deployment file's capacity.
    public var emsCapacityGB: [Double?]

    public init(
        prefillInstances: [Int], prefillNPUs: [Int], decodeInstances: [Int], decodeNPUs: [Int], decodeBatchPerDie: [Int],
        microbatching: [MicrobatchPolicy], mtp: [Bool], precisions: [String], emsCapacityGB: [Double?] = [nil]
    ) {
        self.prefillInstances = prefillInstances
        self.prefillNPUs = prefillNPUs
        self.decodeInstances = decodeInstances
        self.decodeNPUs = decodeNPUs
        self.decodeBatchPerDie = decodeBatchPerDie
        self.microbatching = microbatching
        self.mtp = mtp
        self.precisions = precisions
        self.emsCapacityGB = emsCapacityGB
        normalise()
    }

    /// The knobs `narrow` accepts, with what each means.
    public static let keys: [(key: String, meaning: String)] = [
        ("prefill_instances", "prefill instances (walked in order)"),
        ("prefill_npus", "NPUs (GPUs) per prefill instance = its EP degree / dies per package"),
        ("decode_instances", "decode instances"),
        ("decode_npus", "NPUs (GPUs) per decode instance (walked in order)"),
        ("decode_batch_per_die", "batch cap per decode die"),
        ("microbatching", "auto, never, always"),
        ("mtp", "on, off"),
        ("precision", "a precision of the model file (int8 = int8-w8a8)"),
        ("ems_capacity_gb", "EMS pool capacity in GB (systems with a pool)"),
    ]

    /// The default space around `system`'s deployment file: prefill instances 1–16 of ½, 1 and 2
    /// times the file's NPUs; decode instances as the file; decode NPUs from 8 to twice the
    /// file's; batch caps from ⅙ to 2 times the file's; microbatching as the file; MTP on and
    /// off (off only, for a model without an MTP module); the file's precision; the file's EMS capacity. Batch caps are rounded to multiples of 8.
    public static func defaults(for system: PlanningSystem) -> SearchSpace {
        let d = system.base.deployment
        let baseDecode = d.decode.npus
        let decodeSteps = [8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512]
        var decode = decodeSteps.filter { $0 <= 2 * baseDecode }
        if !decode.contains(baseDecode) { decode.append(baseDecode) }
        let batch = d.decode.batchPerDie
        // Multiples of 8 where the fraction is not one already (128 x 2/3 is 88, not 85).
        let fractions: [Double] = [1.0 / 6, 1.0 / 3, 2.0 / 3, 1, 4.0 / 3, 2]
        let batches = fractions.map { (fraction: Double) -> Int in
            let exact: Double = Double(batch) * fraction
            if exact >= 8 { return Int((exact / 8).rounded()) * 8 }
            return max(1, Int(exact.rounded()))
        }
        let prefill = d.prefill.npus
        return SearchSpace(
            prefillInstances: Array(1...16), prefillNPUs: [prefill / 2, prefill, prefill * 2].filter { $0 >= 1 },
            decodeInstances: [d.decodeInstances], decodeNPUs: decode, decodeBatchPerDie: batches,
            microbatching: [d.decode.microbatchPolicy], mtp: system.base.model.mtpModules > 0 ? [true, false] : [false],
            precisions: [system.basePrecision])
    }

    /// Candidates in the space (the product of the value counts).
    public var size: Int {
        prefillInstances.count * prefillNPUs.count * decodeInstances.count * decodeNPUs.count * decodeBatchPerDie.count
            * microbatching.count * mtp.count * precisions.count * emsCapacityGB.count
    }

    /// Replaces one knob's values: `KEY=V1,V2,...` or, for counts, `KEY=LOW..HIGH` (every
    /// integer) or `KEY=LOW..HIGH/STEP`.
    public mutating func narrow(_ text: String) throws(SearchSpaceError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw SearchSpaceError(item: text, message: "write KEY=LIST or KEY=LOW..HIGH[/STEP]; keys: \(Self.keys.map(\.key).joined(separator: ", "))")
        }
        let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let value = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        func fail(_ message: String) -> SearchSpaceError { SearchSpaceError(item: text, message: message) }
        func items() throws(SearchSpaceError) -> [String] {
            let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !list.isEmpty, !list.contains(where: \.isEmpty) else { throw fail("'\(key)' needs at least one value") }
            return list
        }
        func counts() throws(SearchSpaceError) -> [Int] {
            if value.contains("..") { return try Self.range(value, fail: fail) }
            var result: [Int] = []
            for item in try items() {
                guard let n = Int(item), n >= 1, n <= FieldValidator.integerLimit else {
                    throw fail("'\(item)' is not a whole number from 1 to \(FieldValidator.integerLimit)")
                }
                result.append(n)
            }
            return result
        }
        switch key {
        case "prefill_instances": prefillInstances = try counts()
        case "prefill_npus": prefillNPUs = try counts()
        case "decode_instances": decodeInstances = try counts()
        case "decode_npus": decodeNPUs = try counts()
        case "decode_batch_per_die": decodeBatchPerDie = try counts()
        case "microbatching":
            var list: [MicrobatchPolicy] = []
            for item in try items() {
                switch item {
                case "auto", "whenFaster": list.append(.whenFaster)
                case "never": list.append(.never)
                case "always": list.append(.always)
                default: throw fail("'\(item)' is not one of auto, never, always")
                }
            }
            microbatching = list
        case "mtp":
            var list: [Bool] = []
            for item in try items() {
                guard item == "on" || item == "off" else { throw fail("'\(item)' is not on or off") }
                list.append(item == "on")
            }
            mtp = list
        case "precision":
            precisions = try items().map { $0 == "int8" ? "int8-w8a8" : $0 == "fp8" ? "fp8-w8a8" : $0 }
        case "ems_capacity_gb":
            var list: [Double?] = []
            for item in try items() {
                guard let gb = Double(item), gb.isFinite, gb >= 0 else { throw fail("'\(item)' is not a non-negative number of GB") }
                list.append(gb)
            }
            emsCapacityGB = list
        default:
            let hint = Self.keys.map(\.key).joined(separator: ", ")
            throw fail("unknown key '\(key)'; use one of \(hint)")
        }
        normalise()
    }

    static func range(_ text: String, fail: (String) -> SearchSpaceError) throws(SearchSpaceError) -> [Int] {
        let (bounds, stepText) = text.contains("/")
            ? (String(text[..<text.firstIndex(of: "/")!]), String(text[text.index(after: text.firstIndex(of: "/")!)...]))
            : (text, "1")
        let parts = bounds.components(separatedBy: "..")
        guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]), let step = Int(stepText) else {
            throw fail("'\(text)' is not LOW..HIGH or LOW..HIGH/STEP with whole numbers")
        }
        guard low >= 1, high >= low, high <= FieldValidator.integerLimit else {
            throw fail("'\(text)' needs 1 <= LOW <= HIGH <= \(FieldValidator.integerLimit)")
        }
        guard step >= 1 else { throw fail("'\(text)': the step must be at least 1") }
        guard (high - low) / step < 10_000 else { throw fail("'\(text)' has more than 10,000 values") }
        return Array(stride(from: low, through: high, by: step))
    }

    /// Sorted, without duplicates: the walk relies on ascending counts, and a value listed
    /// twice would be evaluated twice.
    mutating func normalise() {
        prefillInstances = Array(Set(prefillInstances)).sorted()
        prefillNPUs = Array(Set(prefillNPUs)).sorted()
        decodeInstances = Array(Set(decodeInstances)).sorted()
        decodeNPUs = Array(Set(decodeNPUs)).sorted()
        decodeBatchPerDie = Array(Set(decodeBatchPerDie)).sorted()
        var seenPolicies: [MicrobatchPolicy] = []
        for p in microbatching where !seenPolicies.contains(p) { seenPolicies.append(p) }
        microbatching = seenPolicies
        mtp = mtp.contains(true) && mtp.contains(false) ? [true, false] : Array(mtp.prefix(1))
        var seenPrecisions: [String] = []
        for p in precisions where !seenPrecisions.contains(p) { seenPrecisions.append(p) }
        precisions = seenPrecisions
        var seenEMS: [Double?] = []
        for c in emsCapacityGB where !seenEMS.contains(c) { seenEMS.append(c) }
        emsCapacityGB = seenEMS
    }
}

/// A `--search` item that does not parse: the item and what would be accepted.
public struct SearchSpaceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var item: String
    public var message: String
    public var description: String { "bad search space '\(item)': \(message)" }
}

import Foundation
