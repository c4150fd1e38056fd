import FileOutput
import Foundation

extension ProtectedFiles {
    /// A command's protection, with `paths` (files or folders of files) registered as inputs.
    convenience init(inputs paths: [String?]) {
        self.init()
        for path in paths.compactMap({ $0 }) { protectInputs(at: path) }
    }

    /// Protects the file at `path`, or every regular file under it when it is a folder (a
    /// configuration folder whose files the command reads).
    func protectInputs(at path: String) {
        var isDirectory: ObjCBool = false
        guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            protectInput(path: path)
            return
        }
        guard let files = FileManager.default.enumerator(atPath: path) else { return }
        for case let file as String in files { protectInput(path: path + "/" + file) }
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
