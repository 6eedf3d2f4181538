import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TapioWire

/// Tail clients that asked for alerts (SUBSCRIBE), with their filters. Alerts are written as
/// ALERT frames on each subscriber's own event loop; a subscriber that cannot keep up (its
/// channel not writable) misses alerts rather than slowing anyone down.
public final class SubscriberHub: AlertSink, @unchecked Sendable {
    private struct Subscriber {
        var channel: any Channel
        var filter: Subscribe
    }

    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: Subscriber]>([:])

    public init() {}

    public func subscribe(channel: any Channel, filter: Subscribe) {
        subscribers.withLockedValue { $0[ObjectIdentifier(channel)] = Subscriber(channel: channel, filter: filter) }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.subscribers.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    public var count: Int { subscribers.withLockedValue { $0.count } }

    public func deliver(_ event: AlertEvent) {
        let targets = subscribers.withLockedValue { all in all.values.filter { Self.matches(event, $0.filter) }.map(\.channel) }
        guard !targets.isEmpty, let json = event.jsonDocument else { return }
        let frame = Message.alert(json: json).frame(compress: false)
        for channel in targets where channel.isWritable {
            channel.writeAndFlush(frame, promise: nil)
        }
    }

    static func matches(_ event: AlertEvent, _ filter: Subscribe) -> Bool {
        let severity: Subscribe.Severity = switch event.severity {
        case .info: .info
        case .warning: .warning
        case .critical: .critical
        }
        // Cleared alerts are shown to whoever saw them fire.
        if event.transition != .cleared && event.transition != .deescalated && severity < filter.minimumSeverity { return false }
        if !filter.node.isEmpty, event.node != filter.node { return false }
        if !filter.namespace.isEmpty, event.namespace != filter.namespace { return false }
        if !filter.workload.isEmpty, event.workload != filter.workload, event.name != filter.workload { return false }
        return true
    }
}
