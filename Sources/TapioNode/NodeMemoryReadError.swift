/// /proc/meminfo (or /proc/pressure/memory) could not be read or understood.
public struct NodeMemoryReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var filePath: String
    public var problem: KernelFileProblem

    public init(filePath: String, problem: KernelFileProblem) {
        self.filePath = filePath
        self.problem = problem
    }

    public var description: String { "\(filePath): \(problem)" }
}
