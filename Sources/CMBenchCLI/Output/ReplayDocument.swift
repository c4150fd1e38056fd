import LiveEndpoint
import Replay
import ServingMetrics
import Serving

/// Everything `cmbench replay --json` prints: the run summary's keys at the top level (so
/// `jq .ttft_ms.p99` works), plus the replay's own counts, the backend and the provenance.
struct ReplayDocument: Encodable {
    var summary: RunSummary
    var replay: ReplayReport
    var backend: BackendDescriptor
    /// The backend's own counters of the run (empty for backends that keep none; then the key
    /// is left out, so their documents are as before).
    var backendCounters: [BackendCounter] = []
    var provenance: Provenance
    /// What a run against a live server measured beyond the metrics (the `openai` backend);
    /// nil for simulated backends, whose documents are as before.
    var live: LiveReport? = nil
    var schema = "cmbench.replay/1"

    enum CodingKeys: String, CodingKey {
        case replay, backend, provenance, schema, live
        case backendCounters = "backend_counters"
    }

    enum ReplayKeys: String, CodingKey {
        case ending
        case requestsAdmitted = "requests_admitted"
        case requestsCompleted = "requests_completed"
        case requestsRejected = "requests_rejected"
        case requestsUnfinished = "requests_unfinished"
        case requestsSkippedBeforeWindow = "requests_skipped_before_window"
        case eventsProcessed = "events_processed"
        case simulatedEndSeconds = "simulated_end_s"
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(backend, forKey: .backend)
        if !backendCounters.isEmpty {
            // An object, in the backend's order, so `jq .backend_counters.preemptions` works.
            var counters = container.nestedContainer(keyedBy: AnyKey.self, forKey: .backendCounters)
            for counter in backendCounters {
                if let whole = Int(exactly: counter.value) {
                    try counters.encode(whole, forKey: AnyKey(counter.key))
                } else {
                    try counters.encode(counter.value, forKey: AnyKey(counter.key))
                }
            }
        }
        try container.encode(provenance, forKey: .provenance)
        if let live { try container.encode(live, forKey: .live) }
        var nested = container.nestedContainer(keyedBy: ReplayKeys.self, forKey: .replay)
        try nested.encode(replay.ending.rawValue, forKey: .ending)
        try nested.encode(replay.requestsAdmitted, forKey: .requestsAdmitted)
        try nested.encode(replay.requestsCompleted, forKey: .requestsCompleted)
        try nested.encode(replay.requestsRejected, forKey: .requestsRejected)
        try nested.encode(replay.requestsUnfinished, forKey: .requestsUnfinished)
        try nested.encode(replay.requestsSkippedBeforeWindow, forKey: .requestsSkippedBeforeWindow)
        try nested.encode(replay.eventsProcessed, forKey: .eventsProcessed)
        try nested.encode(replay.simulatedEnd.seconds, forKey: .simulatedEndSeconds)
    }
}

/// The human-readable replay report.
enum ReplayReportText {
    static func render(_ document: ReplayDocument) -> String {
        let s = document.summary
        let r = document.replay
        func value(_ number: Double?, digits: Int = 2, unit: String = "") -> String {
            number.map { formatFixed($0, digits: digits) + unit } ?? "n/a"
        }
        let backendSettings = document.backend.configuration.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var lines = [
            "backend         \(document.backend.name)\(backendSettings.isEmpty ? "" : " (\(backendSettings))")",
            "requests        \(s.completedRequests) completed, \(s.rejectedRequests) rejected, "
                + "\(r.requestsUnfinished) unfinished (\(r.requestsAdmitted) admitted; ended: \(r.ending.rawValue))",
            "duration        \(value(s.durationSeconds, digits: 1, unit: " s")) (first arrival → last completion)",
            "throughput      \(value(s.requestThroughput, digits: 3)) req/s · input \(value(s.inputTokensPerSecond, digits: 1)) tok/s"
                + " · output \(value(s.outputTokensPerSecond, digits: 1)) tok/s",
        ]
        if let kind = document.backend.acceleratorKind, let count = s.accelerators {
            var line = "per \(kind)".padding(to: 16) + "\(value(s.outputTokensPerSecondPerAccelerator, digits: 1)) output tok/s (\(count) \(kind)s)"
            if let perDie = s.outputTokensPerSecondPerDie { line += " · per die \(formatFixed(perDie, digits: 1))" }
            lines.append(line)
        }
        if let limits = s.sloLimitsMilliseconds, let attainment = s.sloAttainment {
            let parts = ServiceLevelObjectives.Metric.allCases.compactMap { metric -> String? in
                guard let limit = limits[metric], let met = attainment[metric] else { return nil }
                return "\(metric.rawValue) ≤ \(formatFixed(limit, digits: 0)) ms: \(formatFixed(met * 100, digits: 1)) %"
            }
            lines.append("goodput         \(value(s.goodput, digits: 3)) req/s meeting every SLO")
            lines.append(
                "SLO attainment  \(value(attainment.overall.map { $0 * 100 }, digits: 1, unit: " %")) overall; "
                    + parts.joined(separator: "; "))
        }
        lines.append(
            "prefix cache    hit rate \(value(s.prefixCacheHitRate, digits: 3)) of prefix blocks, "
                + "\(value(s.prefixCacheTokenHitRate, digits: 3)) of input tokens")
        if !document.backendCounters.isEmpty {
            let counts = document.backendCounters.map { counter in
                "\(counter.key)=" + (Int(exactly: counter.value).map(String.init) ?? formatFixed(counter.value, digits: 3))
            }
            lines.append("backend counts  " + counts.joined(separator: " "))
        }
        for rejection in s.rejections {
            let example = rejection.examples.first.map { " e.g. \($0.origin): \($0.message)" } ?? ""
            lines.append("rejected        \(rejection.count) \(rejection.code)\(example)")
        }
        lines.append("")
        lines.append("latency (ms)    mean       p50        p90        p95        p99        p99.9")
        let rows: [(String, LatencyStatistics?)] = [
            ("TTFT", s.ttft), ("TPOT", s.tpot), ("ITL", s.itl), ("E2E", s.e2e), ("queueing", s.queueing),
        ]
        for (label, statistics) in rows {
            guard let statistics else {
                let unobservable = document.live != nil && label == "queueing"
                lines.append(label.padding(to: 16) + (unobservable ? "not observable against a live server" : "n/a"))
                continue
            }
            let cells = [statistics.mean, statistics.p50, statistics.p90, statistics.p95, statistics.p99, statistics.p99_9]
                .map { formatFixed($0, digits: 2).padding(to: 10) }
            lines.append((label.padding(to: 16) + cells.joined(separator: " ")).trimmingTrailingSpaces)
        }
        if !s.percentilesExact {
            lines.append("(percentiles within \(formatFixed(s.percentileRelativeErrorBound * 100, digits: 2)) % relative error)")
        }
        lines.append("")
        if let live = document.live {
            lines.append(contentsOf: live.lines)
        } else {
            lines.append("\(r.eventsProcessed) events; simulated time \(formatFixed(r.simulatedEnd.seconds, digits: 1)) s")
        }
        lines.append(contentsOf: document.provenance.lines)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

/// A coding key made at run time (the backend's counter names).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
