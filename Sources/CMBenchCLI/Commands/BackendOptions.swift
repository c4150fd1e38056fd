import DisaggregatedServing
import Foundation
import ServingModel

/// `--backend NAME`, `--backend-option KEY=VALUE` and `--backend-config FILE`: how a user picks
/// a serving backend and its settings.
enum BackendOptions {
    static let specs: [OptionSpec] = [
        OptionSpec(
            "--backend", .value(placeholder: "NAME"),
            help: "Serving backend: \(registry.entries.map(\.name).joined(separator: ", ")) (default \(defaultBackend))."),
        OptionSpec(
            "--backend-option", .repeatable(placeholder: "KEY=VALUE"),
            help: "A backend setting, e.g. ttft=150ms (see README, \"Backends\"); repeatable."),
        OptionSpec(
            "--backend-config", .value(placeholder: "FILE"),
            help: "A JSON file {\"backend\": NAME, \"parameters\": {KEY: VALUE}}; options given on the command line win."),
    ]

    /// The backends the command line knows; a user's own backend is added here.
    static let registry: BackendRegistry = {
        var registry = BackendRegistry.builtIn
        registry.register(CloudMatrixBackend.registryEntry)
        return registry
    }()
    static let defaultBackend = "cloudmatrix"

    static func configuration(_ arguments: ParsedArguments, seed: UInt64) throws -> BackendConfiguration {
        var name: String?
        var parameters: [BackendConfiguration.Parameter] = []
        if let path = arguments.value("--backend-config") {
            let file = try BackendConfigFile.load(path: path)
            name = file.backend
            parameters = file.parameters
        }
        if let given = arguments.value("--backend") {
            guard registry.entry(named: given) != nil else {
                let names = registry.entries.map(\.name)
                let hint = closestMatch(to: given, among: names).map { "did you mean '\($0)'?" }
                throw CLIError.usage("unknown backend '\(given)' (known: \(names.joined(separator: ", ")))", hint: hint)
            }
            if let name, name != given { parameters = [] }  // a different backend: the file's settings do not apply
            name = given
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

    /// Fills in what a user need not type: model-backed backends read `configs/`, found here or
    /// beside the binary when cmbench runs from elsewhere.
    static func withDefaults(_ configuration: BackendConfiguration) throws(CLIError) -> BackendConfiguration {
        var configuration = configuration
        if configuration.backend == "cloudmatrix", !configuration.parameters.contains(where: { $0.key == "configs" }) {
            configuration.parameters.append(.init("configs", try ProjectPaths.locate("configs", given: nil)))
        }
        return configuration
    }
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
