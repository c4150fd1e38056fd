import Digest
import DiscreteEvent

/// Which backend to build and with what settings: from `--backend NAME` plus options, or
/// from a configuration file the command line has read.
///
/// Values are text with units (`ttft` = `50ms`), as a user types them; the backend's factory
/// reads them through `BackendParameters`, which names the key in every error and refuses keys
/// nothing read. The seed is the run's; a backend splits its own stream from it.
public struct BackendConfiguration: Sendable, Hashable {
    public var backend: String
    /// Settings in the order given (order reaches the provenance record).
    public var parameters: [Parameter]
    public var seed: UInt64

    public struct Parameter: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(backend: String, parameters: [Parameter] = [], seed: UInt64 = 0) {
        self.backend = backend
        self.parameters = parameters
        self.seed = seed
    }

    /// `backend` with options written as `key=value,key=value`.
    public init(backend: String, options: String, seed: UInt64 = 0) throws(BackendConfigurationError) {
        do {
            let pairs = try KeyValueList.parse(options)
            self.init(backend: backend, parameters: pairs.map { Parameter($0.key, $0.value) }, seed: seed)
        } catch {
            throw BackendConfigurationError(backend: backend, key: nil, message: "bad backend options: \(error)")
        }
    }
}

/// A backend could not be built: unknown name, unknown key, a value that does not parse, or
/// (with a ``cause``) a data file the backend reads that is missing or invalid.
public struct BackendConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var backend: String
    /// The offending key, when one is to blame.
    public var key: String?
    /// What went wrong and what would be accepted.
    public var message: String
    /// The error of a file the backend read (a configuration file that does not exist or is
    /// invalid), kept so the command line classifies it as it classifies that error anywhere
    /// else: the fault is in the file, not in the options. `nil` when an option is to blame.
    public var cause: (any Error & Sendable)?

    public init(backend: String, key: String?, message: String, cause: (any Error & Sendable)? = nil) {
        self.backend = backend
        self.key = key
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let key { return "backend '\(backend)', parameter '\(key)': \(message)" }
        return "backend '\(backend)': \(message)"
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.backend == b.backend && a.key == b.key && a.message == b.message
            && a.cause.map { "\($0)" } == b.cause.map { "\($0)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(backend)
        hasher.combine(key)
        hasher.combine(message)
    }
}

/// Typed access to a `BackendConfiguration`'s parameters that remembers which keys were read.
///
/// The registry checks after the factory returns that every key given was read, so a typo
/// (`ttfft=50ms`) is an error rather than a silently ignored setting.
public struct BackendParameters: Sendable {
    public let configuration: BackendConfiguration
    private var read: [String] = []
    /// The data files the factory read to build the backend, each with the SHA-256 of the
    /// bytes it parsed (see ``record(_:)``).
    public private(set) var files: [FileDigest] = []

    public init(_ configuration: BackendConfiguration) {
        self.configuration = configuration
    }

    public var seed: UInt64 { configuration.seed }

    /// The raw text given for `key`, if any.
    public mutating func text(_ key: String) -> String? {
        read.append(key)
        return configuration.parameters.first { $0.key == key }?.value
    }

    /// A duration with a unit (`50ms`, `1.5s`, `200us`) within the limit of simulated time, or
    /// `default` when absent.
    public mutating func duration(_ key: String, default value: SimDuration) throws(BackendConfigurationError) -> SimDuration {
        guard let text = text(key) else { return value }
        guard let duration = SimDuration(parsing: text) else {
            throw error(key, "'\(text)' is not a duration; write a number with a unit: ns, us, ms or s (e.g. 50ms)")
        }
        guard duration <= .limit else {
            throw error(key, "'\(text)' exceeds the limit of simulated time, \(SimTime.limitDescription)")
        }
        return duration
    }

    /// A positive integer, or `default` when absent.
    public mutating func positiveInteger(_ key: String, default value: Int?) throws(BackendConfigurationError) -> Int? {
        guard let text = text(key) else { return value }
        guard let number = Int(text), number > 0 else { throw error(key, "'\(text)' is not a positive integer") }
        return number
    }

    /// A finite number, or `default` when absent.
    public mutating func number(_ key: String, default value: Double?) throws(BackendConfigurationError) -> Double? {
        guard let text = text(key) else { return value }
        guard let number = Double(text), number.isFinite else { throw error(key, "'\(text)' is not a finite number") }
        return number
    }

    /// One of the named `options`, or nil when absent; any other text is refused listing them.
    public mutating func choice<Value>(_ key: String, _ options: [String: Value]) throws(BackendConfigurationError) -> Value? {
        guard let text = text(key) else { return nil }
        guard let value = options[text] else {
            throw error(key, "'\(text)' is not one of \(options.keys.sorted().joined(separator: ", "))")
        }
        return value
    }

    /// `on` or `off` as a Boolean, or nil when absent.
    public mutating func onOff(_ key: String) throws(BackendConfigurationError) -> Bool? {
        try choice(key, ["on": true, "off": false])
    }

    /// Records a data file the factory read (a hardware, model or deployment file), with the
    /// digest of the bytes it parsed, so every output of the run names the configuration that
    /// produced it. A backend that reads no file records nothing.
    public mutating func record(_ file: FileDigest) {
        files.append(file)
    }

    /// Throws for the first key given that no accessor asked for.
    public func checkAllRead() throws(BackendConfigurationError) {
        for parameter in configuration.parameters where !read.contains(parameter.key) {
            let known = read.isEmpty ? "none" : read.joined(separator: ", ")
            throw error(parameter.key, "unknown parameter (known: \(known))")
        }
    }

    private func error(_ key: String, _ message: String) -> BackendConfigurationError {
        BackendConfigurationError(backend: configuration.backend, key: key, message: message)
    }
}
