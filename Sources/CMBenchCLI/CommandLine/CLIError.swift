/// An error that already knows how it ends the process: its exit status and its message.
///
/// Library errors (trace, configuration, store) are converted to this in exactly one place,
/// `CommandLineTool.report(_:)`; commands may also throw it directly for usage mistakes.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String
    /// A line telling the user what to do next, printed after the message.
    public var hint: String?

    public init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    public static func usage(_ message: String, hint: String? = nil) -> CLIError {
        CLIError(.usage, message, hint: hint)
    }

    public var description: String { message }
}
