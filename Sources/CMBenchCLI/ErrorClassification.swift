/// Maps the errors of every module to an exit status and a message, in one place.
enum ErrorClassification {
    static func classify(_ error: any Error) -> CLIError {
        switch error {
        case let error as CLIError:
            return error
        default:
            return CLIError(.internalError, "internal error: \(error)", hint: "please report this with the command line that caused it")
        }
    }
}
