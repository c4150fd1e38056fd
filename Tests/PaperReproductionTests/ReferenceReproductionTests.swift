import CMBenchTestSupport
import Testing
@testable import PaperReproduction
import CostModel
import DisaggregatedServing
import SystemDescription

/// The reproduce target: the comparison function's errors against the paper's reference file.
///
/// Separate from the behaviour tests on purpose: this is the only test that reads the paper's
/// numbers. Rows the model misses are recorded as known issues with the reason (see the report
/// in the commit history), not hidden by loosening bands.
@Suite struct ReferenceReproductionTests {
    let system: SystemConfiguration
    let reference: [ReferencePoint]
    /// Throws rather than traps: a missing or broken file fails each test, not the whole run.
    init() throws {
        system = try Fixtures.system()
        reference = try ReferencePoint.load(path: Fixtures.referencePath)
    }
    var rows: [ComparisonRow] { ReferenceComparison.compare(system: system, reference: reference) }

    /// Rows outside their band, with why (analysis in the module's report).
    static let knownMisses: [String: String] = [
        "R5": """
            batch 8/NPU is off the trend of R1-R4: from batch 8 to 24 per NPU the paper's step grows \
            16.5 ms, twice the model's 8.9 ms and ~1.8x the per-request growth from 24 to 96. The \
            per-operator overhead fitted at R4 (C1) leaves 19.4 ms at batch 8; no fixed cost fits \
            both points and no operator table (6-9) gives a cost that grows that fast at small batch
            """,
    ]

    @Test func coversR1ToR11AndR13ToR15() {
        let ids = Set(rows.map(\.id))
        for id in ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8a", "R9b", "R10a", "R11a", "R13-D256", "R14-RI", "R15-G1"] {
            #expect(ids.contains(id), "missing \(id)")
        }
        #expect(!ids.contains("R12") && !ids.contains("R16"))
    }

    @Test func atMostTwoSystemLevelCalibrationPoints() {
        let systemLevel = rows.filter { $0.role == .calibration && !$0.id.hasPrefix("R13") && !$0.id.hasPrefix("R14") && !$0.id.hasPrefix("R15") }
        #expect(systemLevel.map(\.id) == ["R4", "R6"])
    }

    @Test func storedCalibrationMatchesARefit() throws {
        let fitted = try #require(ReferenceComparison.fitCalibration(system: system, reference: reference))
        #expect(abs(fitted.perOperatorOverheadSeconds - system.deployment.calibration.perOperatorOverheadSeconds) < 1e-9)
        #expect(abs(fitted.systematicSkew - system.deployment.imbalance.systematicSkew) < 1e-5)
    }

    @Test func errorsWithinTheIssueBands() {
        for row in rows {
            if let why = Self.knownMisses[row.id] {
                withKnownIssue("\(row.id): \(why)", isIntermittent: true) {
                    #expect(row.withinTolerance, "\(row.id) \(row.errorPercent) %")
                }
            } else {
                #expect(row.withinTolerance, "\(row.id): paper \(row.paper), model \(row.model), error \(row.errorPercent) %")
            }
        }
    }
}
