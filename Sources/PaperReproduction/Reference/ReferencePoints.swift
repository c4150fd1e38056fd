import SystemDescription
import CostModel
import DisaggregatedServing
/// One published number of the paper, as stored in `results/reference/cloudmatrix-paper.json`.
public struct ReferencePoint: Decodable, Sendable, Equatable {
    public var id: String
    public var what: String
    public var value: Double
    public var unit: String
    public var source: String
}

/// Whether a reference point was used to fit the model or is predicted by it.
public enum ReferenceRole: String, Sendable, Equatable {
    case calibration
    case prediction
}

/// One row of the model-versus-paper comparison.
public struct ComparisonRow: Sendable, Equatable {
    public var id: String
    public var what: String
    public var unit: String
    public var paper: Double
    public var model: Double
    public var role: ReferenceRole
    /// The acceptance band for this row (±%); see ``ReferenceComparison/tolerance(id:role:)``.
    public var tolerancePercent: Double
    /// How the model value was obtained, in a phrase.
    public var note: String

    /// (model − paper) / paper, in %.
    public var errorPercent: Double { (model - paper) / paper * 100 }
    public var withinTolerance: Bool { abs(errorPercent) <= tolerancePercent }
}

/// The reference file: points in the order the paper presents them.
struct ReferenceFile: Decodable, Sendable {
    var points: [ReferencePoint]
}

extension ReferencePoint {
    /// Loads the reference points; used only by the comparison, never by the cost model.
    public static func load(path: String) throws(ConfigError) -> [ReferencePoint] {
        try ConfigFile.decode(ReferenceFile.self, at: path).points
    }
}
