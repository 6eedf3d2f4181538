import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds the package's executables where `swift build`/`swift test` put them: next to the
/// test bundle, in the same build directory.
public enum BuiltProducts {
    /// The directories searched, in order.
    public static var directories: [String] {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().path)
        }
        candidates.append(Bundle.main.bundleURL.path)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().path)
        }
        return candidates
    }

    /// The path of executable `name`, or nil when it is not built.
    public static func path(_ name: String) -> String? {
        directories.lazy.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }
}
