import FileOutput

/// An output file that could not be written, with the path and the system's reason.
public typealias ReportingError = OutputError
