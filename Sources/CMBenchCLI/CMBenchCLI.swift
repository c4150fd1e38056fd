#if canImport(Glibc)
    @_exported import Glibc
#endif

/// Entry point placeholder; replaced by the command table.
public enum CommandLineTool {
    public static func main(arguments: [String]) -> Int32 { 0 }
}
