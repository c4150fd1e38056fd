import Foundation
import PackagePlugin

/// Stamps every build of `CMBenchCLI` with the source revision and toolchain it is built from
/// (`BuildStamp`), so that a plain `swift build` records the truth, not the stamp some earlier
/// script run left behind: before each build SwiftPM runs `ci/stamp.sh` into this plugin's
/// work folder, and compiles the `BuildStamp+Generated.swift` it writes there. The script
/// rewrites the file only when the revision, its dirtiness or the toolchain changed, so an
/// unchanged tree rebuilds nothing.
@main
struct BuildStampPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("stamp")
        let script = context.package.directoryURL.appendingPathComponent("ci/stamp.sh")
        // The compiler of this very build (a plugin's PATH need not lead to it).
        let compiler = try context.tool(named: "swiftc").url
        return [
            .prebuildCommand(
                displayName: "Stamping the build with its source revision and toolchain",
                executable: URL(fileURLWithPath: "/bin/bash"),
                arguments: [script.path, output.path, compiler.path],
                outputFilesDirectory: output)
        ]
    }
}
