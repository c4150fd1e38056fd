import DiscreteEvent
import Serving
import SystemDescription
import CostModel

/// CloudMatrix-Infer as a serving system a trace flows through (paper v3 §4.1, §4.3.3, §4.4):
/// a stateless global scheduler, prefill instances, RDMA KV transfer, decode instances that
/// step all their DP ranks together, and the EMS context cache.
///
/// **A request's path (phase `full`).**
/// 1. *Admission* (global scheduler, paper §4.3.3: the decode side allocates the KV buffer before
///    prefill starts). The request's whole KV — (input + output tokens) × KV bytes per token —
///    is reserved on a decode DP rank (die) that has room under both the batch cap and the HBM
///    left after weights, dispatch/combine buffers and workspace: the least loaded by reserved
///    bytes, ties to the lowest index. With no room anywhere it waits in a FIFO global queue
///    until a completion frees room (so queueing delay = arrival → prefill start). A request
///    that could never fit — KV larger than a die's room, or a prompt larger than a prefill
///    instance's token budget — is rejected with a reason, and the run goes on.
/// 2. *Prefill*: routed to the prefill instance with the fewest outstanding prompt tokens. An
///    idle instance forms a batch from its FIFO queue up to its token budget (tokens per NPU ×
///    NPUs); a prompt alone may use the whole budget, so a long prompt (Mooncake reaches
///    126K tokens) runs as one batch spread over the instance by sequence parallelism; there is
///    no chunking. With EMS, each request's leading prefix blocks found in the pool are loaded
///    instead of computed, before the batch computes (paper §4.4.2 "loads hit blocks … computes
///    only the suffix"). The first token is produced at the end of the batch.
/// 3. *KV transfer* over the RDMA plane, separate from UB so decode is not slowed (paper §4.3.3):
///    latency + prompt KV bytes / (per-die RDMA rate × dies carrying it).
/// 4. *Decode*: the request joins its die's batch at the next step boundary. All DP ranks of an
///    instance step together (MoE layers synchronise them), so a step lasts what the busiest
///    rank needs: `DecodeCostModel.stepTime` at the largest per-rank batch and the largest
///    per-rank KV sum. Each step emits 1 + accepted drafts tokens per request (MTP).
///
/// Phase `decode` skips prefill and transfer (each request's KV and first token are ready at
/// its die when it is admitted: the paper's separate decode measurement); phase `prefill`
/// skips decode (a request leaves with its first token).
///
/// **The parts.** The backend wires components that each own one job and have their own tests:
/// `KVRoomLedger` (decode dies' KV reservations and the choice of die), `PrefillPool` (prefill
/// queues, batches and the EMS `PrefixCachePool`), `DecodeInstance` (lock-step steps, MTP
/// progress and completions in a `StepCalendar`), and the cost tables. The backend keeps
/// admission, the global queue, routing between the parts, events, outcomes and rejections.
///
/// **Cost per event.** Finding, reserving or releasing a die takes short loops over
/// groups of 16 dies (`KVRoomLedger`); routing a prompt is O(prefill instances). A decode step costs O(1) per
/// request joining it and O(log decoding) per request leaving it, plus one O(ranks of the
/// instance) scan for the busiest rank when a request joined or left since the last scan (else
/// O(1)): per-rank request counts and KV sums are linear functions of the step counter
/// (KV = Aᵣ + nᵣ·τ·S), so no step is O(requests decoding). Cost-model calls go through memoised
/// interpolation tables (`DecodeStepTable`, `PrefillTimeTable`).
///
/// Inter-token gaps are reported once per request, at completion: its decode tokens with
/// their mean gap.
public struct CloudMatrixBackend: ServingBackend {
    /// The backend's events: indices only.
    public enum Event {
        case prefillStart(instance: Int32)
        case prefillEnd(instance: Int32)
        case kvArrived(slot: Int32)
        case stepBegin(instance: Int32)
        case stepEnd(instance: Int32)
    }

    public let resolved: ResolvedServingSystem
    public var settings: ServingDeploymentSettings { resolved.settings }
    /// With true, every decode step checks every die's reservations against its capacity and
    /// batch cap and records failures in `statistics.invariantViolations` (tests turn it on).
    public var checksInvariantsEveryStep = false
    public internal(set) var statistics = Statistics()

    let tokensPerStep: Double
    let ranksPerInstance: Int
    let transferBytesPerSecond: Double
    var decodeTable: DecodeStepTable
    var prefillTable: PrefillTimeTable
    /// `singlePromptSeconds` by prompt length (NaN: not computed yet); grows to the longest prompt.
    var singlePromptMemo: [Double] = []
    /// EMS load times (nil without an EMS pool in the serving parameters).
    let emsLoad: EMSLoadTiming?
    /// The EMS context cache (nil without EMS, or in phase `decode`).
    public var cache: PrefixCachePool? { prefill.cache }
    var generator: SeededGenerator

