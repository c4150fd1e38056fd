import CMBenchTestSupport
import Foundation
import Testing

@testable import SystemDescription

/// `servingSystem.ems.capacityGB`: an optional stated pool size that replaces the one derived
/// from the nodes' DRAM (poolNodes × dramPerNodeGB × poolShareOfDRAM).
@Suite struct EMSCapacityTests {
    /// The serving parameters of the CloudMatrix deployment with `capacity` set as the EMS pool's
    /// `capacityGB` (absent for nil).
    static func serving(capacity: Any?) throws -> ServingSystemParameters {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = try Fixtures.edited(Fixtures.deploymentPath, in: directory) {
            Fixtures.set(&$0, ["servingSystem", "ems", "capacityGB"], capacity)
        }
        return try ServingSystemParameters.load(deploymentPath: path)
    }

    @Test func withoutItTheCapacityIsTheShareOfTheNodesDRAM() throws {
        let ems = try #require(try Self.serving(capacity: nil).ems)
        #expect(ems.capacityBytes == nil)
        #expect(ems.defaultCapacityBytes == 32 * 1536e9 * 0.5)
    }

    @Test(arguments: [0.0, 8192.0, 100_000.5])
    func aStatedCapacityOverridesTheDerivedOne(gb: Double) throws {
        let ems = try #require(try Self.serving(capacity: ["value": gb, "source": "chosen by cmbench plan"]).ems)
        #expect(ems.capacityBytes == gb * 1e9)
        #expect(ems.defaultCapacityBytes == gb * 1e9)
        #expect(ems.poolNodes == 32)
    }

    @Test func aNegativeCapacityIsRefusedByPath() throws {
        do {
            _ = try Self.serving(capacity: ["value": -1, "source": "x"])
            Issue.record("a negative capacity loaded")
        } catch let error as ConfigError {
            #expect(error.code == .invalidValue)
            #expect(error.path == "$.servingSystem.ems.capacityGB.value")
        }
    }

    @Test func aCapacityWithoutASourceIsRefused() throws {
        do {
            _ = try Self.serving(capacity: ["value": 10])
            Issue.record("an unsourced capacity loaded")
        } catch let error as ConfigError {
            #expect(error.code == .missingField)
            #expect(error.path == "$.servingSystem.ems.capacityGB.source")
        }
    }
}
