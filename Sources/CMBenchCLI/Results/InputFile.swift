import Foundation

/// Reads a small JSON input (a result file, a thresholds or backend configuration file) whole,
/// refusing one larger than ``limit`` before reading it.
///
/// These files are parsed in memory, which takes about three times their size: a 1 GB
/// "baseline" took 3.2 GB. The largest real one is `reproduce --json` at ~40 KB (a replay's is
/// ~5 KB), so the limit sits far above any real input and far below any memory trouble. A
/// device or pipe (`/dev/zero`) is read only up to the limit, never to its end.
enum InputFile {
    /// 64 MiB.
    static let limit = 64 << 20

    /// The bytes of `path`; `what` names the file in messages ("result file").
    static func read(_ path: String, what: String, limit: Int = limit) throws(CLIError) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError(.missingInput, "\(path): no such \(what)") }
            throw CLIError(.ioError, "\(path): cannot read the \(what)")
        }
        defer { try? handle.close() }
        let tooLarge = { (size: String) in
            CLIError(
                .badData, "\(path): the \(what) is \(size), over cmbench's limit of \(limit >> 20) MiB for JSON inputs",
                hint: "is this the file you meant? real ones are kilobytes")
        }
        var status = stat()
        if fstat(handle.fileDescriptor, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { throw CLIError(.ioError, "\(path): is a directory, not a \(what)") }
            if status.st_mode & S_IFMT == S_IFREG, status.st_size > limit { throw tooLarge("\(status.st_size) bytes") }
        }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw CLIError(.ioError, "\(path): cannot read the \(what): \(error.localizedDescription)")
        }
        guard data.count <= limit else { throw tooLarge("more than \(limit) bytes") }
        return data
    }
}
