import DiscreteEvent
import Serving

extension CloudMatrixBackend {
    /// Counters for reports and tests.
    public struct Statistics: Sendable, Equatable {
        public var requestsArrived = 0
        public var requestsCompleted = 0
        public var requestsRejected = 0
        public var prefillBatches = 0
        public var decodeSteps = 0
        public var kvTransfers = 0
        /// Most requests waiting in the global queue at once.
        public var peakGlobalQueue = 0
        /// Highest reserved KV bytes over capacity seen on any decode die.
        public var peakKVReservedFraction = 0.0
        /// Most requests reserved on one decode die at once.
        public var peakRequestsPerDie = 0
        /// Largest batch on one die in a decode step.
        public var peakDecodeBatchPerDie = 0
        public var cacheLookups = 0
        public var cacheHitBlocks = 0
        public var cachedTokens = 0
        /// Prompt tokens prefilled (cached ones included).
        public var prefillTokens = 0
        /// Where requests' time went, summed over requests or batches: what `cmbench plan` reads
        /// to name a deployment's bottleneck. Requests that waited in the global queue for decode
        /// room, and their waits; prefill batches' busy time (EMS loads included) and the EMS
        /// loads alone; prompt KV transfers.
        public var requestsWaitedForDecodeRoom = 0
        public var decodeRoomWaitSeconds = 0.0
        public var prefillBusySeconds = 0.0
        public var emsLoadSeconds = 0.0
        public var kvTransferSeconds = 0.0
        /// Invariant failures seen by the per-step check (empty unless it found a bug).
        public var invariantViolations: [String] = []
    }

    /// What admission, routing and the outcome read of a request in flight: plain numbers, so
    /// reading or writing a slot copies no arrays and touches no reference counts. The rest of
    /// the request waits in `requests` (`Identity`) for prefill and the report; a decoding
    /// request's step state lives in its `DecodeInstance`.
    struct InFlight {
        var inputTokens: Int
        var outputTokens: Int
        var rank: Int32 = -1
        var reservedBytes: Double = 0
        var serviceStart: SimTime?
        var firstToken: SimTime?
        var cachedTokens = 0
        /// Prefix blocks the request names (kept: its hashes are dropped after prefill) and how
        /// many of them the pool held.
        var prefixBlocks: Int32 = 0
        var cachedBlocks: Int32 = 0
    }

    /// The parts of a request only prefill (its prefix hashes) and its outcome (id, arrival,
    /// origin) need; 48 bytes, where keeping the whole `ServingRequest` beside `InFlight` took
    /// 100 per request (a backlog of millions of queued requests shows it in peak memory).
    /// The origin's file is an index into `OriginFiles`: a copy of its name cost a retain when
    /// the slot was filled and a release when it was filled again, per request.
    struct Identity {
        var id: Int
        var arrival: SimTime
        var originLine: Int
        var originFile: Int32
        var prefixBlockHashes: [UInt64]
        var prefixBlockTokens: Int

        init(_ request: ServingRequest, originFile: Int32) {
            id = request.id
            arrival = request.arrival
            originLine = request.origin.line
            self.originFile = originFile
            prefixBlockHashes = request.prefixBlockHashes
            prefixBlockTokens = request.prefixBlockTokens
        }
    }

    /// The names of the files requests came from, each once (a trace is one file, so almost
    /// always one name), for `Identity.originFile`.
    struct OriginFiles {
        private var names: [String] = []

        /// The index of `file`, added if it is new.
        mutating func index(of file: String) -> Int32 {
            // The last name first: a trace's requests all name the same file.
            if let last = names.indices.last, names[last] == file { return Int32(last) }
            if let index = names.firstIndex(of: file) { return Int32(index) }
            names.append(file)
            return Int32(names.count - 1)
        }

        /// Where a request of `identity` came from.
        func location(of identity: Identity) -> InputLocation {
            InputLocation(file: names[Int(identity.originFile)], line: identity.originLine)
        }
    }
}
