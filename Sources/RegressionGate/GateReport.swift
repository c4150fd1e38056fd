/// Renders a ``GateVerdict`` as Markdown for a pull-request comment or a CI job summary.
///
/// Regressions come first because they are what the reader must act on, then improvements
/// (the baseline should be updated on purpose), then only a count of unchanged metrics so a
/// comment over hundreds of metrics stays short.
public enum GateReport {
    /// The Markdown summary; `title` names what was gated (e.g. "replay azure-conv").
    ///
    /// - Parameter includeUnchanged: also list unchanged metrics inside a collapsed `<details>` block.
    /// - Parameter configurationChanges: configuration files that differ between the two runs
    ///   (``ConfigurationChange/between(current:baseline:)``): a warning line after the counts.
    public static func markdown(
        _ verdict: GateVerdict, title: String = "cmbench gate", includeUnchanged: Bool = false,
        configurationChanges: [ConfigurationChange] = []
    ) -> String {
        var lines: [String] = []
        let headline: String
        switch verdict.decision {
        case .regression: headline = "❌ regression"
        case .improved: headline = "✅ passed, with improvements (update the baseline on purpose)"
        case .unchanged: headline = "✅ passed"
        }
        lines.append("### \(escape(title)): \(headline)")
        lines.append("")
        lines.append(countsSentence(verdict))
        if let warning = ConfigurationChange.warning(configurationChanges) {
            lines.append("")
            lines.append("⚠️ Warning: " + escape(warning) + ".")
        }

        let flagged = verdict.regressions + verdict.uncomparable.filter(\.failsGate) + verdict.improvements
        if !flagged.isEmpty {
            lines.append("")
            lines.append(contentsOf: table(flagged))
        }
        let valueless = verdict.uncomparable.filter { !$0.failsGate }.map(\.name)
        if !valueless.isEmpty {
            lines.append("")
            lines.append("No number in either run (nothing to compare, not gated): " + codeList(valueless))
        }
        if !verdict.missingInCurrent.isEmpty {
            lines.append("")
            let effect = verdict.missingMetricsFail ? "fails the gate" : "reported only"
            lines.append("Missing from the current run (\(effect)): " + codeList(verdict.missingInCurrent))
        }
        if !verdict.missingInBaseline.isEmpty {
            lines.append("")
            lines.append("New in the current run (not in the baseline, not gated): " + codeList(verdict.missingInBaseline))
        }
        if !verdict.unusedThresholds.isEmpty {
            lines.append("")
            lines.append("Thresholds for metrics in neither run (no effect; check the names): " + codeList(verdict.unusedThresholds))
        }
        if includeUnchanged && !verdict.unchanged.isEmpty {
            lines.append("")
            lines.append("<details><summary>\(verdict.unchanged.count) unchanged</summary>")
            lines.append("")
            lines.append(contentsOf: table(verdict.unchanged))
            lines.append("")
            lines.append("</details>")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One sentence counting every metric by what the gate made of it, e.g. "1 regression, 0
    /// improvements, 40 unchanged, 2 uncomparable, 1 missing (fails the gate)." Also the CLI's
    /// stderr summary, so the two never disagree.
    public static func countsSentence(_ verdict: GateVerdict) -> String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var parts = [
            count(verdict.regressions.count, "regression"),
            count(verdict.improvements.count, "improvement"),
            "\(verdict.unchanged.count) unchanged",
        ]
        let uncomparable = verdict.uncomparable
        if !uncomparable.isEmpty {
            let failing = uncomparable.filter(\.failsGate).count
            parts.append("\(uncomparable.count) uncomparable" + (failing > 0 ? " (\(failing) with a number on one side only: fails the gate)" : ""))
        }
        if !verdict.missingInCurrent.isEmpty {
            parts.append("\(verdict.missingInCurrent.count) missing" + (verdict.missingMetricsFail ? " (fails the gate)" : ""))
        }
        if !verdict.missingInBaseline.isEmpty { parts.append("\(verdict.missingInBaseline.count) new") }
        return parts.joined(separator: ", ") + "."
    }

    private static func table(_ rows: [MetricComparison]) -> [String] {
        var lines = [
            "| verdict | metric | baseline | current | Δ | Δ % | allowed Δ |",
            "|:--|:--|--:|--:|--:|--:|--:|",
        ]
        for row in rows {
            let verdict: String
            switch row.outcome {
            case .regression: verdict = "❌ regression"
            case .improvement: verdict = "🟢 improvement"
            case .unchanged: verdict = "unchanged"
            case .uncomparable: verdict = "❌ uncomparable"
            }
            let unit = row.unit.isEmpty ? "" : " \(escape(row.unit))"
            let cells = [
                verdict,
                "`\(escape(row.name))` (\(row.polarity.phrase))",
                NumberText.format(row.baseline) + unit,
                NumberText.format(row.current) + unit,
                NumberText.signed(row.delta),
                NumberText.percent(row.deltaPercent),
                "±" + NumberText.format(row.allowedChange) + " (\(NumberText.format(row.tolerance.relativePercent)) %, ≥ \(NumberText.format(row.tolerance.absolute)))",
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    private static func codeList(_ names: [String]) -> String {
        names.map { "`\(escape($0))`" }.joined(separator: ", ")
    }

    /// Keeps user text from breaking the table: pipes split cells, backticks end code spans,
    /// newlines end rows.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "|": out += "\\|"
            case "`": out += "'"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }
}
