import Digest

/// A configuration file that differs between the current run and the baseline: the same file
/// with another digest, or a file one run used and the other did not.
///
/// The gate compares metrics, not configurations; but two runs produced from different hardware,
/// model or deployment files differ for that reason, and a reader of the verdict must know it.
/// Files are paired by role and file name (`deployment` `cloudmatrix-infer.json`), not by full
/// path, so a baseline recorded from another checkout or folder still pairs with the current run.
public struct ConfigurationChange: Sendable, Hashable {
    /// The file in the current run; `nil` when only the baseline used it.
    public var current: FileDigest?
    /// The file in the baseline; `nil` when only the current run used it.
    public var baseline: FileDigest?

    public init(current: FileDigest?, baseline: FileDigest?) {
        self.current = current
        self.baseline = baseline
    }

    /// The files whose digests differ, in the current run's order, then those only the baseline
    /// used. Empty when both runs used the same files with the same bytes.
    public static func between(current: [FileDigest], baseline: [FileDigest]) -> [ConfigurationChange] {
        func key(_ file: FileDigest) -> String { file.role + "\u{0}" + (file.path.split(separator: "/").last.map(String.init) ?? file.path) }
        let baselineByKey = Dictionary(baseline.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let currentKeys = Set(current.map(key))
        var changes: [ConfigurationChange] = []
        for file in current where baselineByKey[key(file)]?.sha256 != file.sha256 {
            changes.append(ConfigurationChange(current: file, baseline: baselineByKey[key(file)]))
        }
        for file in baseline where !currentKeys.contains(key(file)) {
            changes.append(ConfigurationChange(current: nil, baseline: file))
        }
        return changes
    }

    /// `deployment configs/deployments/x.json: sha256 1a2b3c4d… in the current run, 5e6f7a8b… in
    /// the baseline`, or which run alone used the file.
    public var description: String {
        func short(_ digest: String) -> String { String(digest.prefix(12)) + "…" }
        switch (current, baseline) {
        case (let current?, let baseline?):
            let path = current.path == baseline.path ? current.path : "\(current.path) (baseline \(baseline.path))"
            return "\(current.role) \(path): sha256 \(short(current.sha256)) now, \(short(baseline.sha256)) in the baseline"
        case (let current?, nil):
            return "\(current.role) \(current.path): used by the current run only"
        case (nil, let baseline?):
            return "\(baseline.role) \(baseline.path): used by the baseline only"
        case (nil, nil):
            return "no file"
        }
    }

    /// The one warning for a list of changes (stderr and the Markdown summary say the same).
    public static func warning(_ changes: [ConfigurationChange]) -> String? {
        guard !changes.isEmpty else { return nil }
        return "current and baseline were produced from different configuration files: "
            + changes.map(\.description).joined(separator: "; ")
    }
}
