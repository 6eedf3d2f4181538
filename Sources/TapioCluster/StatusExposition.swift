import Foundation

/// /api/v1/status as JSON made in pieces of about 64 KiB (`HTTPBodyPieces`): the containers
/// node by node, one compact object per line, then the rest of the document (nodes, pipeline,
/// journal, workloads, kills), pretty-printed. At 20,000 containers the document is about
/// 18 MB; encoded whole, a request raised the aggregator's RSS by some 95 MB. Keys are in the
/// sorted order the whole document had ("containers" first), and the text decodes as a
/// `StatusDocument` (StatusExpositionTests hold the two to the same content).
final class StatusExposition: HTTPBodyPieces {
    private enum Phase {
        case start
        case containers(nodes: [String], next: Int)
        case rest
        case done
    }

    private let core: AggregatorCore
    private let serverName: String
    private let includeContainers: Bool
    private var phase = Phase.start
    private var containersWritten = 0
    /// Each node's streams, read at the start; the nodes' entries, made as their turn comes
    /// (with their containers, from the same read of the node).
    private var streamsByNode: [String: [StatusDocument.Stream]] = [:]
    private var nodeEntries: [StatusDocument.Node] = []
    private let compact = JSONEncoder()
    private let pretty = JSONEncoder()

    init(core: AggregatorCore, serverName: String, includeContainers: Bool) {
        self.core = core
        self.serverName = serverName
        self.includeContainers = includeContainers
        compact.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        pretty.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    }

    func next() -> String? {
        switch phase {
        case .start:
            streamsByNode = StatusDocument.streamsByNode(core)
            phase = .containers(nodes: Set(core.nodeNames()).union(streamsByNode.keys).sorted(), next: 0)
            return "{\n  \"containers\" : [" + (containersPiece() ?? "")
        case .containers:
            return containersPiece() ?? next()
        case .rest:
            phase = .done
            return rest()
        case .done:
            return nil
        }
    }

    /// Containers of the next nodes, until the piece is full; closes the array after the last.
    private func containersPiece() -> String? {
        guard case .containers(let nodes, var index) = phase else { return nil }
        var text = ""
        while index < nodes.count, text.utf8.count < Self.pieceBytes {
            let name = nodes[index]
            let track = core.node(name)
            nodeEntries.append(StatusDocument.node(name, track: track, streams: streamsByNode[name] ?? []))
            if includeContainers, let track {
                for container in StatusDocument.containers(of: track, node: name) {
                    // A value JSON cannot hold (a non-finite number) leaves out its container,
                    // not the document.
                    guard let json = try? compact.encode(container) else { continue }
                    text += (containersWritten == 0 ? "\n    " : ",\n    ") + String(decoding: json, as: UTF8.self)
                    containersWritten += 1
                }
            }
            index += 1
        }
        if index < nodes.count {
            phase = .containers(nodes: nodes, next: index)
        } else {
            phase = .rest
            text += containersWritten == 0 ? "],\n" : "\n  ],\n"
        }
        return text.isEmpty ? nil : text
    }

    /// Everything but the containers, in the keys' sorted order; the nodes as read with them.
    private func rest() -> String {
        let (workloads, kills) = StatusDocument.workloadsAndKills(core)
        var fields: [(key: String, json: String)] = []
        func add<Value: Encodable>(_ key: String, _ value: Value) {
            let json = (try? pretty.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
            // Nested one level: every line after the first moves in by two spaces (a JSON
            // string holds no raw line break, so only structure lines move).
            fields.append((key, json.replacingOccurrences(of: "\n", with: "\n  ")))
        }
        if let journal = StatusDocument.journal(core) { add("journal", journal) }
        add("kills", kills)
        add("nodes", nodeEntries)
        add("pipeline", core.pipelineCounters)
        add("server", serverName)
        add("uptimeSeconds", core.uptimeSeconds)
        add("workloads", workloads)
        return fields.map { "  \"\($0.key)\" : \($0.json)" }.joined(separator: ",\n") + "\n}\n"
    }
}
