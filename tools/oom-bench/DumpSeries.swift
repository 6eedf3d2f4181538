import Foundation
import TapioPredict
import TapioWire

/// One cgroup's memory samples and OOM kills, as recorded in a dump.
struct CgroupSeries {
    /// Index of the dump (in the order given) the series comes from: runs never mix.
    var dump: Int
    var node: String
    var cgroupId: UInt64
    var path: String?
    var samples: [(timeNs: UInt64, sample: MemorySample)] = []
    var kills: [(timeNs: UInt64, kill: OOMKill)] = []

    /// Same mapping as the aggregator (`ClusterState.observation(_:atNs:)`, internal there):
    /// working set = usage − inactive file; effective limit; v1 failcnt as limit hits; reclaim
    /// counters and PSI when present.
    static func observation(_ sample: MemorySample, atNs t: UInt64) -> MemoryObservation {
        MemoryObservation(
            timeSeconds: Double(t) / 1e9, usageBytes: sample.usageBytes, reclaimableBytes: sample.inactiveFileBytes,
            limitBytes: sample.effectiveLimitBytes, limitHits: sample.limitHits, reclaimScanned: sample.pgscan,
            reclaimReclaimed: sample.pgsteal, oomKills: sample.oomKillEvents,
            pressureFullAvg10: sample.pressureFullAvg10Centipercent.map { Double($0) / 100 })
    }

    /// The first kill: from the kernel's kill record (BPF), else from the first sample whose
    /// oom_kill counter rose (1 s resolution).
    var firstKill: (timeNs: UInt64, pid: UInt32?, command: String, source: String)? {
        if let first = kills.min(by: { $0.timeNs < $1.timeNs }) {
            return (first.timeNs, first.kill.pid, first.kill.comm, "kill record")
        }
        guard let base = samples.first?.sample.oomKillEvents else { return nil }
        if let rose = samples.first(where: { $0.sample.oomKillEvents > base }) {
            return (rose.timeNs, nil, "?", "oom_kill counter")
        }
        return nil
    }
}

struct DumpContents {
    var series: [CgroupSeries] = []
    /// Every deduplicated batch in order, for replaying through `ClusterState`.
    var batches: [(dump: Int, node: String, records: [Record])] = []
    var frames = 0
    var duplicateBatches = 0
    var failure: String?
}

enum DumpSeriesReader {
    /// Groups the memory-sample and OOM-kill records of `paths` per (node, cgroup). Batches are
    /// attributed to the stream of the preceding AUTH marker and deduplicated by sequence.
    static func read(_ paths: [String]) throws -> DumpContents {
        var contents = DumpContents()
        var byKey: [String: CgroupSeries] = [:]
        var order: [String] = []
        var seen: Set<String> = []
        for (dumpIndex, path) in paths.enumerated() {
            let reader = try DumpReader(path: path)
            var node = "?"
            var epoch: UInt64 = 0
            for frame in reader {
                contents.frames += 1
                guard let message = try? Message(frame: frame) else { continue }
                switch message {
                case .auth(let auth):
                    node = auth.nodeName
                    epoch = auth.streamEpoch
                case .batch(let sequence, let batch):
                    guard seen.insert("\(node)#\(epoch)#\(sequence)").inserted else {
                        contents.duplicateBatches += 1
                        continue
                    }
                    contents.batches.append((dumpIndex, node, batch.records))
                    for record in batch.records {
                        switch record.body {
                        case .memorySample(let sample):
                            let key = "\(dumpIndex)/\(node)/\(sample.cgroupId)"
                            if byKey[key] == nil { order.append(key) }
                            byKey[key, default: CgroupSeries(dump: dumpIndex, node: node, cgroupId: sample.cgroupId)]
                                .samples.append((record.timestampNs, sample))
                        case .oomKill(let kill):
                            let key = "\(dumpIndex)/\(node)/\(kill.cgroupId)"
                            if byKey[key] == nil { order.append(key) }
                            byKey[key, default: CgroupSeries(dump: dumpIndex, node: node, cgroupId: kill.cgroupId)]
                                .kills.append((record.timestampNs, kill))
                        case .containerInfo(let info):
                            let key = "\(dumpIndex)/\(node)/\(info.cgroupId)"
                            if byKey[key] == nil { order.append(key) }
                            byKey[key, default: CgroupSeries(dump: dumpIndex, node: node, cgroupId: info.cgroupId)].path = info.cgroupPath
                        default:
                            break
                        }
                    }
                default:
                    break
                }
            }
            if let failure = reader.failure { contents.failure = "\(path): \(failure)" }
        }
        for key in order {
            guard var series = byKey[key] else { continue }
            series.samples.sort { $0.timeNs < $1.timeNs }
            contents.series.append(series)
        }
        return contents
    }
}
