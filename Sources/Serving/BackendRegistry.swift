import Digest

/// Backends selectable by name: the command line's `--backend NAME` and configuration files.
///
/// An entry pairs a name and a one-line summary with a factory that reads its parameters and
/// returns a backend. To plug in your own backend, write a `ServingBackend` conformer and a
/// ``BackendFactory`` for it, and add it to the registry the command line uses
/// (`BackendOptions.backends` in the CLI):
///
/// ```swift
/// let mine = BackendFactory(name: "mine", summary: "my model") { parameters throws(BackendConfigurationError) in
///     MyBackend(stepTime: try parameters.duration("step", default: .milliseconds(30)))
/// }
/// var registry = BackendRegistry.builtIn
/// registry.register(mine.entry)
/// let backend = try registry.makeBackend(BackendConfiguration(backend: "mine"))
/// ```
///
/// `makeBackend` returns `any ServingBackend`: a replay loop over it runs through the
/// backend's witness table, about six times slower than one the compiler specialised. A caller
/// that keeps the ``BackendFactory`` (whose type names the backend's) instead gets the concrete
/// type from ``BackendFactory/make(_:)`` and a specialised loop, without ever naming the type.
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
    public static var builtIn: BackendRegistry { BackendRegistry([FixedLatencyBackend.factory.entry]) }

    /// Adds an entry; a name registered twice is a programmer error.
    public mutating func register(_ entry: Entry) {
        precondition(!entries.contains { $0.name == entry.name }, "backend '\(entry.name)' is registered twice")
        entries.append(entry)
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// A backend and the data files its factory read to build it (none for `fixed`).
    public struct Built<Backend> {
        public var backend: Backend
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
    public func build(_ configuration: BackendConfiguration) throws(BackendConfigurationError) -> Built<any ServingBackend> {
        guard let entry = entry(named: configuration.backend) else {
            let known = entries.map(\.name).joined(separator: ", ")
            throw BackendConfigurationError(
                backend: configuration.backend, key: nil, message: "unknown backend (known: \(known))")
        }
        return try BackendParameters.reading(configuration) { parameters throws(BackendConfigurationError) in
            try entry.make(&parameters)
        }
    }
}

/// A backend's factory with its concrete type: what a registry entry is made from, and what a
/// caller keeps to run the backend in a loop specialised for it (see ``BackendRegistry``).
public struct BackendFactory<Backend: ServingBackend & SendableMetatype>: Sendable {
    public var name: String
    public var summary: String
    /// Reads the backend's parameters (each one it reads is marked read) and builds it.
    public var build: @Sendable (inout BackendParameters) throws(BackendConfigurationError) -> Backend

    public init(
        name: String, summary: String,
        build: @escaping @Sendable (inout BackendParameters) throws(BackendConfigurationError) -> Backend
    ) {
        self.name = name
        self.summary = summary
        self.build = build
    }

    /// The backend `configuration` describes, with the files it read; throws for a bad value or
    /// a parameter it does not read.
    public func make(_ configuration: BackendConfiguration) throws(BackendConfigurationError) -> BackendRegistry.Built<Backend> {
        try BackendParameters.reading(configuration) { parameters throws(BackendConfigurationError) in try build(&parameters) }
    }

    /// The type-erased entry for a ``BackendRegistry``.
    public var entry: BackendRegistry.Entry {
        let build = self.build
        return BackendRegistry.Entry(name: name, summary: summary) { parameters throws(BackendConfigurationError) in
            try build(&parameters)
        }
    }
}

extension BackendParameters {
    /// Runs `body` over `configuration`'s parameters, then refuses any it did not read; returns
    /// what it built with the files it recorded.
    static func reading<T>(
        _ configuration: BackendConfiguration, _ body: (inout BackendParameters) throws(BackendConfigurationError) -> T
    ) throws(BackendConfigurationError) -> BackendRegistry.Built<T> {
        var parameters = BackendParameters(configuration)
        let value = try body(&parameters)
        try parameters.checkAllRead()
        return BackendRegistry.Built(backend: value, files: parameters.files)
    }
}

extension FixedLatencyBackend {
    /// `fixed`: parameters `ttft`, `tpot` (durations with units), `max_concurrency`,
    /// `max_input_tokens` (positive integers; absent means unlimited).
    public static let factory = BackendFactory<FixedLatencyBackend>(
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
