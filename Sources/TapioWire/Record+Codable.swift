/// JSON form of a record (exporter `--print`, test vectors, `tapio dump --records`): the
/// envelope's `kind` and `timestampNs` next to the body's own fields, flat.
extension Record: Codable {
    private enum EnvelopeKeys: String, CodingKey { case kind, timestampNs }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: EnvelopeKeys.self)
        try container.encode(kind.description, forKey: .kind)
        try container.encode(timestampNs, forKey: .timestampNs)
        try typedBody.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeKeys.self)
        let name = try container.decode(String.self, forKey: .kind)
        guard let kind = RecordKind.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown record kind \(name)")
        }
        timestampNs = try container.decode(UInt64.self, forKey: .timestampNs)
        switch kind {
        case .memorySample: body = .memorySample(try MemorySample(from: decoder))
        case .processRSS: body = .processRSS(try ProcessRSS(from: decoder))
        case .oomKill: body = .oomKill(try OOMKill(from: decoder))
        case .processStart: body = .processStart(try ProcessStart(from: decoder))
        case .processExit: body = .processExit(try ProcessExit(from: decoder))
        case .containerInfo: body = .containerInfo(try ContainerInfo(from: decoder))
        case .nodeSample: body = .nodeSample(try NodeSample(from: decoder))
        case .pageActivity: body = .pageActivity(try PageActivity(from: decoder))
        case .lossReport: body = .lossReport(try LossReport(from: decoder))
        }
    }
}
