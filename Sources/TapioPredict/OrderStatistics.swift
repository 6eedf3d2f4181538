/// In-place selection (Hoare's quickselect): the k-th smallest value in expected linear time,
/// without sorting and without allocating.
enum OrderStatistics {
    /// Rearranges `values[range]` so that `values[k]` holds the value that would be there if
    /// the range were sorted, everything before it is ≤ and everything after it is ≥.
    static func select(_ values: UnsafeMutableBufferPointer<Double>, k: Int, in range: Range<Int>) -> Double {
        precondition(range.contains(k))
        var low = range.lowerBound
        var high = range.upperBound - 1
        while low < high {
            // Median of three keeps sorted and reversed input linear.
            let middle = low &+ (high &- low) / 2
            if values[middle] < values[low] { values.swapAt(middle, low) }
            if values[high] < values[low] { values.swapAt(high, low) }
            if values[high] < values[middle] { values.swapAt(high, middle) }
            let pivot = values[middle]
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i &+= 1 }
                while values[j] > pivot { j &-= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i &+= 1
                    j &-= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                break
            }
        }
        return values[k]
    }

    /// Median of `values[range]` (lower median for even counts), reordering the range.
    static func median(_ values: UnsafeMutableBufferPointer<Double>, in range: Range<Int>) -> Double {
        select(values, k: range.lowerBound + (range.count - 1) / 2, in: range)
    }
}
