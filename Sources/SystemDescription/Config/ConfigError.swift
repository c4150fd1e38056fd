/// A configuration file that cannot be used, with where and why.
///
/// Every error names the file, the JSON path of the offending field (`$.die.cubeCores.value`)
/// and a reason that says what to change, so a user editing JSON by hand can fix it without
/// reading Swift.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is; stable, for tests and for exit-code mapping.
    public enum Code: String, Sendable {
        /// The file (or the folder it should be in) does not exist.
        case missingFile
        /// The file exists but cannot be read (permissions, a directory).
        case unreadableFile
        case malformedJSON
        case missingField
        case wrongType
        case invalidValue
        case unknownName
        case doesNotFit
    }

    public var code: Code
    /// The file the problem is in (as given to the loader).
    public var file: String
    /// The JSON path of the field, `$` for the whole document.
    public var path: String
    /// What is wrong and what to do about it.
    public var reason: String

    public init(_ code: Code, file: String, path: String, reason: String) {
        self.code = code
        self.file = file
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(file): \(path): \(reason)" }
}
