/// An error that already knows how it ends the process: its exit status and its message.
///
/// Library errors (trace, configuration, store) are converted to this in exactly one place,
/// `CommandLineTool.report(_:)`; commands may also throw it directly for usage mistakes.
package struct CLIError: Error, Sendable, CustomStringConvertible {
    package var status: ExitStatus
    package var message: String
    /// A line telling the user what to do next, printed after the message.
    package var hint: String?

    package init(_ status: ExitStatus, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }

    package static func usage(_ message: String, hint: String? = nil) -> CLIError {
        CLIError(.usage, message, hint: hint)
    }

    package var description: String { message }
}
