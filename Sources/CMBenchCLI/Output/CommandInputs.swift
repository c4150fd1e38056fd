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
