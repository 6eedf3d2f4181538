import Foundation

/// One workload of the suite: what runs, in a cgroup with which limit, for how long.
struct WorkloadSpec {
    var name: String
    var category: Category
    var limitMiB: Int
    /// Command words; "{workload}" is tapio-workload, "{dir}" the run's work directory,
    /// "{shm}" a per-run file on /dev/shm.
    var command: [String]
    /// Hard stop (seconds after start) if the workload neither exits nor is killed.
    var maxSeconds: Double
    /// Lower the limit to `toMiB` this many seconds after start.
    var lowerLimit: (atSeconds: Double, toMiB: Int)? = nil

    enum Category: String, Codable {
        case slowLeak = "slow leak"
        case mediumLeak = "medium leak"
        case fastLeak = "fast leak"
        case stepLeak = "step leak"
        case sawtoothLeak = "GC sawtooth + leak"
        case gcRuntime = "GC runtime (Node.js)"
        case gcRuntimeJVM = "GC runtime (JVM)"
        case tmpfs = "tmpfs growth"
        case forks = "many growing children"
        case limitLowered = "limit lowered"
        case sawtooth = "GC sawtooth, no leak"
        case spike = "start-up spike"
        case plateau = "grow, then plateau"
        case pageCache = "page-cache read"

        /// The suite's intent (the score uses the kernel's verdict, not this).
        var expectsKill: Bool {
            switch self {
            case .sawtooth, .spike, .plateau, .pageCache: false
            default: true
            }
        }
    }
}

enum Suite {
    /// Node.js leaking retained 1 MiB arrays at 1 MiB/s with 8 MiB/s of garbage; its heap
    /// limit (512 MiB) is above the cgroup limit, so V8 does not stop it, the kernel does.
    static let nodeScript = """
        const keep = []; let n = 0;
        setInterval(() => {
          for (let i = 0; i < 8; i++) { const g = new Array(1 << 17).fill(Math.random()); g[7] = n; }
          keep.push(new Array(1 << 17).fill(n++ + 0.5));
        }, 1000);
        setTimeout(() => process.exit(0), 420000);
        """

    /// The JVM's version (compiled with javac before the run, outside the cgroups): 1 MiB/s
    /// retained and 8 MiB/s of garbage, `-Xmx512m` above the 256 MiB cgroup limit.
    static let javaSource = """
        import java.util.ArrayList;
        public class TapioLeak {
            public static void main(String[] args) throws Exception {
                ArrayList<long[]> keep = new ArrayList<>();
                long end = System.nanoTime() + 420_000_000_000L;
                long n = 0;
                while (System.nanoTime() < end) {
                    for (int i = 0; i < 8; i++) { long[] g = new long[1 << 17]; g[7] = n; }
                    long[] k = new long[1 << 17];
                    k[0] = n++;
                    keep.add(k);
                    Thread.sleep(1000);
                }
            }
        }
        """

