import Foundation
import Synchronization
import TapioNode

/// Keeps a fresh copy of the kubelet's pod list (every 30 s) for naming containers.
final class KubeletWatcher: Sendable {
    private let index = Mutex<KubeletPodIndex?>(nil)

    var current: KubeletPodIndex? { index.withLock { $0 } }

    static func start(
        url: String?, tokenFile: String?, caFile: String?, insecureSkipTLSVerify: Bool, log: @escaping @Sendable (String) -> Void
    ) throws -> KubeletWatcher? {
        guard let url else { return nil }
        let client = try KubeletClient(configuration: .init(
            baseURL: url, tokenFile: tokenFile, caFile: caFile, insecureSkipTLSVerify: insecureSkipTLSVerify))
        let watcher = KubeletWatcher()
        Task.detached {
            var failing = false
            while true {
                do {
                    let pods = try await client.fetchPods()
                    watcher.index.withLock { $0 = KubeletPodIndex(pods) }
                    if failing { log("kubelet reachable again") }
                    failing = false
                } catch {
                    if !failing { log("kubelet pod list unavailable, naming containers from cgroup paths: \(error)") }
                    failing = true
                }
                try? await Task.sleep(for: .seconds(30))
            }
        }
        return watcher
    }
}
