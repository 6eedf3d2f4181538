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
//   tapio-workload ramp --rate-mib-per-sec R --to-mib M --hold-seconds T
//       grow to M MiB at R MiB/s, then hold it T seconds (grow, then plateau), exit.
//   tapio-workload step --step-mib S --interval-seconds I [--max-seconds T]
//       allocate S MiB at once every I seconds (flat, then a jump) until killed or T s.
//   tapio-workload sawtooth --base-mib B --amplitude-mib A --period-seconds P
//                           [--leak-mib-per-sec L] [--max-seconds T]
//       hold B MiB; each period allocate A MiB of garbage gradually, then free it all at once
//       (a collector's sawtooth); with L > 0, L MiB/s is retained underneath (a slow leak).
//   tapio-workload spike --peak-mib P --settle-mib S --hold-seconds T
//       allocate P MiB at start-up, free down to S MiB, hold T seconds, exit.
//   tapio-workload tmpfs --path FILE --rate-mib-per-sec R [--max-seconds T] [--max-mib M]
//       append to FILE (on a tmpfs: shared memory charged to the cgroup) at R MiB/s; the
//       file is removed on a normal exit (after a kill the caller removes it).
//   tapio-workload fileread --path FILE --mib N --seconds T
//       write FILE of N MiB if it is smaller, then read it again and again for T seconds
//       (page cache the kernel can reclaim).
//   tapio-workload reserve --path FILE --mib N --hold-seconds T
//       mmap N MiB without touching it, write "ADDRESS BYTES" (hex address) to FILE, hold T
//       seconds, exit: for tests that fault the region in from another process.
//   tapio-workload forks --children N --interval-seconds I --child-mib-per-sec R [--max-seconds T]
//       fork a child every I seconds (up to N); each child grows R MiB/s until killed or T s.
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
           tapio-workload ramp --rate-mib-per-sec R --to-mib M --hold-seconds T
           tapio-workload step --step-mib S --interval-seconds I [--max-seconds T]
           tapio-workload sawtooth --base-mib B --amplitude-mib A --period-seconds P [--leak-mib-per-sec L] [--max-seconds T]
           tapio-workload spike --peak-mib P --settle-mib S --hold-seconds T
           tapio-workload tmpfs --path FILE --rate-mib-per-sec R [--max-seconds T] [--max-mib M]
           tapio-workload fileread --path FILE --mib N --seconds T
           tapio-workload forks --children N --interval-seconds I --child-mib-per-sec R [--max-seconds T]
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

/// Bytes of `value` MiB, rounded down to whole pages.
func pages(_ value: Double) -> Int { Int(value * Double(mib)) / pageSize * pageSize }

func ramp(_ args: Arguments) {
    let rate = args.get("rate-mib-per-sec")
    let target = args.get("to-mib")
    let hold = args.seconds("hold-seconds")
    guard rate > 0 else { fail("--rate-mib-per-sec must be > 0") }
    say("ready pid=\(getpid()) mode=ramp")
    let start = now()
    var allocated = 0.0
    var blocks: [UnsafeMutableRawPointer] = []
    while allocated + 1 <= target && now() - start < 3600 {
        blocks.append(allocateTouched(pages(1)))
        allocated += 1
        sleep(seconds: start + allocated / rate - now())
    }
    say("allocated mib=\(Int(allocated))")
    sleep(seconds: hold)
    say("done")
    _ = blocks
}

func step(_ args: Arguments) {
    let size = pages(args.get("step-mib"))
    let interval = args.seconds("interval-seconds")
    let maxSeconds = args.seconds("max-seconds", default: 600)
    guard size > 0, interval > 0 else { fail("--step-mib and --interval-seconds must be > 0") }
    say("ready pid=\(getpid()) mode=step")
    let start = now()
    var blocks: [UnsafeMutableRawPointer] = []
    var steps = 0
    while now() - start < maxSeconds {
        blocks.append(allocateTouched(size))
        steps += 1
        say("allocated mib=\(steps * size / mib)")
        sleep(seconds: min(start + Double(steps) * interval, start + maxSeconds) - now())
    }
    say("done")
    _ = blocks
}

