import Foundation
import TapioWire

/// The aggregator's HTTP routes: `/healthz`, `/api/v1/status` (JSON) and `/metrics`
/// (Prometheus text).
public struct AggregatorEndpoints: Sendable {
    public let core: AggregatorCore
    public let serverName: String

    public init(core: AggregatorCore, serverName: String) {
        self.core = core
        self.serverName = serverName
    }

    /// `query` may say `containers=false` for the status without its per-container list
    /// (cheap to poll on a large fleet).
    public func route(method: String, path: String, query: String = "") -> HTTPResponse {
        switch path {
        case "/healthz":
            if let failure = core.journal?.stopCause {
                return .text("journal stopped: \(failure)\n", status: 503)
            }
            return .text("ok\n")
        case "/api/v1/status":
            let containers = !query.split(separator: "&").contains("containers=false")
            return .json(pieces: { [core, serverName] in
                StatusExposition(core: core, serverName: serverName, includeContainers: containers)
            })
        case "/metrics":
            return .prometheus(pieces: { [core] in MetricsExposition(core: core) })
        default:
            return .text("not found: \(path) (try /healthz, /api/v1/status, /metrics)\n", status: 404)
        }
    }

    /// The whole exposition at once (tests); the route sends it in pieces.
    public func metrics() -> String { MetricsExposition(core: core).collect() }
}
