import AggregatedServing
import Digest
import DisaggregatedServing
import Foundation
import LiveEndpoint
import Serving
import TraceFormats
import SystemDescription
import CostModel
import PaperReproduction

/// `--backend NAME`, `--backend-option KEY=VALUE` and `--backend-config FILE`: how a user picks
/// a serving backend and its settings.
enum BackendOptions {
    static let specs: [OptionSpec] = [
        OptionSpec(
            "--backend", .value(placeholder: "NAME"),
            help: "Serving backend: \(registry.entries.map(\.name).joined(separator: ", ")) (default \(defaultBackend)); \(liveBackend): a live OpenAI-compatible server (replay only, docs/live.md)."),
        OptionSpec(
            "--backend-option", .repeatable(placeholder: "KEY=VALUE"),
            help: "A backend setting, e.g. ttft=150ms (see README, \"Backends\"); repeatable."),
        OptionSpec(
            "--backend-config", .value(placeholder: "FILE"),
            help: "A JSON file {\"backend\": NAME, \"parameters\": {KEY: VALUE}}; options given on the command line win."),
        OptionSpec(
            "--model", .value(placeholder: "NAME"),
            help: "Model file name in configs/models/ to put on the deployment's layout instead of the one it names (MTP off if it has no MTP module; cloudmatrix, aggregated; the same as --backend-option model=NAME)."),
    ]

    /// The backends the command line offers, in the order `--help` lists them; a user's own
    /// backend is added here, by its factory.
    static let backends = [
        OfferedBackend(FixedLatencyBackend.factory), OfferedBackend(CloudMatrixBackend.factory), OfferedBackend(AggregatedBackend.factory),
    ]
    /// The same backends, type-erased, for lookups by name.
    static let registry = BackendRegistry(backends.map(\.entry))
    static let defaultBackend = "cloudmatrix"
    /// The live backend (`LiveEndpoint`): not a simulated `ServingBackend`, so not in the
    /// registry; only `replay` runs it.
    static let liveBackend = LiveEndpointSettings.backendName

    static func configuration(_ arguments: ParsedArguments, seed: UInt64) throws -> BackendConfiguration {
        var name: String?
        var parameters: [BackendConfiguration.Parameter] = []
        if let path = arguments.value("--backend-config") {
            let file = try BackendConfigFile.load(path: path)
            name = file.backend
            parameters = file.parameters
        }
        if let given = arguments.value("--backend") {
            guard registry.entry(named: given) != nil || given == liveBackend else {
                let names = registry.entries.map(\.name)
                let hint = closestMatch(to: given, among: names).map { "did you mean '\($0)'?" }
                throw CLIError.usage("unknown backend '\(given)' (known: \(names.joined(separator: ", ")))", hint: hint)
            }
            if let name, name != given { parameters = [] }  // a different backend: the file's settings do not apply
            name = given
        }
        if let model = arguments.value("--model") {
            parameters.removeAll { $0.key == "model" }
            parameters.append(.init("model", model))
        }
        for option in arguments.allValues("--backend-option") {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                throw CLIError.usage("--backend-option expects KEY=VALUE, got '\(option)'")
            }
            let key = String(option[..<equals])
            let value = String(option[option.index(after: equals)...])
            parameters.removeAll { $0.key == key }
            parameters.append(.init(key, value))
        }
        return try withDefaults(BackendConfiguration(backend: name ?? defaultBackend, parameters: parameters, seed: seed))
    }

    /// Builds the backend `configuration` (from ``configuration(_:seed:)``) names, with the
    /// configuration files it read (for provenance).
    ///
    /// A parameter refused by the backend that came from `--backend-config FILE` (not from a
    /// `--backend-option`) is a fault in that file: exit 65 naming the file and
    /// `parameters.KEY`, as for the file's other faults, not a usage error.
    static func makeBackend(_ configuration: BackendConfiguration, _ arguments: ParsedArguments) throws -> PreparedBackend {
        let result = Result { () throws(BackendConfigurationError) in try prepare(configuration) }
        guard case .failure(let error) = result else { return try result.get() }
        let optionKeys = Set(arguments.allValues("--backend-option").map { String($0.prefix { $0 != "=" }) })
        guard error.cause == nil, let file = arguments.value("--backend-config"), let key = error.key,
            !optionKeys.contains(key), configuration.parameters.contains(where: { $0.key == key })
        else { throw error }
        throw CLIError(.badData, "\(file): parameters.\(key): \(error.message)", hint: "fix the configuration file named above")
    }

    /// The backend `configuration` names, built, with its specialised replay.
    static func prepare(_ configuration: BackendConfiguration) throws(BackendConfigurationError) -> PreparedBackend {
        if configuration.backend == liveBackend {
            throw BackendConfigurationError(
                backend: liveBackend, key: nil,
                message: "replays against a live server on the wall clock: only 'cmbench replay' runs it (docs/live.md)")
        }
        guard let offered = backends.first(where: { $0.entry.name == configuration.backend }) else {
            _ = try registry.makeBackend(configuration)  // the registry's own "unknown backend" error
            preconditionFailure("a backend in the registry but not offered: \(configuration.backend)")
        }
        return try offered.prepare(configuration)
    }

    /// Fills in what a user need not type: model-backed backends read `configs/`, found here or
    /// beside the binary when cmbench runs from elsewhere.
    static func withDefaults(_ configuration: BackendConfiguration) throws(CLIError) -> BackendConfiguration {
        var configuration = configuration
        guard ["cloudmatrix", "aggregated"].contains(configuration.backend) else { return configuration }
        // The folder is checked as --configs is for explain and reproduce: same status, same words.
        let given = configuration.parameters.first { $0.key == "configs" }?.value
        let configs = try ProjectPaths.locate("configs", given: given)
        if given == nil { configuration.parameters.append(.init("configs", configs)) }
        return configuration
    }
}

