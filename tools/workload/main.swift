// tapio-workload — small, bounded memory workloads for Tapio's tests and benchmarks.
//
//   tapio-workload leak --rate-mib-per-sec R [--step-mib S] [--max-seconds T] [--max-mib M]
//       allocate and touch memory at R MiB/s in steps of S MiB until killed, T seconds
//       (default 60) or M MiB (default unlimited) are reached; then exit 0.
//   tapio-workload plateau --mib N --hold-seconds T
//       allocate and touch N MiB, hold it T seconds, exit.
//   tapio-workload threads --count N --seconds T [--mib-per-thread M]
//       start N threads that each touch M MiB (default 1) and sleep, then exit after T s.
//   tapio-workload pagefaults --mib N --seconds T
//       mmap N MiB, touch every page, munmap, repeat for T seconds; prints faults/s.
//
// Every mode is bounded in time (at most 3600 s). Progress lines go to stdout, flushed, so a
// parent can follow them ("ready pid=...", "allocated mib=...").
#if canImport(Glibc)
import Glibc
#endif

/// One progress line on stdout, flushed at once (a parent may be waiting for it).
func say(_ line: String) {
    print(line)
    fflush(nil)
}

func fail(_ message: String) -> Never {
    let text = Array("tapio-workload: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

let usage = """
    usage: tapio-workload leak --rate-mib-per-sec R [--step-mib S] [--max-seconds T] [--max-mib M]
           tapio-workload plateau --mib N --hold-seconds T
           tapio-workload threads --count N --seconds T [--mib-per-thread M]
           tapio-workload pagefaults --mib N --seconds T
    """

struct Arguments {
    var values: [String: Double] = [:]

    init(_ args: ArraySlice<String>, allowed: Set<String>) {
        var it = args.makeIterator()
        while let key = it.next() {
            guard key.hasPrefix("--"), allowed.contains(String(key.dropFirst(2))) else {
                fail("unknown option \(key)\n\(usage)")
            }
            guard let raw = it.next(), let value = Double(raw), value >= 0 else {
                fail("\(key) needs a non-negative number")
            }
            values[String(key.dropFirst(2))] = value
        }
    }

    func get(_ key: String, default fallback: Double? = nil) -> Double {
        if let value = values[key] ?? fallback { return value }
        fail("--\(key) is required\n\(usage)")
    }

    func seconds(_ key: String, default fallback: Double? = nil) -> Double {
        min(get(key, default: fallback), 3600)
    }
}

let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
let mib = 1 << 20

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func sleep(seconds: Double) {
    guard seconds > 0 else { return }
    var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
}

/// Anonymous private memory of `bytes`, every page written so it is resident.
func allocateTouched(_ bytes: Int) -> UnsafeMutableRawPointer {
    guard let memory = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
          memory != MAP_FAILED else {
        fail("mmap of \(bytes) bytes failed: \(String(cString: strerror(errno)))")
    }
    touch(memory, bytes)
    return memory
}

func touch(_ memory: UnsafeMutableRawPointer, _ bytes: Int) {
    var offset = 0
    while offset < bytes {
        memory.storeBytes(of: UInt8(truncatingIfNeeded: offset >> 12) | 1, toByteOffset: offset, as: UInt8.self)
        offset += pageSize
    }
}

func leak(_ args: Arguments) {
    let rate = args.get("rate-mib-per-sec")
    let step = max(args.get("step-mib", default: 1), 0.0625)
    let maxSeconds = args.seconds("max-seconds", default: 60)
    let maxMiB = args.get("max-mib", default: .infinity)
    guard rate > 0 else { fail("--rate-mib-per-sec must be > 0") }
    let stepBytes = Int(step * Double(mib)) / pageSize * pageSize
    say("ready pid=\(getpid()) mode=leak")
    let start = now()
    var allocated = 0
    var blocks: [UnsafeMutableRawPointer] = []
    while now() - start < maxSeconds && Double(allocated) / Double(mib) + step <= maxMiB {
        blocks.append(allocateTouched(stepBytes))
        allocated += stepBytes
        say("allocated mib=\(allocated / mib)")
        let due = start + Double(allocated) / Double(mib) / rate
        sleep(seconds: min(due - now(), maxSeconds - (now() - start)))
    }
    say("done mib=\(allocated / mib) seconds=\(Int(now() - start))")
    _ = blocks
}

func plateau(_ args: Arguments) {
    let size = Int(args.get("mib") * Double(mib)) / pageSize * pageSize
    let hold = args.seconds("hold-seconds")
    say("ready pid=\(getpid()) mode=plateau")
    let memory = size > 0 ? allocateTouched(size) : nil
    say("allocated mib=\(size / mib)")
    sleep(seconds: hold)
    if let memory { munmap(memory, size) }
    say("done")
}

func threads(_ args: Arguments) {
    let count = Int(args.get("count"))
    let seconds = args.seconds("seconds")
    let perThread = Int(args.get("mib-per-thread", default: 1) * Double(mib)) / pageSize * pageSize
    guard count > 0, count <= 1024 else { fail("--count must be 1...1024") }
    say("ready pid=\(getpid()) mode=threads")
    var ids: [pthread_t] = []
    for _ in 0..<count {
        var id = pthread_t()
        let context = UnsafeMutableRawPointer(bitPattern: perThread + 1)  // size travels as the pointer
        let status = pthread_create(&id, nil, { context in
            let bytes = Int(bitPattern: context) - 1
            if bytes > 0 { _ = allocateTouched(bytes) }
            while true { pause() }  // until the process exits
        }, context)
        guard status == 0 else { fail("pthread_create failed: \(String(cString: strerror(status)))") }
        ids.append(id)
    }
    say("threads started=\(ids.count)")
    sleep(seconds: seconds)
    say("done")
    exit(0)  // ends every thread at once: one process exit
}

func pagefaults(_ args: Arguments) {
    let size = max(Int(args.get("mib") * Double(mib)) / pageSize * pageSize, pageSize)
    let seconds = args.seconds("seconds")
    say("ready pid=\(getpid()) mode=pagefaults")
    let start = now()
    var faults = 0
    var rounds = 0
    while now() - start < seconds {
        guard let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              memory != MAP_FAILED else {
            fail("mmap failed: \(String(cString: strerror(errno)))")
        }
        touch(memory, size)
        munmap(memory, size)
        faults += size / pageSize
        rounds += 1
    }
    let elapsed = now() - start
    say("pagefaults faults=\(faults) rounds=\(rounds) seconds=\(String(format: elapsed)) faults_per_sec=\(Int(Double(faults) / max(elapsed, 1e-9)))")
}

func String(format value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return "\(scaled)"
}

let argv = CommandLine.arguments
guard argv.count >= 2 else { fail(usage) }
let rest = argv.dropFirst(2)
switch argv[1] {
case "leak": leak(Arguments(rest, allowed: ["rate-mib-per-sec", "step-mib", "max-seconds", "max-mib"]))
case "plateau": plateau(Arguments(rest, allowed: ["mib", "hold-seconds"]))
case "threads": threads(Arguments(rest, allowed: ["count", "seconds", "mib-per-thread"]))
case "pagefaults": pagefaults(Arguments(rest, allowed: ["mib", "seconds"]))
case "-h", "--help", "help": print(usage)
default: fail("unknown mode \(argv[1])\n\(usage)")
}
