/// A `RequestSource` over requests already in memory: for tests, examples and generators.
///
/// The requests must be in non-decreasing arrival order, as for any source.
public struct InMemoryRequestSource: RequestSource, Sendable {
    public typealias Failure = Never

    public let requests: [ServingRequest]
    private var position = 0

    public init(_ requests: [ServingRequest]) {
        self.requests = requests
    }

    public mutating func next() -> ServingRequest? {
        guard position < requests.count else { return nil }
        defer { position += 1 }
        return requests[position]
    }
}
