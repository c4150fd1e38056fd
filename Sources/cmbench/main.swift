import CMBenchCLI

// The one place the process exits: everything else returns a status.
exit(CommandLineTool.main(arguments: Array(CommandLine.arguments.dropFirst())))
