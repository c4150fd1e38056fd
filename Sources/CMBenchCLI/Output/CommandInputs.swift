import FileOutput
import Foundation

extension ProtectedFiles {
    /// A command's protection, with the files at `paths` registered as inputs (nil entries are
    /// options not given). Commands list the files they read — the configuration files their
    /// provenance records — rather than whole folders.
    convenience init(inputs paths: [String?]) {
        self.init()
        for path in paths.compactMap({ $0 }) { protectInput(path: path) }
    }
}

/// A folder a command writes its files into (`--plot DIR`, `--github-benchmark DIR`,
/// `bench --workdir DIR`), created with its parents when missing.
enum OutputDirectory {
    /// Creates `path` unless it is already a directory. A path naming something else (a file,
    /// `/dev/null`) is a usage error naming `option`; a folder that cannot be made is an I/O error.
    static func create(_ path: String, for option: String) throws(CLIError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIError.usage("\(option) \(path): not a directory", hint: "name a folder (it is created if missing)")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIError(.ioError, "\(option) \(path): cannot create the folder: \(error.localizedDescription)")
        }
    }
}