    /// Requests in flight by slot; a free slot (listed in `freeSlots`) keeps stale numbers.
    var slots: ContiguousArray<InFlight> = []
    /// The request in each slot, for its outcome; prefix hashes are dropped once stored in the
    /// pool, so a decoding request holds no array.
    var requests: ContiguousArray<Identity> = []
    /// The files `requests` name as their origins.
    var originFiles = OriginFiles()
    var freeSlots: [Int32] = []
    /// Scratch for `startBatch`, kept to reuse its storage.
    var batchPrompts: [(tokens: Int, cached: Int)] = []
    /// Prefill instances whose batch start `arrive` held back (`arrivalsEnded`), in order: the
    /// first (−1: none), then any others (rare: several idle instances at one instant).
    var firstHeldStart: Int32 = -1
    var heldStarts: [Int32] = []
    // Settings the hot paths read, copied out of `resolved` once.
    let phase: ServingDeploymentSettings.Phase
    let kvBytesPerToken: Double
    let kvCapacityPerDie: Double
    let prefillTokenBudget: Int
    let prefillNPUs: Int
    var globalQueue = FIFOQueue<Int32>()
    /// Decode dies' KV reservations: where a new request's KV goes.
    var ledger: KVRoomLedger
    var prefill: PrefillPool
    var decode: [DecodeInstance]

    /// A backend over `resolved`, drawing its randomness (sampled MTP) from `generator`.
    public init(_ resolved: ResolvedServingSystem, generator: SeededGenerator) {
        self.resolved = resolved
        let s = resolved.settings
        tokensPerStep = s.mtp.tokensPerStep
        ranksPerInstance = resolved.decodeDiesPerInstance
        let ranks = ranksPerInstance * s.decodeInstances
        let hw = resolved.system.hardware
        transferBytesPerSecond = hw.scaleOut.lineRateBytesPerSecond * Double(resolved.serving.kvTransferDies)
        decodeTable = DecodeStepTable(model: DecodeCostModel(system: resolved.system), options: resolved.decodeOptions)
        prefillTable = PrefillTimeTable(model: PrefillCostModel(system: resolved.system), options: resolved.prefillOptions)
        var cache: PrefixCachePool?
        if s.emsEnabled && s.phase != .decode {
            cache = PrefixCachePool(capacityBytes: s.emsCapacityBytes, pageTokens: s.emsBlockTokens, bytesPerToken: resolved.kvBytesPerToken)
        }
        self.generator = generator
        emsLoad = EMSLoadTiming(resolved)
        phase = s.phase
        kvBytesPerToken = resolved.kvBytesPerToken
        kvCapacityPerDie = resolved.kvCapacityBytesPerDecodeDie
        prefillTokenBudget = resolved.prefillTokenBudget
        prefillNPUs = resolved.system.deployment.prefill.npus
        ledger = KVRoomLedger(dies: ranks, capacityBytes: kvCapacityPerDie, batchCap: Int32(s.decodeBatchPerDie))
        prefill = PrefillPool(
            instances: s.phase == .decode ? 0 : s.prefillInstances, tokenBudget: resolved.prefillTokenBudget, cache: cache)
        decode = Array(
            repeating: DecodeInstance(ranks: ranksPerInstance, mtp: s.mtp, sampling: s.mtpSampling),
            count: s.phase == .prefill ? 0 : s.decodeInstances)
    }

    // MARK: arrival and admission

    public mutating func arrive(_ request: ServingRequest, in context: inout ServingContext<Event>) {
        statistics.requestsArrived += 1
        if phase != .decode, request.inputTokens > prefillTokenBudget {
            reject(
                request, code: "prompt-exceeds-prefill-budget",
                "prompt of \(request.inputTokens) tokens exceeds a prefill instance's batch budget of \(resolved.prefillTokenBudget) tokens (\(resolved.system.deployment.prefill.tokensPerNPU) per NPU x \(resolved.system.deployment.prefill.npus) NPUs); chunked prefill is not modelled",
                in: &context)
            return
        }
        let need = Double(request.inputTokens + request.outputTokens) * kvBytesPerToken
        if phase != .prefill, need > kvCapacityPerDie {
            reject(
                request, code: "kv-exceeds-decode-die",
                "KV of \(request.inputTokens + request.outputTokens) tokens (\(MemoryBudget.gb(need))) exceeds the \(MemoryBudget.gb(resolved.kvCapacityBytesPerDecodeDie)) a decode die has after weights, buffers and workspace",
                in: &context)
            return
        }
        let slot = allocate(
            InFlight(
                inputTokens: request.inputTokens, outputTokens: request.outputTokens, reservedBytes: need,
                prefixBlocks: Int32(clamping: request.prefixBlockHashes.count)),
            request: request)
        if phase == .prefill {
            routeToPrefill(slot, arriving: true, in: &context)
        } else if globalQueue.isEmpty, let rank = ledger.pick(need: need) {
            reserve(slot, on: rank)
            dispatch(slot, arriving: true, in: &context)
        } else {
            globalQueue.append(slot)
            statistics.peakGlobalQueue = max(statistics.peakGlobalQueue, globalQueue.count)
        }
    }

