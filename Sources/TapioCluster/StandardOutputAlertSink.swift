import Foundation

/// Human-readable alert lines on stdout: "WARNING: shop/api will OOM in 7m23s (90% confidence)".
public struct StandardOutputAlertSink: AlertSink {
    public init() {}

    public func deliver(_ event: AlertEvent) {
        FileHandle.standardOutput.write(Data((event.line + "\n").utf8))
    }
}
