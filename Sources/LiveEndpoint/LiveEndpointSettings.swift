import DiscreteEvent
import Foundation
import Serving

/// What the `openai` backend is told: where the server is, what to ask it, and how long to wait.
///
/// Read from `--backend-option KEY=VALUE` (or a `--backend-config` file) by
/// ``init(reading:)``; every key is documented in docs/live.md. The API key itself is not here:
/// only the *name* of the environment variable that holds it (``apiKeyEnvironmentVariable``),
/// so that no setting, report or provenance record can carry it.
public struct LiveEndpointSettings: Sendable, Equatable {
    /// The OpenAI-compatible API to call.
    public enum Endpoint: String, Sendable {
        /// `POST {url}/completions` with a `prompt`; content arrives in `choices[0].text`.
        case completions
        /// `POST {url}/chat/completions` with one user message; content in `choices[0].delta.content`.
        case chat
    }

    /// The HTTP client (docs/live.md, "The HTTP client").
    public enum Client: String, Sendable {
        /// libcurl's multi interface on one event-loop thread (``CurlTransport``).
        case curl
        /// Foundation's `URLSession` (``URLSessionTransport``).
        case urlsession
    }

    /// How prompts are sized to the trace's input tokens.
    public enum TokenizerMode: String, Sendable {
        /// The server's tokenizer endpoint where it offers one, else calibration.
        case auto
        /// The server's tokenizer endpoint; a server without one is an error.
        case server
        /// Calibrate tokens per word on the first responses' `usage.prompt_tokens`.
        case calibrate
    }

    /// The API's base, ending in `/v1` (`http://127.0.0.1:8000/v1`); http or https only.
    public var url: URL
    /// The model name sent in every request (`model`).
    public var model: String
    public var endpoint: Endpoint
    /// The longest a request may take, from sending to its last byte; then it is cancelled and
    /// counted as a `timeout` rejection.
    public var requestTimeout: SimDuration
    /// The longest the whole run may take; at it, sending stops and in-flight requests are
    /// cancelled (counted as `deadline`). Nil: no limit but the trace's end.
    public var deadline: SimDuration?
    /// After the last send (or a stop), how long in-flight streams are waited for before they
    /// are cancelled.
    public var drain: SimDuration?
    /// The environment variable holding the API key (sent as `Authorization: Bearer …`).
    public var apiKeyEnvironmentVariable: String?
    public var tokenizer: TokenizerMode
    /// The HTTP client the requests go through.
    public var client: Client = .curl
    /// Connections the HTTP client opens to the server at most; requests beyond them wait in
    /// the client (and that wait is part of their TTFT).
    public var maxConnections: Int
    /// The seed the synthetic prompt text is drawn from (the run's `--seed`).
    public var seed: UInt64
    /// Whether requests carry `min_tokens` = `max_tokens` (vLLM accepts it; off by default,
    /// since `ignore_eos` already holds the length on vLLM and llama.cpp).
    public var sendsMinTokens = false
    /// A PEM file of the certificate authorities to trust for an https server instead of the
    /// system's (libcurl's `CURLOPT_CAINFO`): a server with a private CA. libcurl only; nil, the
    /// system's bundle.
    public var certificateAuthorities: String?

    public init(
        url: URL, model: String, endpoint: Endpoint = .completions, requestTimeout: SimDuration = SimDuration(seconds: 60),
        deadline: SimDuration? = nil, drain: SimDuration? = nil, apiKeyEnvironmentVariable: String? = nil,
        tokenizer: TokenizerMode = .auto, maxConnections: Int = 1024, seed: UInt64 = 1
    ) {
        self.url = url
        self.model = model
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        self.deadline = deadline
        self.drain = drain
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.tokenizer = tokenizer
        self.maxConnections = maxConnections
        self.seed = seed
    }

    /// The backend's name on the command line.
    public static let backendName = "openai"