func sawtooth(_ args: Arguments) {
    let base = pages(args.get("base-mib"))
    let amplitude = args.get("amplitude-mib")
    let period = args.seconds("period-seconds")
    let leakRate = args.get("leak-mib-per-sec", default: 0)
    let maxSeconds = args.seconds("max-seconds", default: 600)
    guard period >= 1, amplitude >= 1 else { fail("--period-seconds and --amplitude-mib must be >= 1") }
    say("ready pid=\(getpid()) mode=sawtooth")
    let baseMemory = base > 0 ? allocateTouched(base) : nil
    let start = now()
    let ticksPerPeriod = max(Int(period * 4), 1)  // garbage grows in quarter-second steps
    let garbageStep = pages(amplitude / Double(ticksPerPeriod))
    var garbage: [UnsafeMutableRawPointer] = []
    var retained: [UnsafeMutableRawPointer] = []
    var leaked = 0.0
    var tick = 0
    while now() - start < maxSeconds {
        tick += 1
        if tick % ticksPerPeriod == 0 {
            for block in garbage { munmap(block, garbageStep) }  // the collection
            garbage.removeAll()
        } else if garbageStep > 0 {
            garbage.append(allocateTouched(garbageStep))
        }
        let leakDue = leakRate * (now() - start)
        while leakDue - leaked >= 0.25 {
            retained.append(allocateTouched(pages(0.25)))
            leaked += 0.25
        }
        sleep(seconds: start + Double(tick) * period / Double(ticksPerPeriod) - now())
    }
    say("done leaked_mib=\(Int(leaked))")
    _ = (baseMemory, retained)
}

func spike(_ args: Arguments) {
    let peak = pages(args.get("peak-mib"))
    let settle = min(pages(args.get("settle-mib")), peak)
    let hold = args.seconds("hold-seconds")
    say("ready pid=\(getpid()) mode=spike")
    let kept = settle > 0 ? allocateTouched(settle) : nil
    let transient = peak - settle > 0 ? allocateTouched(peak - settle) : nil
    say("allocated mib=\(peak / mib)")
    sleep(seconds: 3)
    if let transient { munmap(transient, peak - settle) }
    say("settled mib=\(settle / mib)")
    sleep(seconds: hold)
    say("done")
    _ = kept
}

func tmpfs(_ args: Arguments, path: String) {
    let rate = args.get("rate-mib-per-sec")
    let maxSeconds = args.seconds("max-seconds", default: 600)
    let maxMiB = args.get("max-mib", default: .infinity)
    guard rate > 0 else { fail("--rate-mib-per-sec must be > 0") }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fail("cannot create \(path): \(String(cString: strerror(errno)))") }
    say("ready pid=\(getpid()) mode=tmpfs")
    let chunk = [UInt8](repeating: 0x5a, count: mib / 4)
    let start = now()
    var written = 0.0
    while now() - start < maxSeconds && written + 0.25 <= maxMiB {
        let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == chunk.count else { fail("write to \(path): \(String(cString: strerror(errno)))") }
        written += 0.25
        sleep(seconds: start + written / rate - now())
    }
    say("done mib=\(Int(written))")
    close(fd)
    unlink(path)
}

