import Testing
@testable import DisaggregatedServing

/// The reproduce target: the comparison function's errors against the paper's reference file.
///
/// Separate from the behaviour tests on purpose: this is the only test that reads the paper's
/// numbers. Rows the model misses are recorded as known issues with the reason (see the report
/// in the commit history), not hidden by loosening bands.
@Suite struct ReferenceReproductionTests {
    let system = try! Fixtures.system()
    let reference = try! ReferencePoint.load(path: Fixtures.referencePath)
    var rows: [ComparisonRow] { ReferenceComparison.compare(system: system, reference: reference) }

    /// Rows outside their band, with why (analysis in the module's report).
    static let knownMisses: [String: String] = [
        "R1": "decode at batch 96/NPU under-predicted (-7.8 %): routed expert dies carry only routing noise",
        "R3": "decode at batch 112/NPU under-predicted (-7.0 %): routed expert dies carry only routing noise",
        "R5": "R5 lies off the batch trend of R1-R4; no fixed cost fitted at R4 fits it",
        "R6": "default-EPLB expert skew: routing noise explains only ~2 % of the paper's 18 % default-vs-perfect gap",
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
        #expect(systemLevel.map(\.id) == ["R4"])
    }

    @Test func storedCalibrationMatchesARefit() throws {
        let fitted = try #require(ReferenceComparison.fitPerOperatorOverhead(system: system, reference: reference))
        #expect(abs(fitted - system.deployment.calibration.perOperatorOverheadSeconds) < 1e-9)
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