    /// Reads the settings from backend parameters; throws naming the key for a missing `url` or
    /// `model`, a URL that is not http(s), or a malformed value.
    public init(reading parameters: inout BackendParameters) throws(BackendConfigurationError) {
        func fault(_ key: String, _ message: String) -> BackendConfigurationError {
            BackendConfigurationError(backend: Self.backendName, key: key, message: message)
        }
        guard let text = parameters.text("url") else {
            throw fault("url", "required: the server's OpenAI API base, e.g. url=http://127.0.0.1:8000/v1")
        }
        url = try Self.validatedURL(text, fault: fault)
        guard let model = parameters.text("model"), !model.isEmpty else {
            throw fault("model", "required: the model name the server serves (GET {url}/models lists them)")
        }
        self.model = model
        endpoint = try parameters.choice("endpoint", ["completions": Endpoint.completions, "chat": .chat]) ?? .completions
        requestTimeout = try parameters.duration("timeout", default: SimDuration(seconds: 60))
        guard requestTimeout > .zero else { throw fault("timeout", "must be positive") }
        let deadline = try parameters.duration("deadline", default: .zero)
        self.deadline = deadline > .zero ? deadline : nil
        let drain = try parameters.duration("drain", default: .zero)
        self.drain = drain > .zero ? drain : nil
        if let name = parameters.text("api_key_env") {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw fault("api_key_env", "'\(name)' is not an environment variable name (letters, digits, _)")
            }
            apiKeyEnvironmentVariable = name
        }
        tokenizer = try parameters.choice("tokenizer", ["auto": TokenizerMode.auto, "server": .server, "calibrate": .calibrate]) ?? .auto
        client = try parameters.choice("client", ["curl": Client.curl, "urlsession": .urlsession]) ?? .curl
        maxConnections = try parameters.positiveInteger("max_connections", default: 1024)!
        sendsMinTokens = try parameters.onOff("min_tokens") ?? false
        if let path = parameters.text("ca_file") {
            guard client == .curl else {
                throw fault("ca_file", "only with client=curl: URLSession on Linux cannot be given certificate authorities")
            }
            guard url.scheme?.lowercased() == "https" else { throw fault("ca_file", "only for an https url") }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fault("ca_file", "'\(path)' is not a readable file (a PEM bundle of the certificate authorities to trust)")
            }
            certificateAuthorities = path
        }
        seed = parameters.seed
    }

    /// `text` as an http(s) URL with a host; anything else is refused, so requests go only to
    /// the server named.
    static func validatedURL(
        _ text: String, fault: (String, String) -> BackendConfigurationError
    ) throws(BackendConfigurationError) -> URL {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw fault("url", "'\(text)' is not a URL; write e.g. http://127.0.0.1:8000/v1")
        }
        guard scheme == "http" || scheme == "https" else {
            throw fault("url", "'\(scheme)' URLs are refused: only http and https servers are called")
        }
        guard let host = components.host, !host.isEmpty, let url = components.url else {
            throw fault("url", "'\(text)' names no host; write e.g. http://127.0.0.1:8000/v1")
        }
        guard components.user == nil, components.password == nil else {
            throw fault("url", "credentials in the URL are refused: put the key in an environment variable and name it with api_key_env=")
        }
        return url
    }

    /// The URL requests are posted to.
    public var requestURL: URL {
        url.appendingPathComponent(endpoint == .chat ? "chat/completions" : "completions")
    }

    /// The server's root (the URL without its `/v1`), where tokenizer endpoints live.
    public var serverRoot: URL {
        var root = url
        if root.lastPathComponent == "v1" { root.deleteLastPathComponent() }
        return root
    }

    /// The settings as the report and provenance show them; never the API key.
    public var described: [BackendDescriptor.ConfigurationEntry] {
        var entries: [BackendDescriptor.ConfigurationEntry] = [
            .init("url", url.absoluteString), .init("model", model), .init("endpoint", endpoint.rawValue),
            .init("timeout", "\(requestTimeout.seconds)s"), .init("tokenizer", tokenizer.rawValue), .init("client", client.rawValue),
            .init("max_connections", String(maxConnections)),
        ]
        if let deadline { entries.append(.init("deadline", "\(deadline.seconds)s")) }
        if let drain { entries.append(.init("drain", "\(drain.seconds)s")) }
        if sendsMinTokens { entries.append(.init("min_tokens", "on")) }
        if let name = apiKeyEnvironmentVariable { entries.append(.init("api_key_env", name)) }
        if let path = certificateAuthorities { entries.append(.init("ca_file", path)) }
        return entries
    }
}
