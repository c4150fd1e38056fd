import CMBenchCLI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The one place the process exits: everything else returns a status.
exit(CommandLineTool.main(arguments: Array(CommandLine.arguments.dropFirst())))
