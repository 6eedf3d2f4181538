import Foundation
import XCTest

@testable import TapioCluster

/// The heap figures /metrics serves (tapio_heap_bytes), from glibc's malloc_info.
final class HeapUsageTests: XCTestCase {
    func testTotalsAreReadFromAMallocInfoDocument() throws {
        // The shape glibc 2.36 prints: per-arena <heap> blocks, then the process totals.
        let xml = """
            <malloc version="1">
            <heap nr="0">
            <sizes>
            </sizes>
            <total type="fast" count="0" size="0"/>
            <total type="rest" count="3" size="4000"/>
            <system type="current" size="135168"/>
            <system type="max" size="135168"/>
            </heap>
            <total type="fast" count="2" size="96"/>
            <total type="rest" count="7" size="20000"/>
            <total type="mmap" count="1" size="1052672"/>
            <system type="current" size="1216512"/>
            <system type="max" size="1216512"/>
            <aspace type="total" size="1216512"/>
            </malloc>
            """
        let usage = try XCTUnwrap(HeapUsage.parse(mallocInfo: xml))
        XCTAssertEqual(usage.freeBytes, 20_096)
        XCTAssertEqual(usage.inUseBytes, 1_216_512 - 20_096 + 1_052_672)
        XCTAssertNil(HeapUsage.parse(mallocInfo: "<malloc version=\"1\"></malloc>"), "no totals: no figure, not zero")
    }

    func testTheLiveHeapGrowsByWhatIsAllocated() throws {
        guard let before = HeapUsage.current() else { throw XCTSkip("glibc malloc_info unavailable") }
        let block = UnsafeMutableRawPointer.allocate(byteCount: 8 << 20, alignment: 16)
        defer { block.deallocate() }
        memset(block, 1, 8 << 20)
        let after = try XCTUnwrap(HeapUsage.current())
        // Other threads of the test process allocate and free meanwhile (CI once saw 226 bytes
        // fewer than the block), so the growth is the block give or take 256 KiB.
        let growth = after.inUseBytes - before.inUseBytes
        XCTAssertGreaterThan(growth, (8 << 20) - (256 << 10), "the 8 MiB block shows in the figure")
        XCTAssertLessThan(growth, (8 << 20) + (256 << 10), "and nothing much else does")
    }
}
