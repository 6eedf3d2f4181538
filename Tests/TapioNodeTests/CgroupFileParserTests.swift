import XCTest

@testable import TapioNode

/// The allocation-free parsers on their own: every accepted shape and every rejected one.
final class CgroupFileParserTests: XCTestCase {
    private func parse<Value>(
        _ text: String, _ parser: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) throws(KernelFileProblem) -> Value {
        try KernelFileParser.withBytes(of: text, parser)
    }

    private func problem<Value>(
        _ text: String, _ parser: (UnsafeRawBufferPointer) throws(KernelFileProblem) -> Value
    ) -> KernelFileProblem? {
        do throws(KernelFileProblem) {
            _ = try parse(text, parser)
            return nil
        } catch {
            return error
        }
    }

    func testUnsignedValues() throws {
        XCTAssertEqual(try parse("233890512\n", KernelFileParser.parseUnsigned), 233_890_512)
        XCTAssertEqual(try parse("0\n", KernelFileParser.parseUnsigned), 0)
        XCTAssertEqual(try parse("18446744073709551615\n", KernelFileParser.parseUnsigned), UInt64.max)
    }

    func testUnsignedRejectsEmptyGarbageTruncatedAndOverflow() {
        XCTAssertEqual(problem("", KernelFileParser.parseUnsigned), .empty)
        XCTAssertEqual(problem("\n", KernelFileParser.parseUnsigned),
                       .malformed(line: 1, text: "", expected: "an unsigned decimal number"))
        XCTAssertEqual(problem("12x4\n", KernelFileParser.parseUnsigned),
                       .malformed(line: 1, text: "12x4", expected: "an unsigned decimal number"))
        XCTAssertEqual(problem("-1\n", KernelFileParser.parseUnsigned),
                       .malformed(line: 1, text: "-1", expected: "an unsigned decimal number"))
        XCTAssertEqual(problem("1234", KernelFileParser.parseUnsigned), .truncated(afterLines: 0))
        XCTAssertEqual(problem("18446744073709551616\n", KernelFileParser.parseUnsigned),
                       .malformed(line: 1, text: "18446744073709551616", expected: "an unsigned decimal number"))
        XCTAssertEqual(problem("1\n2\n", KernelFileParser.parseUnsigned),
                       .malformed(line: 2, text: "2", expected: "a single line"))
    }

    func testLimits() throws {
        XCTAssertNil(try parse("max\n", KernelFileParser.parseLimit))
        XCTAssertNil(try parse("9223372036854771712\n", KernelFileParser.parseLimit))  // v1, 4 KiB pages
        XCTAssertNil(try parse("9223372036854710272\n", KernelFileParser.parseLimit))  // v1, 64 KiB pages
        XCTAssertEqual(try parse("268435456\n", KernelFileParser.parseLimit), 256 << 20)
        XCTAssertEqual(problem("maximum\n", KernelFileParser.parseLimit),
                       .malformed(line: 1, text: "maximum", expected: "\"max\" or an unsigned decimal number"))
    }

    func testKeyedLinesKeepOnlyWantedKeys() throws {
        let table = KernelFileKeyTable(["oom", "oom_kill", "max", "absent"])
        let values = try parse("low 0\nhigh 7\nmax 1523\noom 3\noom_kill 2\noom_group_kill 0\n") {
            (bytes) throws(KernelFileProblem) in try KernelFileParser.parseKeyed(bytes, table: table)
        }
        XCTAssertEqual(values[0], 3)
        XCTAssertEqual(values[1], 2)
        XCTAssertEqual(values[2], 1523)
        XCTAssertNil(values[3])
    }