/// A backend the command line offers: its registry entry, and how to build it with a replay
/// specialised for its concrete type. The generic initialiser is where the type is known, so the
/// closure it makes runs `ReplayRun.execute` compiled for that type: a loop over
/// `any ServingBackend` runs about six times slower, and no command needs to down-cast.
struct OfferedBackend: Sendable {
    let entry: BackendRegistry.Entry
    let prepare: @Sendable (BackendConfiguration) throws(BackendConfigurationError) -> PreparedBackend

    init<Backend: ServingBackend & SendableMetatype>(_ factory: BackendFactory<Backend>) {
        entry = factory.entry
        prepare = { configuration throws(BackendConfigurationError) in
            let built = try factory.make(configuration)
            let backend = built.backend
            return PreparedBackend(descriptor: backend.descriptor, files: built.files) { run, source in
                try run.execute(backend: backend, source: source)
            }
        }
    }
}

/// A built backend, ready to replay a trace through a loop specialised for its type.
struct PreparedBackend {
    let descriptor: BackendDescriptor
    /// The configuration files the backend read, each with the SHA-256 of the bytes parsed.
    let files: [FileDigest]
    let replay: (ReplayRun, TraceReader) throws -> ReplayRun.Result
}

/// A backend configuration file: `{"backend": "fixed", "parameters": {"ttft": "150ms"}}`.
enum BackendConfigFile {
    static func load(path: String) throws(CLIError) -> (backend: String, parameters: [BackendConfiguration.Parameter]) {
        let data = try InputFile.read(path, what: "backend configuration file")
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw CLIError(.badData, "\(path): not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw CLIError(.badData, "\(path): expected a JSON object") }
        guard let backend = root["backend"] as? String else {
            throw CLIError(.badData, "\(path): missing string field 'backend'")
        }
        guard BackendOptions.registry.entry(named: backend) != nil || backend == BackendOptions.liveBackend else {
            let names = BackendOptions.registry.entries.map(\.name)
            throw CLIError(.badData, "\(path): backend: unknown backend '\(backend)' (known: \(names.joined(separator: ", ")))")
        }
        for key in root.keys where key != "backend" && key != "parameters" {
            throw CLIError(.badData, "\(path): unknown field '\(key)' (expected 'backend' and 'parameters')")
        }
        var parameters: [BackendConfiguration.Parameter] = []
        if let raw = root["parameters"] {
            guard let table = raw as? [String: Any] else {
                throw CLIError(.badData, "\(path): 'parameters' must be an object of KEY: VALUE")
            }
            for key in table.keys.sorted() {
                switch table[key] {
                case let text as String: parameters.append(.init(key, text))
                case let number as NSNumber: parameters.append(.init(key, number.stringValue))
                default: throw CLIError(.badData, "\(path): parameters.\(key) must be a string or a number")
                }
            }
        }
        return (backend, parameters)
    }
}
