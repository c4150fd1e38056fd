import Digest
import DiscreteEvent
import Serving
import Testing

@Suite struct BackendRegistryTests {
    @Test func buildsTheFixedBackendFromOptions() throws {
        let configuration = try BackendConfiguration(backend: "fixed", options: "ttft=250ms, tpot=12ms,max_concurrency=8")
        let backend = try BackendRegistry.builtIn.makeBackend(configuration)
        let fixed = try #require(backend as? FixedLatencyBackend)
        #expect(fixed.configuration.timeToFirstToken == .milliseconds(250))
        #expect(fixed.configuration.timePerOutputToken == .milliseconds(12))
        #expect(fixed.configuration.maxConcurrency == 8)
        #expect(fixed.configuration.maxInputTokens == nil)
        #expect(fixed.descriptor.name == "fixed")
        #expect(fixed.descriptor.acceleratorCount == nil)
        #expect(fixed.descriptor.configuration.map(\.key) == ["ttft", "tpot", "max_concurrency"])
    }

    @Test func unknownBackendNamesTheKnownOnes() {
        #expect(throws: BackendConfigurationError(backend: "fixd", key: nil, message: "unknown backend (known: fixed)")) {
            _ = try BackendRegistry.builtIn.makeBackend(BackendConfiguration(backend: "fixd"))
        }
    }

    @Test func unknownParameterIsRefused() {
        let configuration = BackendConfiguration(backend: "fixed", parameters: [.init("ttfft", "50ms")])
        #expect {
            _ = try BackendRegistry.builtIn.makeBackend(configuration)
        } throws: { error in
            let error = error as? BackendConfigurationError
            return error?.key == "ttfft" && error?.message.hasPrefix("unknown parameter") == true
        }
    }

    @Test(arguments: [("ttft", "50"), ("tpot", "fast"), ("max_concurrency", "0"), ("max_input_tokens", "-3")])
    func badValuesNameTheKey(key: String, value: String) {
        let configuration = BackendConfiguration(backend: "fixed", parameters: [.init(key, value)])
        #expect {
            _ = try BackendRegistry.builtIn.makeBackend(configuration)
        } throws: { error in
            (error as? BackendConfigurationError)?.key == key
        }
    }

    @Test func registeringABackendMakesItSelectable() throws {
        var registry = BackendRegistry.builtIn
        registry.register(
            .init(name: "slow", summary: "fixed, but slow") { parameters throws(BackendConfigurationError) in
                FixedLatencyBackend(.init(timeToFirstToken: try parameters.duration("ttft", default: .milliseconds(900))))
            })
        #expect(registry.entries.map(\.name) == ["fixed", "slow"])
        let backend = try registry.makeBackend(BackendConfiguration(backend: "slow"))
        #expect((backend as? FixedLatencyBackend)?.configuration.timeToFirstToken == .milliseconds(900))
    }
}

@Suite struct KeyValueListTests {
    @Test func keepsOrderAndTrimsSpaces() throws {
        let pairs = try KeyValueList.parse(" b = 2 ,a=1")
        #expect(pairs.map(\.key) == ["b", "a"])
        #expect(pairs.map(\.value) == ["2", "1"])
        #expect(try KeyValueList.parse("").isEmpty)
    }

    @Test(arguments: ["a", "a=1,,b=2", "=1", "a=1,a=2"])
    func refusesMalformedLists(text: String) {
        #expect(throws: KeyValueList.ParseError.self) { _ = try KeyValueList.parse(text) }
    }
}

@Suite struct RecorderTests {
    @Test func pairSendsEveryRecordToBothInOrder() {
        var pair = RecorderPair(InMemoryRecorder(), InMemoryRecorder())
        let outcome = RequestOutcome.rejected(
            ServingRequest(id: 3, arrival: .zero, inputTokens: 5, outputTokens: 1, origin: InputLocation(file: "t", line: 4)),
            at: SimTime(nanoseconds: 7), Rejection(code: "full", message: "queue full"))
        pair.record(outcome)
        pair.record(InterTokenGaps(gap: .milliseconds(1), count: 4))
        #expect(pair.first.outcomes == [outcome])
        #expect(pair.second.outcomes == [outcome])
        #expect(pair.second.interTokenGaps == [InterTokenGaps(gap: .milliseconds(1), count: 4)])
        #expect(outcome.rejection?.code == "full")
        #expect(!outcome.isCompleted)
    }
}

/// A factory records the data files it read; the registry hands them back with the backend.
@Suite struct BackendFilesTests {
    @Test func theFixedBackendReadsNoFile() throws {
        let built = try BackendRegistry.builtIn.build(BackendConfiguration(backend: "fixed"))
        #expect(built.backend is FixedLatencyBackend)
        #expect(built.files.isEmpty)
    }

    @Test func filesAFactoryRecordsComeBackWithTheBackend() throws {
        let file = FileDigest(role: "hardware", path: "hw.json", sha256: String(repeating: "a", count: 64))
        var registry = BackendRegistry.builtIn
        registry.register(.init(name: "recording", summary: "reads one file") { parameters throws(BackendConfigurationError) in
            parameters.record(file)
            return FixedLatencyBackend(.init())
        })
        #expect(try registry.build(BackendConfiguration(backend: "recording")).files == [file])
    }
}