    func testKeyedLinesRejectBadShapes() {
        let table = KernelFileKeyTable(["anon"])
        let keyed = { (bytes: UnsafeRawBufferPointer) throws(KernelFileProblem) in
            try KernelFileParser.parseKeyed(bytes, table: table)
        }
        let expected = "\"<name> <unsigned number>\""
        XCTAssertEqual(problem("anon 1\nfile\n", keyed), .malformed(line: 2, text: "file", expected: expected))
        XCTAssertEqual(problem("anon 1\nfile x\n", keyed), .malformed(line: 2, text: "file x", expected: expected))
        XCTAssertEqual(problem("anon  1\n", keyed), .malformed(line: 1, text: "anon  1", expected: expected))
        XCTAssertEqual(problem("anon 1\nfile 12", keyed), .truncated(afterLines: 1))
        XCTAssertEqual(problem("", keyed), .empty)
    }

    func testPressure() throws {
        let pressure = try parse(
            "some avg10=4.37 avg60=2.11 avg300=0.62 total=31337421\nfull avg10=3.98 avg60=1.93 avg300=0.57 total=29876543\n",
            KernelFileParser.parsePressure)
        XCTAssertEqual(pressure.some, PressureStall(avg10: 4.37, avg60: 2.11, avg300: 0.62, totalMicroseconds: 31_337_421))
        XCTAssertEqual(pressure.full, PressureStall(avg10: 3.98, avg60: 1.93, avg300: 0.57, totalMicroseconds: 29_876_543))
        let someOnly = try parse("some avg10=100.00 avg60=0.00 avg300=0.00 total=0\n", KernelFileParser.parsePressure)
        XCTAssertEqual(someOnly.some.avg10, 100)
        XCTAssertNil(someOnly.full)
    }

    func testPressureRejectsBrokenLines() {
        XCTAssertNotNil(problem("some avg10=0.00 avg60=0.00 avg300=0.00\n", KernelFileParser.parsePressure))
        XCTAssertNotNil(problem("some avg10=abc avg60=0.00 avg300=0.00 total=0\n", KernelFileParser.parsePressure))
        XCTAssertNotNil(problem("partial avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", KernelFileParser.parsePressure))
        XCTAssertEqual(problem("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", KernelFileParser.parsePressure),
                       .missingField("some"))
    }

    func testErrorDescriptionsAreOneLine() {
        let problems: [KernelFileProblem] = [
            .missing, .noSuchCgroup, .vanished, .empty, .truncated(afterLines: 3), .missingField("file"),
            .tooLarge(limit: 65536), .system(operation: "read", errno: EIO),
            .malformed(line: 4, text: "garbage", expected: "\"<name> <unsigned number>\""),
        ]
        for problem in problems {
            let error = CgroupReadError(cgroupPath: "/kubepods/x", filePath: "/sys/fs/cgroup/kubepods/x/memory.stat", problem: problem)
            XCTAssertFalse(error.description.contains("\n"), error.description)
            XCTAssertTrue(error.description.hasPrefix("cgroup /kubepods/x: /sys/fs/cgroup/kubepods/x/memory.stat: "))
        }
    }

    func testHierarchyHelpers() {
        XCTAssertEqual(CgroupHierarchy.normalized("kubepods/burstable/"), "/kubepods/burstable")
        XCTAssertEqual(CgroupHierarchy.normalized(""), "/")
        XCTAssertEqual(CgroupHierarchy.parent(of: "/kubepods/burstable"), "/kubepods")
        XCTAssertEqual(CgroupHierarchy.parent(of: "/kubepods"), "/")
        XCTAssertNil(CgroupHierarchy.parent(of: "/"))
        let v1 = "12:pids:/user.slice\n4:memory:/process_api/bf45\n0::/\n"
        XCTAssertEqual(CgroupHierarchy.memoryCgroupPath(procCgroup: v1, version: .v1), "/process_api/bf45")
        XCTAssertEqual(CgroupHierarchy.memoryCgroupPath(procCgroup: "0::/system.slice/a.service\n", version: .v2),
                       "/system.slice/a.service")
        XCTAssertEqual(CgroupHierarchy.memoryCgroupPath(procCgroup: "5:cpu,memory:/x\n", version: .v1), "/x")
        XCTAssertNil(CgroupHierarchy.memoryCgroupPath(procCgroup: "3:cpu:/x\n", version: .v1))
    }
}