    /// Reserves `slot`'s KV on decode die `rank` (which `ledger.pick` chose).
    mutating func reserve(_ slot: Int32, on rank: Int) {
        slots[Int(slot)].rank = Int32(rank)
        ledger.reserve(slots[Int(slot)].reservedBytes, on: rank)
        statistics.peakKVReservedFraction = max(
            statistics.peakKVReservedFraction, ledger.reservedBytes[rank] / kvCapacityPerDie)
        statistics.peakRequestsPerDie = max(statistics.peakRequestsPerDie, Int(ledger.reservedCount[rank]))
    }

    /// Returns `slot`'s decode room, if it holds any.
    mutating func release(_ slot: Int32) {
        let entry = slots[Int(slot)]
        guard entry.rank >= 0 else { return }
        ledger.release(entry.reservedBytes, on: Int(entry.rank))
        slots[Int(slot)].rank = -1
    }

    /// Admits waiting requests, oldest first, while the oldest fits somewhere.
    mutating func admitWaiting(in context: inout ServingContext<Event>) {
        while let slot = globalQueue.first {
            guard let rank = ledger.pick(need: slots[Int(slot)].reservedBytes) else { return }
            _ = globalQueue.popFirst()
            statistics.requestsWaitedForDecodeRoom += 1
            statistics.decodeRoomWaitSeconds += (context.now - requests[Int(slot)].arrival).seconds
            reserve(slot, on: rank)
            dispatch(slot, in: &context)
        }
    }

    /// A request with decode room goes to prefill (phase full) or straight to its die (decode).
    /// `arriving`: called from `arrive` (see `routeToPrefill`).
    mutating func dispatch(_ slot: Int32, arriving: Bool = false, in context: inout ServingContext<Event>) {
        if phase == .full {
            routeToPrefill(slot, arriving: arriving, in: &context)
            return
        }
        slots[Int(slot)].serviceStart = context.now
        slots[Int(slot)].firstToken = context.now
        if slots[Int(slot)].outputTokens <= 1 {
            complete(slot, in: &context)
            admitWaiting(in: &context)
        } else {
            joinDecode(slot, in: &context)
        }
    }

    // MARK: completion

    mutating func complete(_ slot: Int32, in context: inout ServingContext<Event>) {
        let entry = slots[Int(slot)]
        release(slot)
        let produced = phase == .prefill ? min(entry.outputTokens, 1) : entry.outputTokens
        let firstToken = produced > 0 ? entry.firstToken : nil
        context.report(
            RequestOutcome(
                requestID: requests[Int(slot)].id, disposition: .completed, arrival: requests[Int(slot)].arrival,
                serviceStart: entry.serviceStart, firstToken: firstToken, finish: context.now,
                inputTokens: entry.inputTokens, outputTokens: produced, cachedPrefixTokens: entry.cachedTokens,
                prefixBlocks: Int(entry.prefixBlocks), cachedPrefixBlocks: Int(entry.cachedBlocks), origin: originFiles.location(of: requests[Int(slot)])))
        if produced > 1, let first = firstToken {
            let gaps = produced - 1
            let mean = (context.now - first).nanoseconds / Int64(gaps)
            context.reportInterTokenGaps(SimDuration(nanoseconds: mean), count: gaps)
        }
        statistics.requestsCompleted += 1
        if !requests[Int(slot)].prefixBlockHashes.isEmpty { requests[Int(slot)].prefixBlockHashes = [] }
        freeSlots.append(slot)
    }

    mutating func reject(_ request: ServingRequest, code: String, _ message: String, in context: inout ServingContext<Event>) {
        statistics.requestsRejected += 1
        context.report(.rejected(request, at: context.now, Rejection(code: code, message: message)))
    }

    mutating func allocate(_ entry: InFlight, request: ServingRequest) -> Int32 {
        let identity = Identity(request, originFile: originFiles.index(of: request.origin.file))
        if let slot = freeSlots.popLast() {
            slots[Int(slot)] = entry
            requests[Int(slot)] = identity
            return slot
        }
        slots.append(entry)
        requests.append(identity)
        return Int32(slots.count - 1)
    }

    public mutating func handle(_ event: Event, in context: inout ServingContext<Event>) {
        switch event {
        case .prefillStart(let instance): startBatch(Int(instance), in: &context)
        case .prefillEnd(let instance): endBatch(Int(instance), in: &context)
        case .kvArrived(let slot): joinDecode(slot, in: &context)
        case .stepBegin(let instance): beginStep(Int(instance), in: &context)
        case .stepEnd(let instance): endStep(Int(instance), in: &context)
        }
    }

    /// Requests in the system now (queued, prefilling, transferring or decoding).
    public var requestsInFlight: Int { slots.count - freeSlots.count }
    /// Requests waiting for decode room.
    public var requestsWaitingForDecodeRoom: Int { globalQueue.count }
    /// Cost-model evaluations so far (decode, prefill): how well the tables are caching.
    public var costModelEvaluations: (decode: Int, prefill: Int) { (decodeTable.evaluations, prefillTable.evaluations) }
}
