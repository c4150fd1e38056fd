import DiscreteEvent

/// `--rate R [--arrival poisson|gamma --cv C]`, shared by `synth` and `replay`.
enum ArrivalOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("--arrival", .value(placeholder: "KIND"), help: "Inter-arrival gaps: poisson (default) or gamma."),
        OptionSpec(
            "--cv", .value(placeholder: "C"),
            help: "Coefficient of variation of gamma gaps (default 1; > 1 is burstier than Poisson)."),
    ]

    static func process(rate: Double, _ arguments: ParsedArguments) throws(CLIError) -> ArrivalProcess {
        let kind = try arguments.choice("--arrival", among: ["poisson", "gamma"]) ?? "poisson"
        let cv = try arguments.positiveDouble("--cv")
        let process: ArrivalProcess
        switch kind {
        case "gamma":
            process = .gamma(ratePerSecond: rate, coefficientOfVariation: cv ?? 1)
        default:
            if cv != nil { throw CLIError.usage("--cv applies to --arrival gamma only") }
            process = .poisson(ratePerSecond: rate)
        }
        if let problem = process.problem { throw CLIError.usage("--rate \(rate)\(cv.map { " --cv \($0)" } ?? ""): \(problem)") }
        return process
    }
}
