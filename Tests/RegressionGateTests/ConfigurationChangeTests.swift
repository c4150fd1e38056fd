import Digest
import Testing

import RegressionGate

/// Files pair by role and file name; a different digest or a file on one side only is a change.
@Suite struct ConfigurationChangeTests {
    static func file(_ role: String, _ path: String, _ digit: Character) -> FileDigest {
        FileDigest(role: role, path: path, sha256: String(repeating: digit, count: 64))
    }

    @Test func sameFilesFromAnotherFolderAreNoChange() {
        let current = [Self.file("hardware", "/ci/checkout/configs/hardware/a.json", "1")]
        let baseline = [Self.file("hardware", "configs/hardware/a.json", "1")]
        #expect(ConfigurationChange.between(current: current, baseline: baseline).isEmpty)
        #expect(ConfigurationChange.warning([]) == nil)
    }

    @Test func aDifferentDigestAndFilesOnOneSideAreNamed() {
        let current = [Self.file("hardware", "configs/hardware/a.json", "1"), Self.file("model", "configs/models/m.json", "3")]
        let baseline = [Self.file("hardware", "configs/hardware/a.json", "2"), Self.file("deployment", "configs/deployments/d.json", "4")]
        let changes = ConfigurationChange.between(current: current, baseline: baseline)
        #expect(changes.map(\.description) == [
            "hardware configs/hardware/a.json: sha256 111111111111… now, 222222222222… in the baseline",
            "model configs/models/m.json: used by the current run only",
            "deployment configs/deployments/d.json: used by the baseline only",
        ])
        let warning = ConfigurationChange.warning(changes) ?? ""
        #expect(warning.hasPrefix("current and baseline were produced from different configuration files: hardware configs/hardware/a.json"))
    }
}
