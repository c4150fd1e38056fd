import Digest

/// Backends selectable by name: the command line's `--backend NAME` and configuration files.
///
/// An entry pairs a name and a one-line summary with a factory that reads its parameters and
/// returns a backend. To plug in your own backend, write a `ServingBackend` conformer and an
/// entry for it, and add the entry to the registry the command line uses:
///
/// ```swift
/// var registry = BackendRegistry.builtIn
/// registry.register(.init(name: "mine", summary: "my model") { parameters throws(BackendConfigurationError) in
///     MyBackend(stepTime: try parameters.duration("step", default: .milliseconds(30)))
/// })
/// let backend = try registry.makeBackend(BackendConfiguration(backend: "mine"))
/// ```
///
/// `makeBackend` returns `any ServingBackend`; pass it to a generic function (Swift opens the
/// existential) that builds a `Replayer`. That loop runs through the backend's witness table;
/// where speed matters, down-cast to the concrete type first (`backend as? FixedLatencyBackend`)
/// so the compiler specialises the whole loop.
public struct BackendRegistry: Sendable {
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        public var make: @Sendable (inout BackendParameters) throws(BackendConfigurationError) -> any ServingBackend

        public init(
            name: String, summary: String,
            make: @escaping @Sendable (inout BackendParameters) throws(BackendConfigurationError) -> any ServingBackend
        ) {
            self.name = name
            self.summary = summary
            self.make = make
        }
    }

    /// Entries in registration order (the order `--help` lists them).
    public private(set) var entries: [Entry] = []

    public init(_ entries: [Entry] = []) {
        for entry in entries { register(entry) }
    }

    /// The backends that ship in this module: `fixed`.
    public static var builtIn: BackendRegistry { BackendRegistry([FixedLatencyBackend.registryEntry]) }

    /// Adds an entry; a name registered twice is a programmer error.
    public mutating func register(_ entry: Entry) {
        precondition(!entries.contains { $0.name == entry.name }, "backend '\(entry.name)' is registered twice")
        entries.append(entry)
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// A backend and the data files its factory read to build it (none for `fixed`).
    public struct Built {
        public var backend: any ServingBackend
        /// Each file with the SHA-256 of the bytes parsed, in the order first read.
        public var files: [FileDigest]
    }

    /// Builds the backend `configuration` names; throws for an unknown name, a bad value, or a
    /// parameter the backend does not read.
    public func makeBackend(_ configuration: BackendConfiguration) throws(BackendConfigurationError) -> any ServingBackend {
        try build(configuration).backend
    }

    /// Builds the backend `configuration` names, with the files it read (for provenance); throws
    /// as ``makeBackend(_:)`` does.
    public func build(_ configuration: BackendConfiguration) throws(BackendConfigurationError) -> Built {
        guard let entry = entry(named: configuration.backend) else {
            let known = entries.map(\.name).joined(separator: ", ")
            throw BackendConfigurationError(
                backend: configuration.backend, key: nil, message: "unknown backend (known: \(known))")
        }
        var parameters = BackendParameters(configuration)
        let backend = try entry.make(&parameters)
        try parameters.checkAllRead()
        return Built(backend: backend, files: parameters.files)
    }
}

extension FixedLatencyBackend {
    /// `fixed`: parameters `ttft`, `tpot` (durations with units), `max_concurrency`,
    /// `max_input_tokens` (positive integers; absent means unlimited).
    public static let registryEntry = BackendRegistry.Entry(
        name: "fixed", summary: "constant TTFT and TPOT, optional concurrency limit with a FIFO queue"
    ) { parameters throws(BackendConfigurationError) in
        let defaults = Configuration()
        return FixedLatencyBackend(
            Configuration(
                timeToFirstToken: try parameters.duration("ttft", default: defaults.timeToFirstToken),
                timePerOutputToken: try parameters.duration("tpot", default: defaults.timePerOutputToken),
                maxConcurrency: try parameters.positiveInteger("max_concurrency", default: nil),
                maxInputTokens: try parameters.positiveInteger("max_input_tokens", default: nil)))
    }
}