    /// The full suite: runs concurrently, about 6–7 minutes, at most ~5 GiB charged at once.
    static let full: [WorkloadSpec] = [
        WorkloadSpec(name: "leak-1mibps", category: .slowLeak, limitMiB: 320,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "1", "--max-seconds", "420"], maxSeconds: 430),
        WorkloadSpec(name: "leak-2mibps", category: .slowLeak, limitMiB: 512,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "2", "--max-seconds", "420"], maxSeconds: 430),
        WorkloadSpec(name: "leak-4mibps", category: .mediumLeak, limitMiB: 768,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "4", "--max-seconds", "420"], maxSeconds: 430),
        WorkloadSpec(name: "leak-16mibps", category: .fastLeak, limitMiB: 1024,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "16", "--max-seconds", "300"], maxSeconds: 310),
        WorkloadSpec(name: "leak-100mibps", category: .fastLeak, limitMiB: 768,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "100", "--step-mib", "4", "--max-seconds", "120"],
                     maxSeconds: 130),
        WorkloadSpec(name: "step-40mib-25s", category: .stepLeak, limitMiB: 512,
                     command: ["{workload}", "step", "--step-mib", "40", "--interval-seconds", "25", "--max-seconds", "420"],
                     maxSeconds: 430),
        WorkloadSpec(name: "sawtooth-leak", category: .sawtoothLeak, limitMiB: 384,
                     command: ["{workload}", "sawtooth", "--base-mib", "64", "--amplitude-mib", "192", "--period-seconds", "15",
                               "--leak-mib-per-sec", "0.5", "--max-seconds", "420"], maxSeconds: 430),
        WorkloadSpec(name: "node-gc-leak", category: .gcRuntime, limitMiB: 256,
                     command: ["node", "--max-old-space-size=512", "-e", nodeScript], maxSeconds: 430),
        WorkloadSpec(name: "jvm-gc-leak", category: .gcRuntimeJVM, limitMiB: 256,
                     command: ["java", "-Xmx512m", "-XX:+UseSerialGC", "-cp", "{dir}", "TapioLeak"], maxSeconds: 430),
        WorkloadSpec(name: "tmpfs-2mibps", category: .tmpfs, limitMiB: 384,
                     command: ["{workload}", "tmpfs", "--path", "{shm}", "--rate-mib-per-sec", "2", "--max-seconds", "420"],
                     maxSeconds: 430),
        WorkloadSpec(name: "forks-16x", category: .forks, limitMiB: 256,
                     command: ["{workload}", "forks", "--children", "16", "--interval-seconds", "10",
                               "--child-mib-per-sec", "0.25", "--max-seconds", "420"], maxSeconds: 430),
        WorkloadSpec(name: "limit-lowered", category: .limitLowered, limitMiB: 1024,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "1.5", "--max-seconds", "420"], maxSeconds: 430,
                     lowerLimit: (120, 384)),
        WorkloadSpec(name: "sawtooth-noleak", category: .sawtooth, limitMiB: 384,
                     command: ["{workload}", "sawtooth", "--base-mib", "64", "--amplitude-mib", "192", "--period-seconds", "15",
                               "--max-seconds", "360"], maxSeconds: 370),
        WorkloadSpec(name: "spike-settle", category: .spike, limitMiB: 512,
                     command: ["{workload}", "spike", "--peak-mib", "400", "--settle-mib", "96", "--hold-seconds", "330"],
                     maxSeconds: 370),
        WorkloadSpec(name: "ramp-plateau", category: .plateau, limitMiB: 320,
                     command: ["{workload}", "ramp", "--rate-mib-per-sec", "4", "--to-mib", "160", "--hold-seconds", "320"],
                     maxSeconds: 370),
        WorkloadSpec(name: "pagecache-read", category: .pageCache, limitMiB: 160,
                     command: ["{workload}", "fileread", "--path", "{dir}/bigfile", "--mib", "1024", "--seconds", "330"],
                     maxSeconds: 370),
    ]

    /// Smoke: one fast leak (killed in ~30 s) and one plateau, about a minute.
    static let smoke: [WorkloadSpec] = [
        WorkloadSpec(name: "smoke-leak", category: .fastLeak, limitMiB: 192,
                     command: ["{workload}", "leak", "--rate-mib-per-sec", "6", "--max-seconds", "90"], maxSeconds: 90),
        WorkloadSpec(name: "smoke-plateau", category: .plateau, limitMiB: 192,
                     command: ["{workload}", "plateau", "--mib", "64", "--hold-seconds", "40"], maxSeconds: 60),
    ]
}

/// What the run phase learned from the kernel, written next to the dump (`DUMP.manifest.json`).
struct Manifest: Codable {
    struct Workload: Codable {
        var name: String
        var category: WorkloadSpec.Category
        var cgroupPath: String
        var cgroupId: UInt64
        var limitMiB: Int
        var loweredLimit: String?
        var command: String
        /// `oom_kill` of memory.oom_control when the workload ended.
        var kernelOOMKills: Int
        var exit: String
    }
    var date: String
    var machine: String
    var command: String
    var wallSeconds: Double
    var workloads: [Workload]
}
