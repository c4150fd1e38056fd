import CMBenchTestSupport
import FileOutput
import Foundation
import Testing

/// Where outputs land: atomically for files, in place for devices and FIFOs, never over an input.
@Suite struct OutputDestinationTests {
    func write(_ text: String, to path: String, protecting files: ProtectedFiles? = nil) throws(OutputError) {
        let destination = try OutputDestination(path: path, protecting: files)
        try destination.write(Array(text.utf8))
        try destination.commit()
    }

    func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test func aFileAppearsOnlyOnCommitAndAnUncommittedOneLeavesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.path("out.csv")
        try "earlier".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let destination = try OutputDestination(path: path)
            try destination.write(Array("new".utf8))
            #expect(contents(path) == "earlier", "the earlier file stays until commit")
            #expect(TemporaryFiles.registered.contains { $0.hasPrefix(directory.path(".out.csv.tmp-")) })
        }
        #expect(contents(path) == "earlier")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["out.csv"])
        try write("new", to: path)
        #expect(contents(path) == "new")
        #expect(!TemporaryFiles.registered.contains { $0.hasPrefix(directory.url.path) })
    }

    @Test func aSymbolicLinkIsFollowedAndKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        try "old".write(toFile: directory.path("target.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.path("link.csv"), withDestinationPath: "target.csv")
        try write("new", to: directory.path("link.csv"))
        #expect(contents(directory.path("target.csv")) == "new")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.path("link.csv")) == "target.csv")
    }

    @Test func aCharacterDeviceIsWrittenInPlaceNotReplaced() throws {
        try write("discarded", to: "/dev/null")
        var info = stat()
        #expect(stat("/dev/null", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test func aFullDeviceReportsItsWriteError() throws {
        #expect(throws: OutputError.self) { try write(String(repeating: "x", count: 1 << 16), to: "/dev/full") }
        do {
            try write("x", to: "/dev/full")
            Issue.record("writing to /dev/full succeeded")
        } catch {
            #expect(error.kind == .writeFailed)
            #expect(error.errno == ENOSPC)
        }
    }

    @Test func aFIFOIsWrittenInPlaceForItsReader() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let fifo = directory.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Mutex<Data?>(nil)
        let reader = Thread {
            let handle = FileHandle(forReadingAtPath: fifo)
            received.withLock { $0 = handle?.readDataToEndOfFile() }
        }
        reader.start()
        try write("through the pipe", to: fifo)
        let deadline = Date().addingTimeInterval(10)
        while received.withLock({ $0 == nil }) && Date() < deadline { usleep(1000) }
        #expect(received.withLock { $0 } == Data("through the pipe".utf8))
        var info = stat()
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        #expect(throws: OutputError.self) { try write("x", to: directory.url.path) }
        #expect(throws: OutputError.self) { try write("x", to: directory.path("new") + "/") }
    }

    @Test(arguments: ["same path", "dot path", "hard link", "symbolic link"])
    func anOutputOntoAnInputIsRefusedWhateverItsName(naming: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let input = directory.path("trace.csv")
        try "a,b\n1,2\n".write(toFile: input, atomically: true, encoding: .utf8)
        let files = ProtectedFiles()
        files.protectInput(path: input)
        let output: String
        switch naming {
        case "same path": output = input
        case "dot path": output = directory.url.path + "/./trace.csv"
        case "hard link":
            output = directory.path("hard.csv")
            try FileManager.default.linkItem(atPath: input, toPath: output)
        default:
            output = directory.path("soft.csv")
            try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: input)
        }
        do {
            try write("results", to: output, protecting: files)
            Issue.record("the output replaced the input")
        } catch {
            #expect(error.kind == .sameAsInput)
            #expect(error.message.contains(input))
        }
        #expect(contents(input) == "a,b\n1,2\n")
    }

    @Test func twoOutputsOfOneCommandCannotShareADestination() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let files = ProtectedFiles()
        let first = try OutputDestination(path: directory.path("out.csv"), protecting: files)
        #expect(throws: OutputError.self) {
            _ = try OutputDestination(path: directory.url.path + "/../" + directory.url.lastPathComponent + "/out.csv", protecting: files)
        }
        try first.commit()
    }
    // `TemporaryFiles.removeAll()` is process-wide (it would delete other tests' temporary files
    // here): the watchdog's use of it is tested on the binary, in `OutputSafetyTests`.
}

/// A lock-protected value for the FIFO reader thread.
final class Mutex<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
