import DiscreteEvent
import DisaggregatedServing
import FileOutput
import Foundation
import Planning
import Reporting
import Serving
import ServingMetrics
import SystemDescription
import TraceFormats

/// `cmbench plan`: what to deploy for a trace — the cheapest deployment of each system that
/// meets the SLOs, the shipped deployments' capacity and bottleneck, and the frontiers.
enum PlanCommand: Command {
    static let spec = CommandSpec(
        name: "plan",
        summary: "Find the cheapest deployment that meets SLOs for a trace: sizing, P:D split, settings, across systems.",
        usage: [
            "plan TRACE --slo ttft=2s,tpot=50ms [--attainment F] [--speed X | --rate R] [--systems LIST]",
            "           [--search KEY=LIST|LOW..HIGH[/STEP]]... [--price HARDWARE=DOLLARS_PER_HOUR]... [--jobs N] [--json]",
        ],
        discussion: """
            Replays the trace, held in memory, through candidate deployments of each system (a
            deployment file under configs/deployments) and reports, per system, the cheapest one
            (fewest accelerators, or lowest $/h with --price) whose SLO attainment is at least
            --attainment at the load: the trace as recorded, or scaled with --speed, or re-timed at
            --rate. Also: the shipped deployment's capacity (the highest load meeting the SLOs,
            by bisection) and its bottleneck, and the Pareto frontiers of throughput per
            accelerator against tokens/s per user and of cost against attainment.

            The space: prefill instances × NPUs per instance, decode instances × NPUs, batch cap
            per decode die, microbatching, MTP, precision, EMS capacity (--search narrows any of
            them; `--search help` lists the keys and defaults). Candidates that do not fit in HBM
            are counted with the reason. The search assumes more prefill instances or decode NPUs
            never hurt and walks that staircase instead of the full grid (README, "Planning a
            deployment"); --exhaustive replays every valid candidate instead.

            --phase decode plans decode alone: each candidate runs a closed loop that fills its
            decode slots (batch × dies), as the paper's decode measurements; the plan then also
            names the candidate with the highest throughput per accelerator meeting the SLOs.

            Results are deterministic for a seed and do not depend on --jobs. Ctrl-C prints the
            best plan found so far and exits 130.
            """,
        arguments: [ArgumentSpec("TRACE", "A trace file (plain or zstd).")],
        options: [
            OptionSpec("--slo", .value(placeholder: "SPEC"), help: "SLOs every counted request meets, e.g. ttft=2s,tpot=50ms (required)."),
            OptionSpec("--attainment", .value(placeholder: "F"), help: "Fraction of requests that must meet the SLOs (default 0.99)."),
            OptionSpec("--speed", .value(placeholder: "X"), help: "Plan for the trace replayed X times faster."),
            OptionSpec("--rate", .value(placeholder: "R"), help: "Plan for R requests/s (Poisson arrivals, lengths kept)."),
            OptionSpec("--phase", .value(placeholder: "full|decode"), help: "Plan the whole system (default) or decode alone."),
            OptionSpec(
                "--systems", .value(placeholder: "LIST"),
                help: "Deployment files to plan for, e.g. cloudmatrix-infer,deepseek-h800,sglang-h100 (default cloudmatrix-infer)."),
            OptionSpec("--configs", .value(placeholder: "DIR"), help: "The configs folder (default configs)."),
            OptionSpec("--search", .repeatable(placeholder: "KEY=VALUES"), help: "Narrow one knob of the space; repeatable ('--search help')."),
            OptionSpec("--price", .repeatable(placeholder: "HW=$/h"), help: "Price per accelerator-hour of a hardware file, e.g. ascend-910c=2.0; repeatable."),
            OptionSpec("--exhaustive", help: "Replay every valid candidate instead of walking the staircase."),
            OptionSpec("--no-capacity", help: "Skip the shipped deployments' capacity bisection."),
            OptionSpec("--jobs", .value(placeholder: "N"), help: "Replays run at once (default: the number of cores)."),
            OptionSpec("--max-requests", .value(placeholder: "N"), help: "Plan for the first N requests of the trace."),
            OptionSpec("--seed", .value(placeholder: "S"), help: "Random seed for arrivals and the backends (default 1)."),
            OptionSpec("--json", help: "Print the plan as JSON."),
            OptionSpec("--no-progress", help: "Never draw the progress line."),
        ] + TraceInputOptions.specs,
        examples: [
            ("plan traces/default.csv.zst --slo ttft=2s,tpot=50ms", "the cheapest CloudMatrix-Infer deployment for the shipped trace"),
            (
                "plan ../shared/traces/azure-llm-2023-conv.csv --speed 20 --slo ttft=2s,tpot=50ms --systems cloudmatrix-infer,deepseek-h800,sglang-h100 --price ascend-910c=2 --price h800=2.5 --price h100-sxm=2.5",
                "CloudMatrix384 against H800 and H100 fleets, by cost"
            ),
            ("plan trace.csv --slo ttft=2s,tpot=50ms --search decode_batch_per_die=16..64/16 --search mtp=on", "a narrowed space"),
        ])

