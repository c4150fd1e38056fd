import Testing
import CMBenchTestSupport
@testable import SystemDescription

@Suite struct ConfigLoadingTests {
    @Test func realFilesLoadWithUnitsConverted() throws {
        let s = try Fixtures.system()
        #expect(s.hardware.die.hbmBandwidthBytesPerSecond == 1.6e12)
        #expect(s.hardware.die.int8PeakOpsPerSecond == 752e12)
        #expect(s.hardware.scaleOut.lineRateBytesPerSecond == 25e9)  // 200 Gb/s
        #expect(s.hardware.scaleUp.measured?.writeInterNodeLatencySeconds == 2.1e-6)
        #expect(s.deployment.decode.dies == 320)
        #expect(s.deployment.decode.routedExpertSlots == 288)
        #expect(s.deployment.prefill.dies == 32)
        #expect(s.model.precision.name == "int8-w8a8")
    }

    /// Loads the real hardware file with one edit and returns the error it produces.
    func hardwareError(_ keyPath: [String], _ value: Any?) throws -> ConfigError? {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = try Fixtures.edited(Fixtures.hardwarePath, in: dir) { Fixtures.set(&$0, keyPath, value) }
        do {
            _ = try Hardware.load(path: path)
            return nil
        } catch { return error }
    }

    /// Loads the real configuration with one edit to the deployment file and returns the error.
    func deploymentError(_ edit: (inout [String: Any]) -> Void) throws -> ConfigError? {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let dep = try Fixtures.edited(Fixtures.deploymentPath, in: dir, edit)
        do {
            _ = try SystemConfiguration.load(hardwarePath: Fixtures.hardwarePath, modelPath: Fixtures.modelPath, deploymentPath: dep)
            return nil
        } catch { return error }
    }

    @Test func zeroCoresNamesFieldAndReason() throws {
        let e = try #require(try hardwareError(["die", "cubeCores", "value"], 0))
        #expect(e.code == .invalidValue)
        #expect(e.path == "$.die.cubeCores.value")
        #expect(e.file.hasSuffix("ascend-910c.json"))
        #expect(e.reason.contains("positive"))
    }

    @Test func zeroDiesPerPackageIsRejected() throws {
        let e = try #require(try hardwareError(["package", "diesPerPackage", "value"], 0))
        #expect(e.path == "$.package.diesPerPackage.value")
    }

    @Test func negativeBandwidthIsRejected() throws {
        let e = try #require(try hardwareError(["die", "hbmBandwidthGBps", "value"], -1600))
        #expect(e.code == .invalidValue)
        #expect(e.path == "$.die.hbmBandwidthGBps.value")
    }

    @Test func missingSourceIsAMissingField() throws {
        let e = try #require(try hardwareError(["die", "hbmCapacityGB", "source"], nil))
        #expect(e.code == .missingField)
        #expect(e.path == "$.die.hbmCapacityGB.source")
    }

    @Test func unknownEngineIsAnUnknownName() throws {
        let e = try #require(try hardwareError(["expertCommunication", "engine"], "pigeons"))
        #expect(e.code == .unknownName)
        #expect(e.reason.contains("pigeons"))
    }

    @Test func unknownPrecisionNamesTheChoices() throws {
        #expect {
            _ = try ModelShape.load(path: Fixtures.modelPath, precision: "fp4")
        } throws: { error in
            let e = error as! ConfigError
            return e.code == .unknownName && e.reason.contains("int8-w8a8") && e.reason.contains("bf16")
        }
    }

    @Test func deploymentNamingOtherHardwareIsRejected() throws {
        let e = try #require(try deploymentError { Fixtures.set(&$0, ["hardware"], "h800") })
        #expect(e.path == "$.hardware" && e.code == .unknownName)
    }

    @Test func streamsThatOverbookTheDieAreRejected() throws {
        let e = try #require(try deploymentError { json in
            var decode = json["decode"] as! [String: Any]
            var mb = decode["microbatching"] as! [String: Any]
            var streams = mb["streams"] as! [[String: Any]]
            streams[1]["cubeCores"] = ["value": 16, "source": "test"]
            mb["streams"] = streams
            decode["microbatching"] = mb
            json["decode"] = decode
        })
        #expect(e.path == "$.decode.microbatching.streams")
    }

    @Test func deploymentThatDoesNotFitSaysByHowMuch() throws {
        let e = try #require(try deploymentError { Fixtures.set(&$0, ["decode", "batchPerDie"], ["value": 400, "source": "test"]) })
        #expect(e.code == .doesNotFit && e.path == "$.decode" && e.reason.contains("over by"))
    }

    @Test func malformedJSONIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.path("broken.json")
        try "{ \"name\": ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { _ = try Hardware.load(path: path) } throws: { ($0 as! ConfigError).code == .malformedJSON }
    }

    /// A file that does not exist is told apart from one that cannot be read, so the command
    /// line reports it as missing input (66), not as bad data.
    @Test func missingAndUnreadableFilesAreToldApart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        #expect { _ = try Hardware.load(path: dir.path("none.json")) } throws: { ($0 as! ConfigError).code == .missingFile }
        #expect { _ = try SystemConfiguration.load(configsDirectory: "configs", deployment: "no-such") } throws: {
            let e = $0 as! ConfigError
            return e.code == .missingFile && e.file == "configs/deployments/no-such.json"
        }
        #expect { _ = try Hardware.load(path: dir.url.path) } throws: { ($0 as! ConfigError).code == .unreadableFile }
    }
}

import Foundation
