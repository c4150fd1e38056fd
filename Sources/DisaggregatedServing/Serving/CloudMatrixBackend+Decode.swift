import DiscreteEvent
import Serving
import SystemDescription
import CostModel

/// The decode side of the backend: requests to their die's `DecodeInstance`, step events, and
/// the per-step invariant check.
extension CloudMatrixBackend {
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
            // replacements) join this step; at once when nothing else can happen at this
            // instant first (almost every step), which saves the event's round trip.
            if context.runsInPlaceNow() {
                beginStep(i, in: &context)
            } else {
                context.schedule(.stepBegin(instance: Int32(i)), after: .zero)
            }
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
}