    static func run(_ arguments: ParsedArguments, console: Console) throws -> ExitStatus {
        if arguments.allValues("--search").contains("help") {
            console.out(searchHelp())
            return .ok
        }
        let tracePath = arguments.positionals[0]
        guard let sloText = arguments.value("--slo") else {
            throw CLIError.usage("--slo is required: the plan is the cheapest deployment meeting it", hint: "e.g. --slo ttft=2s,tpot=50ms")
        }
        let objectives: ServiceLevelObjectives
        do { objectives = try ServiceLevelObjectives(parsing: sloText) } catch { throw CLIError.usage("--slo: \(error)") }
        guard !objectives.isEmpty else { throw CLIError.usage("--slo needs at least one objective, e.g. ttft=2s,tpot=50ms") }
        let attainment = try arguments.double("--attainment") ?? 0.99
        guard attainment > 0, attainment <= 1 else { throw CLIError.usage("--attainment must be in (0, 1], got \(attainment)") }
        let phase: ServingDeploymentSettings.Phase
        switch arguments.value("--phase") ?? "full" {
        case "full": phase = .full
        case "decode": phase = .decode
        case let other: throw CLIError.usage("--phase must be full or decode, got '\(other)'")
        }
        let load = try planLoad(arguments, phase: phase)
        let seed = try arguments.uint64("--seed") ?? 1
        let jobs = try arguments.positiveInt("--jobs") ?? ProcessInfo.processInfo.activeProcessorCount
        let configs = arguments.value("--configs") ?? "configs"
        let systemNames = (arguments.value("--systems") ?? "cloudmatrix-infer").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !systemNames.isEmpty, !systemNames.contains(where: \.isEmpty) else {
            throw CLIError.usage("--systems needs deployment names, e.g. cloudmatrix-infer,deepseek-h800")
        }
        let files = ConfigFiles()
        let systems = try systemNames.map { name throws in try loadSystem(name, configs: configs, files: files) }
        let prices = try parsePrices(arguments.allValues("--price"), systems: systems)
        var spaces = systems.map { SearchSpace.defaults(for: $0) }
        for item in arguments.allValues("--search") {
            for index in spaces.indices {
                do { try spaces[index].narrow(item) } catch { throw CLIError.usage("--search: \(error)", hint: "see --search help") }
            }
        }
        if phase == .decode {
            // Prefill is not simulated: one nominal instance, not counted.
            for index in spaces.indices {
                spaces[index].prefillInstances = [1]
                spaces[index].prefillNPUs = [systems[index].base.deployment.prefill.npus]
            }
        }
        // Precisions the space names must exist in each model file: loaded now, refused by name.
        var loaded = systems
        for (index, system) in systems.enumerated() {
            for precision in spaces[index].precisions where system.models[precision] == nil {
                do {
                    loaded[index].models[precision] = try ModelShape.load(
                        path: "\(configs)/models/\(system.base.deployment.modelName).json", precision: precision, files: files)
                } catch {
                    throw CLIError.usage("--search precision: '\(precision)' is not a precision of \(system.base.model.name) (\(error.reason))")
                }
            }
            if spaces[index].size == 0 { throw CLIError.usage("the search space of \(system.name) is empty") }
        }

        let planned = loaded
        let (requests, digest) = try readTrace(tracePath, arguments: arguments)
        guard !requests.isEmpty else { throw CLIError(.badData, "\(tracePath) has no requests to plan for") }
        let evaluator = PlanEvaluator(requests: requests, objectives: objectives, attainmentTarget: attainment, phase: phase, seed: seed)
        let planner = Planner(
            systems: planned, spaces: spaces, load: load, attainmentTarget: attainment, prices: prices,
            countsPrefill: phase != .decode, jobs: jobs, exhaustive: arguments.flag("--exhaustive"),
            findsCapacity: !arguments.flag("--no-capacity"))
        var progressLine = ProgressLine(console: console, enabled: !arguments.flag("--no-progress"))
        let started = MonotonicClock.now()
        let plan = planner.run(
            validity: { index, candidate in
                DeploymentLayout.problem(candidate, on: planned[index], phase: phase)
            },
            evaluate: { index, candidate, load in
                evaluator.evaluate(candidate, of: planned[index], at: load, shouldStop: { Interrupt.isRequested })?.evaluation
            },
            shouldStop: { Interrupt.isRequested },
            progress: { p in
                progressLine.update(progressText(p))
            })
        progressLine.finish()
        let seconds = MonotonicClock.now() - started
        let document = PlanDocument(
            schema: "cmbench.plan/1", trace: tracePath, traceSHA256: digest, requests: requests.count,
            slo: sloText, phase: phase.rawValue, plan: plan,
            provenance: Provenance(
                command: "plan", trace: tracePath, traceSHA256: digest, configFiles: files.digests,
                configuration: planConfiguration(arguments, load: load, attainment: attainment, phase: phase),
                seed: seed))
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(document))
        } else {
            console.out(PlanReport.text(document))
        }
        let evaluated = plan.systems.reduce(0) { $0 + $1.search.evaluated }
        let pruned = plan.systems.reduce(0) { $0 + $1.search.pruned }
        console.printErr("planned in \(formatFixed(seconds, digits: 1)) s: \(evaluated) candidates replayed, \(pruned) pruned")
        if plan.stopped {
            console.printErr("interrupted (Ctrl-C): the plan above is the best found so far")
            try Interrupt.check()
        }
        return .ok
    }

    static func planLoad(_ arguments: ParsedArguments, phase: ServingDeploymentSettings.Phase) throws -> PlanLoad {
        let speed = try arguments.double("--speed")
        let rate = try arguments.double("--rate")
        if speed != nil && rate != nil { throw CLIError.usage("give --speed or --rate, not both") }
        if phase == .decode {
            guard speed == nil, rate == nil else {
                throw CLIError.usage("--phase decode runs a closed loop filling the decode slots; --speed and --rate do not apply")
            }
            return .fillDecodeSlots
        }
        if let speed {
            guard speed.isFinite, speed > 0 else { throw CLIError.usage("--speed must be a positive number, got \(speed)") }
            return .speed(speed)
        }
        if let rate {
            guard rate.isFinite, rate > 0 else { throw CLIError.usage("--rate must be a positive number, got \(rate)") }
            return .rate(rate)
        }
        return .recorded
    }

    static func loadSystem(_ name: String, configs: String, files: ConfigFiles) throws -> PlanningSystem {
        let path = "\(configs)/deployments/\(name).json"
        guard FileManager.default.fileExists(atPath: path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: "\(configs)/deployments")) ?? [])
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
            let hint = closestMatch(to: name, among: known).map { "did you mean '\($0)'?" }
            throw CLIError.usage("unknown system '\(name)' (known: \(known.joined(separator: ", ")))", hint: hint)
        }
        let (system, serving) = try CloudMatrixBackend.load(configsDirectory: configs, deployment: name, files: files)
        return PlanningSystem(name: name, base: system, serving: serving)
    }

    static func parsePrices(_ items: [String], systems: [PlanningSystem]) throws -> [String: Double] {
        var prices: [String: Double] = [:]
        let hardware = Set(systems.map(\.hardwareName))
        for item in items.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let price = Double(parts[1].hasPrefix("$") ? String(parts[1].dropFirst()) : parts[1]),
                price.isFinite, price > 0
            else { throw CLIError.usage("--price expects HARDWARE=DOLLARS_PER_HOUR with a positive price, got '\(item)'") }
            guard hardware.contains(parts[0]) else {
                throw CLIError.usage(
                    "--price: no system planned runs on hardware '\(parts[0])' (hardware of the systems: \(hardware.sorted().joined(separator: ", ")))")
            }
            prices[parts[0]] = price
        }
        if !prices.isEmpty, let missing = hardware.sorted().first(where: { prices[$0] == nil }) {
            throw CLIError.usage("--price: give a price for every hardware planned, '\(missing)' has none (costs across systems must compare)")
        }
        return prices
    }

    static func readTrace(_ path: String, arguments: ParsedArguments) throws -> ([ServingRequest], String?) {
        var options = try TraceInputOptions.readerOptions(arguments)
        options.computesDigest = true
        try TraceInputOptions.requireRereadable(path, command: "plan")
        let reader = try TraceReader(path: path, options: options)
        let limit = try arguments.positiveInt("--max-requests") ?? Int.max
        var requests: [ServingRequest] = []
        while requests.count < limit, let request = try reader.next() {
            requests.append(request)
            if requests.count % 4096 == 0 { try Interrupt.check() }
        }
        let digest = try reader.contentDigest(shouldStop: { Interrupt.isRequested })
        try Interrupt.check()
        return (requests, digest)
    }

    static func planConfiguration(_ arguments: ParsedArguments, load: PlanLoad, attainment: Double, phase: ServingDeploymentSettings.Phase)
        -> [String: String]
    {
        var settings = [
            "slo": arguments.value("--slo") ?? "", "attainment": "\(attainment)", "load": load.description, "phase": phase.rawValue,
            "systems": arguments.value("--systems") ?? "cloudmatrix-infer",
        ]
        let search = arguments.allValues("--search")
        if !search.isEmpty { settings["search"] = search.joined(separator: " ") }
        let price = arguments.allValues("--price")
        if !price.isEmpty { settings["price"] = price.joined(separator: ",") }
        if arguments.flag("--exhaustive") { settings["exhaustive"] = "yes" }
        if let max = arguments.value("--max-requests") { settings["max_requests"] = max }
        return settings
    }

    static func progressText(_ p: Planner.Progress) -> String {
        guard let s = p.search else { return "\(p.system): finding the shipped deployment's capacity" }
        var text = "\(p.system): \(s.evaluated) replayed, \(s.pruned) pruned, \(s.invalid) invalid, \(s.remaining) left"
        if let best = s.best { text += "; best so far \(best.candidate.accelerators) accelerators (\(best.candidate.shape))" }
        return text
    }

    static func searchHelp() -> String {
        var lines = ["--search KEY=V1,V2,... or KEY=LOW..HIGH[/STEP] narrows one knob (applies to every system):"]
        for (key, meaning) in SearchSpace.keys { lines.append("  \(key.padding(toLength: 22, withPad: " ", startingAt: 0)) \(meaning)") }
        lines.append("Defaults around each deployment file: prefill instances 1..16 of 1/2, 1 and 2 times the file's NPUs;")
        lines.append("decode NPUs from 8 to twice the file's; batch caps 1/6 to 2 times the file's; MTP on and off;")
        lines.append("the file's decode instances, microbatching, precision and EMS capacity.")
        return lines.joined(separator: "\n")
    }
}

/// What `plan --json` prints.
struct PlanDocument: Codable {
    var schema: String
    var trace: String
    var traceSHA256: String?
    var requests: Int
    var slo: String
    var phase: String
    var plan: Plan
    var provenance: Provenance
}
