import SystemDescription
import CostModel
import DisaggregatedServing
/// One published number of the paper, as stored in `results/reference/cloudmatrix-paper.json`.
package struct ReferencePoint: Decodable, Sendable, Equatable {
    package var id: String
    package var what: String
    package var value: Double
    package var unit: String
    package var source: String
}

/// Whether a reference point was used to fit the model or is predicted by it.
package enum ReferenceRole: String, Sendable, Equatable {
    case calibration
    case prediction
}

/// One row of the model-versus-paper comparison.
package struct ComparisonRow: Sendable, Equatable {
    package var id: String
    package var what: String
    package var unit: String
    package var paper: Double
    package var model: Double
    package var role: ReferenceRole
    /// The acceptance band for this row (±%); see ``ReferenceComparison/tolerance(id:role:)``.
    package var tolerancePercent: Double
    /// How the model value was obtained, in a phrase.
    package var note: String

    package init(
        id: String, what: String, unit: String, paper: Double, model: Double, role: ReferenceRole, tolerancePercent: Double, note: String
    ) {
        self.id = id
        self.what = what
        self.unit = unit
        self.paper = paper
        self.model = model
        self.role = role
        self.tolerancePercent = tolerancePercent
        self.note = note
    }

    /// (model − paper) / paper, in %.
    package var errorPercent: Double { (model - paper) / paper * 100 }
    package var withinTolerance: Bool { abs(errorPercent) <= tolerancePercent }
}

/// The reference file: points in the order the paper presents them.
struct ReferenceFile: Decodable, Sendable {
    var points: [ReferencePoint]
}

extension ReferencePoint {
    /// Loads the reference points; used only by the comparison, never by the cost model.
    package static func load(path: String) throws(ConfigError) -> [ReferencePoint] {
        try ConfigFile.decode(ReferenceFile.self, at: path).points
    }
}