func fileread(_ args: Arguments, path: String) {
    let size = pages(args.get("mib"))
    let seconds = args.seconds("seconds")
    say("ready pid=\(getpid()) mode=fileread")
    var info = stat()
    var chunk = [UInt8](repeating: 0xa5, count: mib)
    if stat(path, &info) != 0 || Int(info.st_size) < size {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fail("cannot create \(path): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < size {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, size - written)) }
            guard n > 0 else { fail("write to \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
        close(fd)
        say("written mib=\(size / mib)")
    }
    let start = now()
    var passes = 0
    while now() - start < seconds {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { fail("cannot open \(path): \(String(cString: strerror(errno)))") }
        while now() - start < seconds {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
        }
        close(fd)
        passes += 1
    }
    say("done passes=\(passes)")
}

func reserve(_ args: Arguments, path: String) {
    let size = Int(args.get("mib") * Double(mib)) / pageSize * pageSize
    let hold = args.seconds("hold-seconds")
    guard size > 0 else { fail("--mib must be > 0") }
    guard let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
          memory != MAP_FAILED else {
        fail("mmap of \(size) bytes failed: \(String(cString: strerror(errno)))")
    }
    say("ready pid=\(getpid()) mode=reserve")
    let line = "0x\(String(UInt(bitPattern: memory), radix: 16)) \(size)\n"
    // Written whole and renamed into place, so a reader never sees half a line.
    guard let file = fopen(path + ".tmp", "w"), fputs(line, file) >= 0, fclose(file) == 0,
          rename(path + ".tmp", path) == 0 else {
        fail("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    sleep(seconds: hold)
    munmap(memory, size)
    say("done")
}

func forks(_ args: Arguments) {
    let children = Int(args.get("children"))
    let interval = args.seconds("interval-seconds")
    let rate = args.get("child-mib-per-sec")
    let maxSeconds = args.seconds("max-seconds", default: 600)
    guard (1...256).contains(children), rate > 0 else { fail("--children must be 1...256, --child-mib-per-sec > 0") }
    say("ready pid=\(getpid()) mode=forks")
    let start = now()
    var pids: [pid_t] = []
    for index in 0..<children {
        let pid = fork()
        if pid == 0 {
            // Child: grow in quarter-MiB steps until killed or out of time.
            var blocks: [UnsafeMutableRawPointer] = []
            var grown = 0.0
            let born = now()
            while now() - start < maxSeconds {
                blocks.append(allocateTouched(pages(0.25)))
                grown += 0.25
                sleep(seconds: born + grown / rate - now())
            }
            _ = blocks
            _exit(0)
        }
        guard pid > 0 else { fail("fork failed: \(String(cString: strerror(errno)))") }
        pids.append(pid)
        say("forked child=\(index + 1) pid=\(pid)")
        sleep(seconds: min(start + Double(index + 1) * interval, start + maxSeconds) - now())
        if now() - start >= maxSeconds { break }
    }
    var killed = 0
    for pid in pids {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == SIGKILL { killed += 1 }
    }
    say("done children=\(pids.count) killed=\(killed)")
}

/// Takes `--path X` out of the arguments (the numeric parser takes the rest).
func pathArgument(_ args: ArraySlice<String>) -> (String, ArraySlice<String>) {
    guard let index = args.firstIndex(of: "--path"), index + 1 < args.endIndex else { fail("--path is required\n\(usage)") }
    var rest = args
    rest.removeSubrange(index...(index + 1))
    return (args[index + 1], rest)
}

let argv = CommandLine.arguments
guard argv.count >= 2 else { fail(usage) }
let rest = argv.dropFirst(2)
switch argv[1] {
case "leak": leak(Arguments(rest, allowed: ["rate-mib-per-sec", "step-mib", "max-seconds", "max-mib"]))
case "plateau": plateau(Arguments(rest, allowed: ["mib", "hold-seconds"]))
case "threads": threads(Arguments(rest, allowed: ["count", "seconds", "mib-per-thread"]))
case "pagefaults": pagefaults(Arguments(rest, allowed: ["mib", "seconds"]))
case "ramp": ramp(Arguments(rest, allowed: ["rate-mib-per-sec", "to-mib", "hold-seconds"]))
case "step": step(Arguments(rest, allowed: ["step-mib", "interval-seconds", "max-seconds"]))
case "sawtooth":
    sawtooth(Arguments(rest, allowed: ["base-mib", "amplitude-mib", "period-seconds", "leak-mib-per-sec", "max-seconds"]))
case "spike": spike(Arguments(rest, allowed: ["peak-mib", "settle-mib", "hold-seconds"]))
case "tmpfs":
    let (path, numbers) = pathArgument(rest)
    tmpfs(Arguments(numbers, allowed: ["rate-mib-per-sec", "max-seconds", "max-mib"]), path: path)
case "fileread":
    let (path, numbers) = pathArgument(rest)
    fileread(Arguments(numbers, allowed: ["mib", "seconds"]), path: path)
case "reserve":
    let (path, numbers) = pathArgument(rest)
    reserve(Arguments(numbers, allowed: ["mib", "hold-seconds"]), path: path)
case "forks": forks(Arguments(rest, allowed: ["children", "interval-seconds", "child-mib-per-sec", "max-seconds"]))
case "-h", "--help", "help": print(usage)
default: fail("unknown mode \(argv[1])\n\(usage)")
}
