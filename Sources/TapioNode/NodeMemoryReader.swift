#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads `NodeMemorySample`s from /proc (root injectable for tests): two small reads per call.
public struct NodeMemoryReader: Sendable {
    public let procRoot: String
    private var reader = KernelFileReader()

    public init(procRoot: String = "/proc") {
        var root = procRoot
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.procRoot = root
    }

    public var meminfoPath: String { procRoot + "/meminfo" }
    public var pressurePath: String { procRoot + "/pressure/memory" }

    /// A missing or unsupported pressure file gives `pressure == nil`; a missing or malformed
    /// meminfo, or a malformed pressure file, throws.
    public mutating func read() throws(NodeMemoryReadError) -> NodeMemorySample {
        let pressure: MemoryPressure?
        do throws(KernelFileProblem) {
            pressure = try reader.readOptional(directory: AT_FDCWD, name: pressurePath, KernelFileParser.parsePressure)
        } catch {
            throw NodeMemoryReadError(filePath: pressurePath, problem: error)
        }
        do throws(KernelFileProblem) {
            return try reader.read(directory: AT_FDCWD, name: meminfoPath) { (bytes) throws(KernelFileProblem) in
                try NodeMemorySample.parse(meminfo: bytes, pressure: pressure)
            }
        } catch {
            throw NodeMemoryReadError(filePath: meminfoPath, problem: error)
        }
    }
}
