import Digest
import DiscreteEvent
import DisaggregatedServing
import FileOutput
import Foundation
import Planning
import Reporting
import Serving
import ResultsStore
import ServingMetrics
import Synchronization
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
            decode slots (batch × dies), as the paper's decode measurements. Every plan also
            names the candidate with the most output tokens/s per accelerator meeting the SLOs.

            Results are deterministic for a seed and do not depend on --jobs. Ctrl-C prints the
            best plan found so far and exits 130.

            Scale-out (docs/scale-out.md): --shard I/N --store SHARD.db replays shard I's part of
            every valid candidate (and of the shipped deployments' capacity searches); after
            `cmbench runs merge`, the same command with --from-store MERGED.db searches over the
            stored replays and prints the plan one machine prints, or names the missing shards
            and points (exit 66).
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
            OptionSpec(
                "--write-deployment", .value(placeholder: "FILE"),
                help: "Write the cheapest plan as a deployment file (replay --backend-option deployment=FILE runs it)."),
            OptionSpec(
                "--store", .value(placeholder: "PATH"),
                help: "Keep every replayed candidate in this SQLite store; a re-run with the same inputs and binary reuses them."),
            OptionSpec("--csv", .value(placeholder: "FILE"), help: "Write every candidate replayed as a CSV row (provenance in FILE.meta.json)."),
            OptionSpec("--plot", .value(placeholder: "DIR"), help: "Write the throughput and cost frontiers as SVG plots into DIR."),
            OptionSpec("--no-progress", help: "Never draw the progress line."),
        ] + ShardOptions.specs + TraceInputOptions.specs,
        examples: [
            ("plan traces/default.csv.zst --slo ttft=2s,tpot=50ms", "the cheapest CloudMatrix-Infer deployment for the shipped trace"),
            (
                "plan ../shared/traces/azure-llm-2023-conv.csv --speed 20 --slo ttft=2s,tpot=50ms --systems cloudmatrix-infer,deepseek-h800,sglang-h100 --price ascend-910c=2 --price h800=2.5 --price h100-sxm=2.5",
                "CloudMatrix384 against H800 and H100 fleets, ranked by $/h at prices you give (these are placeholders: cmbench ships none)"
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
        try requireRunnable(planned, spaces: spaces, phase: phase)
        let shard = try arguments.shard()
        let fromStore = arguments.value("--from-store")
        if shard != nil {
            if fromStore != nil { throw CLIError.usage("--shard evaluates points into --store; --from-store reads them: give one") }
            guard arguments.value("--store") != nil else {
                throw CLIError.usage("--shard needs --store: each shard records its replays into its own store", hint: "e.g. --store shards/plan-\(shard!.index).db")
            }
            if let output = ["--json", "--csv", "--plot", "--write-deployment"].first(where: { arguments.flag($0) || arguments.value($0) != nil }) {
                throw CLIError.usage("\(output) is an output of the whole plan: give it to 'plan --from-store MERGED.db', not to a shard")
            }
        }
        if fromStore != nil, arguments.value("--store") != nil {
            throw CLIError.usage("--from-store reads a merged store and records nothing: --store does not apply")
        }
        // Outputs are checked before the work: none may land on an input, and each must be writable.
        let protected = ProtectedFiles(inputs: [tracePath] + files.digests.map(\.path))
        // The CSV and the plots are written after the plan; their destinations are checked now,
        // against the inputs and each other, so a mistake costs no search.
        let precheck = ProtectedFiles(inputs: [tracePath] + files.digests.map(\.path))
        var later: [String] = []
        if let csv = arguments.value("--csv") { later += [csv, csv + ".meta.json"] }
        if let directory = arguments.value("--plot") {
            later += ["plan-throughput-frontier.svg", "plan-cost-frontier.svg"].map { directory + "/" + $0 }
        }
        for path in [arguments.value("--store"), arguments.value("--write-deployment")].compactMap({ $0 }) + later {
            try precheck.claimOutput(path: path)
        }
        if let store = arguments.value("--store") {
            try RunStoring.validate(store)
            try protected.claimOutput(path: store)
        }
        let deploymentOutput = try arguments.value("--write-deployment").map { path throws(ReportingError) in
            try OutputFile(path: path, protecting: protected)
        }

        let (requests, digest) = try readTrace(tracePath, arguments: arguments)
        guard !requests.isEmpty else { throw CLIError(.badData, "\(tracePath) has no requests to plan for") }
        let evaluator = PlanEvaluator(requests: requests, objectives: objectives, attainmentTarget: attainment, phase: phase, seed: seed)
        let context = cacheContext(
            trace: digest ?? tracePath, requests: requests.count, objectives: objectives, phase: phase, seed: seed,
            systems: planned, files: files)
        let cache: PlanCache?
        if let fromStore {
            cache = try PlanCache(readingAt: fromStore, context: context)
        } else {
            cache = try arguments.value("--store").map { path in try PlanCache(path: path, context: context) }
        }
        let planner = Planner(
            systems: planned, spaces: spaces, load: load, attainmentTarget: attainment, prices: prices,
            countsPrefill: phase != .decode, jobs: jobs, exhaustive: arguments.flag("--exhaustive"),
            findsCapacity: !arguments.flag("--no-capacity"))
        let validity: @Sendable (Int, CandidateDeployment) -> String? = { index, candidate in
            DeploymentLayout.problem(candidate, on: planned[index], phase: phase)
        }
        let provenance = Provenance(
            command: "plan", trace: tracePath, traceSHA256: digest, configFiles: files.digests,
            configuration: planConfiguration(arguments, load: load, attainment: attainment, phase: phase),
            seed: seed)
        let job = ShardedJob(command: "plan", traceSHA256: digest ?? tracePath, arguments: arguments)
        if let shard, let cache {
            let scale = PlanScaleOut(planner: planner, requests: requests.count, validity: validity)
            let mine = ShardPartition.points(of: shard, costs: scale.costs)
            let keep: @Sendable (Int, CandidateDeployment, PlanLoad, Bool) -> CandidateEvaluation? = { index, candidate, load, stops in
                if let cached = cache.lookUp(system: index, candidate: candidate, load: load, target: attainment, complete: !stops) {
                    return cached
                }
                let result = evaluator.evaluate(candidate, of: planned[index], at: load, stopsWhenMissed: stops, shouldStop: { Interrupt.isRequested })?
                    .evaluation
                if let result { cache.remember(system: index, result) }
                return result
            }
            var grid: [(system: Int, candidate: CandidateDeployment)] = []
            var shipped: [Int] = []
            for index in mine {
                switch scale.units[index] {
                case .candidate(let system, let candidate): grid.append((system, candidate))
                case .shipped(let system): shipped.append(system)
                }
            }
            let started = MonotonicClock.now()
            _ = DeploymentSearch.parallelMap(grid, jobs: jobs, shouldStop: { Interrupt.isRequested }) { keep($0.system, $0.candidate, load, true) }
            for system in shipped where !Interrupt.isRequested {
                _ = planner.shippedDeployment(index: system, validity: validity, evaluate: keep)
            }
            // Whatever was replayed is kept; the shard's record only when it finished.
            _ = try cache.save()
            try Interrupt.check(consequence: "the replays finished are in the store; run the shard again to finish it")
            try job.record(
                shard: shard, points: [], shardPoints: mine.count, jobPoints: scale.units.count, provenance: provenance,
                to: arguments.value("--store")!)
            console.printErr(
                "cmbench: shard \(shard) replayed its \(grid.count) of \(scale.units.count - planner.systems.count) candidates and "
                    + "\(shipped.count) shipped deployment(s) in \(formatFixed(MonotonicClock.now() - started, digits: 1)) s into \(arguments.value("--store")!)")
            return .ok
        }
        if let fromStore, let cache {
            let scale = PlanScaleOut(planner: planner, requests: requests.count, validity: validity)
            var keys: [Int: String] = [:]
            for (index, unit) in scale.units.enumerated() {
                if case .candidate(let system, let candidate) = unit { keys[index] = cache.key(system: system, candidate: candidate, load: load) }
            }
            let holdings = try job.holdings(in: fromStore, keys: [])
            let count = holdings.shards.first?.count
            let present = Set(holdings.shards.map(\.index))
            let owners = count.map { ShardPartition.owners(costs: scale.costs, count: $0) }
            let missing = scale.units.indices.filter { index in
                if let key = keys[index] { return !cache.contains(key: key) }
                guard let owners else { return true }
                return !present.contains(owners[index])
            }
            if !missing.isEmpty {
                throw job.missingError(
                    store: fromStore, holdings: holdings, missing: missing, describe: { scale.describe($0, systems: planned) }, costs: scale.costs)
            }
        }
        var progressLine = ProgressLine(console: console, enabled: !arguments.flag("--no-progress"))
        let started = MonotonicClock.now()
        let replayedAfterMerge = Mutex(0)
        let plan = planner.run(
            validity: validity,
            evaluate: { index, candidate, load, stopsWhenMissed in
                if let cached = cache?.lookUp(
                    system: index, candidate: candidate, load: load, target: attainment, complete: !stopsWhenMissed)
                {
                    return cached
                }
                if fromStore != nil { replayedAfterMerge.withLock { $0 += 1 } }
                let result = evaluator.evaluate(
                    candidate, of: planned[index], at: load, stopsWhenMissed: stopsWhenMissed, shouldStop: { Interrupt.isRequested }
                )?.evaluation
                if let result { cache?.remember(system: index, result) }
                return result
            },
            shouldStop: { Interrupt.isRequested },
            progress: { p in
                progressLine.update(progressText(p))
            })
        progressLine.finish()
        let seconds = MonotonicClock.now() - started
        let reused = fromStore != nil ? 0 : try cache?.save() ?? 0
        let document = PlanDocument(
            schema: "cmbench.plan/1", trace: tracePath, traceSHA256: digest, requests: requests.count,
            slo: sloText, phase: phase.rawValue, plan: plan, provenance: provenance)
        if let deploymentOutput, !plan.stopped {
            try writeDeployment(
                document, to: deploymentOutput, systems: planned, configs: configs, phase: phase,
                command: commandLine(arguments), console: console)
        }
        if let path = arguments.value("--csv"), !plan.stopped { try PlanFiles.writeCSV(document, path: path, protecting: protected) }
        if let directory = arguments.value("--plot"), !plan.stopped {
            for path in try PlanFiles.writePlots(document, directory: directory, protecting: protected) { console.printErr("cmbench: wrote \(path)") }
        }
        if arguments.flag("--json") {
            console.out(try JSONOutput.string(document))
        } else {
            console.out(PlanReport.text(document))
        }
        let evaluated = plan.systems.reduce(0) { $0 + $1.search.evaluated }
        let pruned = plan.systems.reduce(0) { $0 + $1.search.pruned }
        var done = "planned in \(formatFixed(seconds, digits: 1)) s: \(evaluated) candidates evaluated, \(pruned) pruned"
        if let fromStore {
            done += ", read from \(fromStore); \(replayedAfterMerge.withLock { $0 }) replayed after the merge (the closest miss's full replays)"
        } else if cache != nil {
            done += ", \(reused) replays reused from the store"
        }
        console.printErr(done)
        if plan.stopped {
            try Interrupt.check(consequence: "the plan printed is the best found before the stop; no deployment file was written")
        }
        return .ok
    }

    /// Refuses a space in which no candidate of a system can run, with the commonest reason.
    static func requireRunnable(_ systems: [PlanningSystem], spaces: [SearchSpace], phase: ServingDeploymentSettings.Phase) throws {
        for (index, system) in systems.enumerated() {
            let search = DeploymentSearch(space: spaces[index])
            var reasons: [String: Int] = [:]
            var runnable = false
            outer: for group in search.groups {
                for npus in spaces[index].decodeNPUs {
                    let candidate = search.candidate(group, prefillInstances: spaces[index].prefillInstances[0], decodeNPUs: npus)
                    guard let problem = DeploymentLayout.problem(candidate, on: system, phase: phase) else {
                        runnable = true
                        break outer
                    }
                    reasons[problem, default: 0] += 1
                }
            }
            if !runnable {
                let commonest = reasons.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? "the space is empty"
                throw CLIError.usage(
                    "no deployment in the search space of \(system.name) can run (\(spaces[index].size) candidates); for example: \(commonest)",
                    hint: "widen --search (more decode NPUs, smaller batches, more NPUs per prefill instance)")
            }
        }
    }

    /// Writes the cheapest system's chosen deployment (fewest accelerators, or lowest $/h with
    /// prices) as a deployment file derived from that system's own file.
    static func writeDeployment(
        _ document: PlanDocument, to output: OutputFile, systems: [PlanningSystem], configs: String,
        phase: ServingDeploymentSettings.Phase, command: String, console: Console
    ) throws {
        let choices = document.plan.systems.enumerated().compactMap { index, s in s.chosen.map { (index, s, $0) } }
        guard let (index, systemPlan, chosen) = choices.min(by: { a, b in
            let ca = (a.1.pricePerAcceleratorHour ?? 1) * Double(a.2.candidate.accelerators)
            let cb = (b.1.pricePerAcceleratorHour ?? 1) * Double(b.2.candidate.accelerators)
            return ca != cb ? ca < cb : a.0 < b.0
        }) else {
            // Dropped uncommitted: the temporary file goes, nothing is written over `path`.
            console.printErr("no deployment meets the SLOs, so nothing was written to \(output.path); the plan names the closest miss")
            return
        }
        let system = systems[index]
        let basePath = SystemConfiguration.deploymentPath(configsDirectory: configs, deployment: system.name)
        let base = try Data(contentsOf: URL(fileURLWithPath: basePath))
        let source = "chosen by `\(command)` for trace SHA-256 \(document.traceSHA256 ?? "unknown")"
        let edits = try DeploymentLayout.edits(chosen.candidate, on: system, phase: phase, source: source)
        let name = URL(fileURLWithPath: output.path).deletingPathExtension().lastPathComponent
        let description =
            "Planned by cmbench plan from \(systemPlan.system) for \(document.trace) (\(document.requests) requests, \(document.plan.load.description), SLO \(document.slo)): \(chosen.candidate.shape), \(chosen.candidate.settingsDescription)."
        let bytes = try DeploymentRewriter.rewrite(base, file: basePath, name: name, description: description, edits: edits)
        try output.write(bytes)
        try output.commit()
        console.printErr("wrote \(output.path): \(systemPlan.system) as \(chosen.candidate.shape) (replay it with --backend-option deployment=\(output.path))")
    }

    /// The command as given, in a canonical order (options sorted, each option's values in
    /// the order given): what a written deployment's sources quote.
    static func commandLine(_ arguments: ParsedArguments) -> String {
        func quoted(_ text: String) -> String {
            text.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" }) ? "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" : text
        }
        var words = ["cmbench", "plan"] + arguments.positionals.map(quoted)
        // Where the replays came from (--from-store) is not part of the command that chose.
        for key in arguments.values.keys.sorted() where key != "--from-store" {
            for value in arguments.values[key]! { words += [key, quoted(value)] }
        }
        words += arguments.flags.sorted()
        return words.joined(separator: " ")
    }

    static func cacheContext(
        trace: String, requests: Int, objectives: ServiceLevelObjectives, phase: ServingDeploymentSettings.Phase, seed: UInt64,
        systems: [PlanningSystem], files: ConfigFiles
    ) -> [String] {
        let slo = objectives.objectives.map { "\($0.metric.rawValue)=\($0.limit.nanoseconds)ns" }.joined(separator: ",")
        let configs = files.digests.map { "\($0.role) \($0.sha256)" }.sorted().joined(separator: ";")
        return systems.map { system in
            ["cmbench.plan-evaluation/1", PlanCache.binaryIdentity, trace, "\(requests)", slo, phase.rawValue, "\(seed)", system.name, configs]
                .joined(separator: "|")
        }
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

/// Evaluations kept in the results store (`--store`): looked up by a key over everything that
/// determines a replay — this binary, the trace's SHA-256 and length, the SLOs, phase, seed,
/// the configuration files' digests, the system, the candidate and the load. New ones are
/// written in one transaction at the end. Whether a replay meets the target is recomputed from
/// its attainment, so a re-run with another `--attainment` reuses it too.
final class PlanCache: Sendable {
    private let store: Mutex<ResultsStore>
    private let contexts: [String]
    private let fresh = Mutex<[(key: String, payload: String)]>([])
    private let reused = Mutex(0)

    init(path: String, context: [String]) throws {
        store = Mutex(try ResultsStore(path: path))
        contexts = context
    }

    /// A cache that only reads (`plan --from-store`): nothing is written back.
    init(readingAt path: String, context: [String]) throws {
        store = Mutex(try ResultsStore(readingAt: path))
        contexts = context
    }

    /// Whether a point is stored under `key`.
    func contains(key: String) -> Bool {
        ((try? store.withLock { store in try store.planEvaluation(key: key) }) ?? nil) != nil
    }

    /// The SHA-256 of the running executable (a rebuilt binary never reuses another's
    /// replays), or the source revision where the executable cannot be read.
    static let binaryIdentity: String = {
        if let data = try? Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe")) {
            var hash = SHA256()
            hash.update(data)
            return hash.finalizeHex()
        }
        return BuildStamp.sourceRevision
    }()

    func key(system: Int, candidate: CandidateDeployment, load: PlanLoad) -> String {
        let item = (try? JSONOutput.compact(candidate)).map { String(decoding: $0, as: UTF8.self) } ?? "\(candidate)"
        let loadText = (try? JSONOutput.compact(load)).map { String(decoding: $0, as: UTF8.self) } ?? "\(load)"
        var hash = SHA256()
        hash.update(Array((contexts[system] + "|" + item + "|" + loadText).utf8))
        return hash.finalizeHex()
    }

    /// A stored evaluation that answers for `target`: a complete one always (whether it meets
    /// the target is judged again); one stopped early only when a full replay is not asked for
    /// and it was stopped at a target at most as strict (it misses this one too).
    func lookUp(system: Int, candidate: CandidateDeployment, load: PlanLoad, target: Double, complete: Bool) -> CandidateEvaluation? {
        let key = key(system: system, candidate: candidate, load: load)
        guard let payload = try? store.withLock({ store in try store.planEvaluation(key: key) }),
            var evaluation = try? JSONDecoder().decode(CandidateEvaluation.self, from: Data(payload.utf8))
        else { return nil }
        if evaluation.complete {
            evaluation.meetsTarget = evaluation.summary.totalRequests > 0 && evaluation.attainment >= target
        } else {
            guard !complete, let stoppedAt = evaluation.stoppedAtTarget, target >= stoppedAt else { return nil }
        }
        reused.withLock { $0 += 1 }
        return evaluation
    }

    func remember(system: Int, _ evaluation: CandidateEvaluation) {
        guard let payload = try? JSONOutput.compact(evaluation) else { return }
        let key = key(system: system, candidate: evaluation.candidate, load: evaluation.load)
        fresh.withLock { $0.append((key, String(decoding: payload, as: UTF8.self))) }
    }

    /// Writes the new evaluations; returns how many were reused.
    func save() throws -> Int {
        let items = fresh.withLock { $0 }
        if !items.isEmpty {
            try store.withLock { store in try store.recordPlanEvaluations(items, revision: BuildStamp.sourceRevision) }
        }
        return reused.withLock { $0 }
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
