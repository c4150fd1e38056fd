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
/// **Cost per event.** A decode step is O(ranks of the instance) — per-rank request counts and
/// KV sums kept as linear functions of the step counter (KV = Aᵣ + nᵣ·τ·S), completions found in
/// a min-heap keyed by finishing step — never O(requests). Admission is O(ranks). Cost-model
/// calls go through memoised interpolation tables (`DecodeStepTable`, `PrefillTimeTable`).
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
        /// Invariant failures seen by the per-step check (empty unless it found a bug).
        public var invariantViolations: [String] = []
    }

    /// What the scheduler and the decode steps read of a request in flight: plain numbers, so
    /// reading or writing a slot copies no arrays and touches no reference counts. The rest of
    /// the request waits in `requests` (`Identity`) for prefill and the report.
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
    /// origin) need; 56 bytes, where keeping the whole `ServingRequest` beside `InFlight` took
    /// 100 per request (a backlog of millions of queued requests shows it in peak memory).
    struct Identity {
        var id: Int
        var arrival: SimTime
        var origin: InputLocation
        var prefixBlockHashes: [UInt64]
        var prefixBlockTokens: Int

        init(_ request: ServingRequest) {
            id = request.id
            arrival = request.arrival
            origin = request.origin
            prefixBlockHashes = request.prefixBlockHashes
            prefixBlockTokens = request.prefixBlockTokens
        }
    }

    public let resolved: ResolvedServingSystem
    public var settings: ServingDeploymentSettings { resolved.settings }
    /// With true, every decode step checks every die's reservations against its capacity and
    /// batch cap and records failures in `statistics.invariantViolations` (tests turn it on).
    public var checksInvariantsEveryStep = false
    public private(set) var statistics = Statistics()

    let tokensPerStep: Double
    let ranksPerInstance: Int
    let transferBytesPerSecond: Double
    var decodeTable: DecodeStepTable
    var prefillTable: PrefillTimeTable
    /// The EMS context cache (nil without EMS, or in phase `decode`).
    public var cache: PrefixCachePool? { prefill.cache }
    var generator: SeededGenerator

    /// Requests in flight by slot; a free slot (listed in `freeSlots`) keeps stale numbers.
    var slots: ContiguousArray<InFlight> = []
    /// The request in each slot, for its outcome; prefix hashes are dropped once stored in the
    /// pool, so a decoding request holds no array.
    var requests: ContiguousArray<Identity> = []
    var freeSlots: [Int32] = []
    /// Scratch for `startBatch`, kept to reuse its storage.
    var batchPrompts: [(tokens: Int, cached: Int)] = []
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

    /// Loads `configs/` and builds the backend for `settings` (from `ServingDeploymentSettings(system:serving:)`).
    public static func load(configsDirectory: String, deployment: String) throws(ConfigError)
        -> (system: SystemConfiguration, serving: ServingSystemParameters)
    {
        let system = try SystemConfiguration.load(configsDirectory: configsDirectory, deployment: deployment)
        let serving = try ServingSystemParameters.load(deploymentPath: "\(configsDirectory)/deployments/\(deployment).json")
        return (system, serving)
    }

    public var descriptor: BackendDescriptor {
        let s = settings
        let d = resolved.system.deployment
        let dies = resolved.system.hardware.diesPerPackage
        let prefillNPUs = s.phase == .decode ? 0 : s.prefillInstances * d.prefill.npus
        let decodeNPUs = s.phase == .prefill ? 0 : s.decodeInstances * d.decode.npus
        let npus = prefillNPUs + decodeNPUs
        var entries: [BackendDescriptor.ConfigurationEntry] = [
            .init("deployment", d.name),
            .init("phase", s.phase.rawValue),
            .init("prefill_instances", "\(s.prefillInstances) x \(d.prefill.npus) NPUs"),
            .init("decode_instances", "\(s.decodeInstances) x \(d.decode.npus) NPUs"),
            .init("decode_batch_per_die", "\(s.decodeBatchPerDie)"),
            .init("prefill_tokens_per_batch", "\(resolved.prefillTokenBudget)"),
            .init("kv_room_per_decode_die", "\(MemoryBudget.gb(resolved.kvCapacityBytesPerDecodeDie))"),
            .init("kv_bytes_per_token", "\(Int(resolved.kvBytesPerToken))"),
            .init("ems", s.emsEnabled ? "on" : "off"),
        ]
        if s.emsEnabled {
            entries.append(.init("ems_capacity", MemoryBudget.gb(s.emsCapacityBytes)))
            entries.append(.init("ems_link", s.emsLink.rawValue))
            entries.append(.init("ems_block_tokens", s.emsBlockTokens.map { "\($0)" } ?? "trace"))
        }
        entries += [
            .init("microbatching", s.microbatching == .whenFaster ? "auto" : s.microbatching.rawValue),
            .init("mtp", s.mtp.draftTokens > 0 ? "on (\(s.mtp.draftTokens) draft, acceptance \(s.mtp.acceptanceRate))" : "off"),
            .init("mtp_sampling", s.mtpSampling.rawValue),
            .init("precision", s.precision),
            .init("experts", s.expertBalance.rawValue),
        ]
        return BackendDescriptor(
            name: "cloudmatrix", acceleratorKind: "NPU", acceleratorCount: npus, dieCount: npus * dies, configuration: entries)
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
            routeToPrefill(slot, in: &context)
        } else if globalQueue.isEmpty, let rank = ledger.pick(need: need) {
            reserve(slot, on: rank)
            dispatch(slot, in: &context)
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
            reserve(slot, on: rank)
            dispatch(slot, in: &context)
        }
    }

    /// A request with decode room goes to prefill (phase full) or straight to its die (decode).
    mutating func dispatch(_ slot: Int32, in context: inout ServingContext<Event>) {
        if phase == .full {
            routeToPrefill(slot, in: &context)
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

    // MARK: prefill

    mutating func routeToPrefill(_ slot: Int32, in context: inout ServingContext<Event>) {
        if let instance = prefill.enqueue(slot, tokens: slots[Int(slot)].inputTokens) {
            // Zero delay: requests arriving at this same instant join the batch.
            context.schedule(.prefillStart(instance: Int32(instance)), after: .zero)
        }
    }

    mutating func startBatch(_ instance: Int, in context: inout ServingContext<Event>) {
        guard prefill.startBatch(instance) else { return }
        // The prompt array is reused (the previous batch left it behind).
        batchPrompts.removeAll(keepingCapacity: true)
        var tokens = 0
        var cachedTotal = 0
        for slot in prefill.batch(of: instance) {
            let input = slots[Int(slot)].inputTokens
            tokens += input
            let cached = lookUpPrefix(slot)
            slots[Int(slot)].cachedTokens = cached
            slots[Int(slot)].serviceStart = context.now
            cachedTotal += cached
            batchPrompts.append((input, cached))
        }
        let timing = batchTiming(prompts: batchPrompts)
        statistics.prefillBatches += 1
        statistics.prefillTokens += tokens
        statistics.cachedTokens += cachedTotal
        context.schedule(.prefillEnd(instance: Int32(instance)), after: SimDuration(seconds: timing.load + timing.compute))
    }

    /// Tokens of `slot`'s prompt whose KV the EMS pool holds (`PrefillPool.lookUpPrefix`).
    mutating func lookUpPrefix(_ slot: Int32) -> Int {
        let identity = requests[Int(slot)]
        guard let hit = prefill.lookUpPrefix(
            identity.prefixBlockHashes, blockTokens: identity.prefixBlockTokens, promptTokens: slots[Int(slot)].inputTokens)
        else { return 0 }
        statistics.cacheLookups += 1
        statistics.cacheHitBlocks += hit.blocks
        slots[Int(slot)].cachedBlocks = Int32(clamping: hit.blocks)
        return hit.tokens
    }

    /// Load and compute seconds of a prefill batch; also the R12 evaluation's path.
    mutating func batchTiming(prompts: [(tokens: Int, cached: Int)]) -> (load: Double, compute: Double) {
        let shape = PrefillBatchShape(prompts: prompts, npus: prefillNPUs)
        let compute = prefillTable.computeSeconds(shape)
        let cached = prompts.reduce(0) { $0 + $1.cached }
        return (loadSeconds(cachedTokens: cached), compute)
    }

    /// Seconds to bring `cachedTokens` tokens of KV from the EMS pool into a prefill instance.
    ///
    /// Every die of a TP group needs the whole latent KV of its group's sequences (paper v3
    /// §4.3.3: each TP rank holds a complete copy), so a die needs bytes × TP / dies. Over UB
    /// each die reads its copy itself at the measured NPU–CPU read rate (the pool's DRAM is
    /// spread over many nodes, so the die's port is the bottleneck). Over VPC each node fetches
    /// what its dies need once through its Qingtian card and replicates it over UB locally
    /// (replication not charged). Loading finishes before the batch computes.
    public func loadSeconds(cachedTokens: Int) -> Double {
        guard cachedTokens > 0, let ems = resolved.serving.ems else { return 0 }
        let p = resolved.system.deployment.prefill
        let bytes = Double(cachedTokens) * resolved.kvBytesPerToken
        let perDie = bytes * Double(p.attentionTensorParallelDies) / Double(p.dies)
        switch settings.emsLink {
        case .ub:
            return ems.ubReadLatencySeconds + perDie / ems.ubReadBytesPerSecondPerDie
        case .vpc:
            let perNode = min(bytes, perDie * Double(resolved.system.hardware.diesPerNode))
            return ems.vpcLatencySeconds + perNode / ems.vpcBytesPerSecondPerNode
        }
    }

    mutating func endBatch(_ instance: Int, in context: inout ServingContext<Event>) {
        // Taken out while its requests move on, so that the next batch can reuse the storage.
        var batch = prefill.endBatch(instance)
        var released = false
        for slot in batch {
            slots[Int(slot)].firstToken = context.now
            let input = slots[Int(slot)].inputTokens
            if !requests[Int(slot)].prefixBlockHashes.isEmpty {
                prefill.storePrefix(
                    requests[Int(slot)].prefixBlockHashes, blockTokens: requests[Int(slot)].prefixBlockTokens, promptTokens: input)
                requests[Int(slot)].prefixBlockHashes = []
            }
            if phase == .prefill || slots[Int(slot)].outputTokens <= 1 {
                complete(slot, in: &context)
                released = true
            } else {
                let bytes = Double(input) * kvBytesPerToken
                let seconds = resolved.serving.kvTransferLatencySeconds + bytes / transferBytesPerSecond
                statistics.kvTransfers += 1
                context.schedule(.kvArrived(slot: slot), after: SimDuration(seconds: seconds))
            }
        }
        prefill.recycle(&batch, for: instance)
        if prefill.hasQueued(instance) { startBatch(instance, in: &context) }
        if released { admitWaiting(in: &context) }
    }

    // MARK: decode

    /// `slot`'s KV is at its die: it joins the die's instance at the next step boundary.
    mutating func joinDecode(_ slot: Int32, in context: inout ServingContext<Event>) {
        let entry = slots[Int(slot)]
        let instance = Int(entry.rank) / ranksPerInstance
        decode[instance].join(
            DecodeInstance.Joining(
                slot: slot, rank: entry.rank - Int32(instance * ranksPerInstance),
                // KV at join: the prompt and the first token.
                kvTokens: entry.inputTokens + 1, tokens: entry.outputTokens - 1))
        if decode[instance].claimBegin() {
            context.schedule(.stepBegin(instance: Int32(instance)), after: .zero)
        }
    }

    mutating func beginStep(_ i: Int, in context: inout ServingContext<Event>) {
        guard let pace = decode[i].beginStep(generator: &generator) else { return }
        if checksInvariantsEveryStep { checkInvariants(instance: i) }
        statistics.decodeSteps += 1
        statistics.peakDecodeBatchPerDie = max(statistics.peakDecodeBatchPerDie, Int(pace.batch))
        let seconds = decodeTable.stepSeconds(batch: Int(pace.batch), kvTokens: pace.kvTokens)
        context.schedule(.stepEnd(instance: Int32(i)), after: SimDuration(seconds: seconds))
    }

    mutating func endStep(_ i: Int, in context: inout ServingContext<Event>) {
        decode[i].endStep()
        var finished = false
        while let slot = decode[i].popFinished() {
            complete(slot, in: &context)
            finished = true
        }
        decode[i].stop()
        if finished { admitWaiting(in: &context) }
        if decode[i].claimBegin() {
            // Zero delay, so requests that arrive at this boundary (a closed loop's
            // replacements) join this step.
            context.schedule(.stepBegin(instance: Int32(i)), after: .zero)
        }
    }

    /// Every die of instance `i`: reservations within HBM room and the batch cap, decoding
    /// requests among the reserved, and the KV they hold now within what was reserved (up to
    /// the last step's overshoot of under one step's tokens per request).
    mutating func checkInvariants(instance i: Int) {
        let capacity = resolved.kvCapacityBytesPerDecodeDie
        let cap = Int32(settings.decodeBatchPerDie)
        let lower = i * ranksPerInstance
        for local in 0..<ranksPerInstance {
            let r = lower + local
            let active = decode[i].rankActive[local]
            var problems: [String] = []
            if ledger.reservedBytes[r] > capacity * (1 + 1e-9) { problems.append("reserved \(ledger.reservedBytes[r]) B > room \(capacity) B") }
            if ledger.reservedCount[r] > cap { problems.append("\(ledger.reservedCount[r]) requests > cap \(cap)") }
            if active > ledger.reservedCount[r] { problems.append("\(active) decoding > \(ledger.reservedCount[r]) reserved") }
            let held = decode[i].kvTokens(rank: local) * resolved.kvBytesPerToken
            let slack = Double(active) * tokensPerStep * resolved.kvBytesPerToken
            if held > ledger.reservedBytes[r] + slack + 1 { problems.append("holds \(held) B of KV > reserved \(ledger.reservedBytes[r]) B") }
            for problem in problems where statistics.invariantViolations.count < 100 {
                statistics.invariantViolations.append("step \(decode[i].step), die \(r): \(problem)")
            }
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
                prefixBlocks: Int(entry.prefixBlocks), cachedPrefixBlocks: Int(entry.cachedBlocks), origin: requests[Int(slot)].origin))
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
        if let slot = freeSlots.popLast() {
            slots[Int(slot)] = entry
            requests[Int(slot)] = Identity(request)
            return slot
        }
        slots.append(entry)
        requests.append(Identity(request))
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
