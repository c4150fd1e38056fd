import Planning
import Reporting

/// The plan as text: the side-by-side table, each system's search, the shipped deployments'
/// capacity, and the frontier.
enum PlanReport {
    static func text(_ d: PlanDocument) -> String {
        let plan = d.plan
        let decodeOnly = d.phase == "decode"
        func shape(_ k: CandidateDeployment) -> String { decodeOnly ? k.decodeShape : k.shape }
        func accelerators(_ k: CandidateDeployment) -> Int { decodeOnly ? k.decodeAccelerators : k.accelerators }
        var out: [String] = []
        let what = d.phase == "decode" ? "decode alone, \(plan.load.description)" : plan.load.description
        out.append("Plan for \(d.trace) (\(d.requests) requests, \(what)): SLO \(d.slo), attainment >= \(percent(plan.attainmentTarget))")
        out.append("")
        let priced = plan.systems.contains { $0.pricePerAcceleratorHour != nil }
        var header = [
            "system", "accelerators", "prefill : decode", "deployment", "settings", "attainment", "goodput rps", "ttft p99 ms",
            "tpot p99 ms", "out tok/s/acc",
        ]
        if priced { header += ["$/h", "$/M out tok"] }
        var table = TextTable(header: header)
        for s in plan.systems {
            guard let c = s.chosen else {
                var row = [s.system, "none meets the SLOs", "", "", "", "", "", "", "", ""]
                if priced { row += ["", ""] }
                table.append(row)
                continue
            }
            let k = c.candidate
            var row = [
                s.system, "\(accelerators(k))", d.phase == "decode" ? "- : \(k.decodeAccelerators)" : "\(k.prefillAccelerators) : \(k.decodeAccelerators)",
                shape(k), k.settingsDescription, percent(c.attainment), number(c.summary.goodput), number(c.summary.ttft?.p99),
                number(c.summary.tpot?.p99), number(c.outputTokensPerSecondPerAccelerator),
            ]
            if priced { row += [number(s.costPerHour), number(s.costPerMillionOutputTokens)] }
            table.append(row)
        }
        out.append(table.render())
        for s in plan.systems {
            out.append("")
            let counts = s.search
            out.append(
                "\(s.system) (\(s.hardware)): \(counts.candidates) candidates, \(counts.evaluated) replayed, \(counts.pruned) pruned by the search, \(counts.invalid) invalid")
            for reason in counts.invalidReasons.prefix(3) {
                out.append("  invalid (\(reason.candidates)): \(reason.reason)")
            }
            if s.chosen == nil, let miss = s.closestMiss {
                out.append(
                    "  no deployment meets the SLOs; closest: \(shape(miss.candidate)) (\(miss.candidate.settingsDescription)) at \(percent(miss.attainment)) attainment, limited by \(miss.bottleneck.rawValue)")
            }
            if let shipped = s.shipped {
                let k = shipped.candidate
                var line = "  shipped \(shape(k)) (\(accelerators(k)) accelerators)"
                if let reason = shipped.invalidReason {
                    line += ": cannot run: \(reason)"
                } else {
                    if let at = shipped.atLoad {
                        line += at.complete
                            ? ": \(percent(at.attainment)) attainment at this load"
                            : ": misses the SLOs at this load (at most \(percent(at.attainment)) attainment)"
                    }
                    if let capacity = shipped.capacity {
                        if let load = capacity.capacity {
                            line += "; capacity \(load.description)"
                        } else if let over = capacity.overload {
                            line += "; misses the SLOs even at \(over.description)"
                        }
                        if capacity.capacity != nil, capacity.overload == nil { line += " or more (not overloaded within the search)" }
                        if capacity.bottleneck != .none { line += ", then limited by \(capacity.bottleneck.rawValue)" }
                    }
                }
                out.append(line)
            }
        }
        for system in plan.systems {
            guard let point = system.mostEfficient else { continue }
            out.append("")
            out.append(
                "\(system.system): highest throughput per accelerator meeting the SLOs: \(number(point.outputTokensPerSecondPerAccelerator)) output tok/s per accelerator at \(shape(point.candidate)), \(point.candidate.settingsDescription) (\(number(point.tokensPerSecondPerUser)) tok/s per user)")
        }
        if !plan.throughputFrontier.isEmpty {
            out.append("")
            out.append("Frontier: output tok/s per accelerator against tok/s per user (1 / median TPOT), over the candidates meeting the SLOs:")
            var frontier = TextTable(header: ["system", "deployment", "settings", "tok/s per user", "out tok/s/acc", "attainment"])
            for p in plan.throughputFrontier {
                frontier.append([
                    p.system, shape(p.candidate), p.candidate.settingsDescription, number(p.tokensPerSecondPerUser),
                    number(p.outputTokensPerSecondPerAccelerator), percent(p.attainment),
                ])
            }
            out.append(frontier.render())
        }
        if plan.stopped { out.append("\nStopped before the search finished: the plan is the best found so far.") }
        return out.joined(separator: "\n")
    }

    static func percent(_ value: Double) -> String { formatFixed(value * 100, digits: 1) + " %" }
    static func number(_ value: Double?) -> String { value.map(formatSignificant) ?? "-" }
}
