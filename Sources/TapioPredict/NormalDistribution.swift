/// The standard normal distribution, without Foundation.
enum NormalDistribution {
    /// Φ(x). Abramowitz & Stegun 7.1.26 for erf (absolute error < 1.5e-7), plenty for a
    /// confidence shown in whole percent.
    static func cumulative(_ x: Double) -> Double {
        if x.isNaN { return 0.5 }
        if x == .infinity { return 1 }
        if x == -.infinity { return 0 }
        let z = abs(x) / 2.0.squareRoot()
        let t = 1 / (1 + 0.3275911 * z)
        let polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        let erf = 1 - polynomial * exponential(-z * z)
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf)
    }

    /// Upper quantile z with 1 − Φ(z) = p, by bisection (called once per configuration).
    static func upperQuantile(_ p: Double) -> Double {
        var low = -10.0
        var high = 10.0
        for _ in 0..<80 {
            let middle = (low + high) / 2
            if 1 - cumulative(middle) > p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// e^x for x ≤ 0 by range reduction and a Taylor series; avoids importing the C library.
    static func exponential(_ x: Double) -> Double {
        if x < -700 { return 0 }
        // e^x = (e^(x/2^k))^(2^k) with |x/2^k| < 0.5.
        var k = 0
        var reduced = x
        while abs(reduced) > 0.5 {
            reduced /= 2
            k += 1
        }
        var term = 1.0
        var sum = 1.0
        for n in 1...14 {
            term *= reduced / Double(n)
            sum += term
        }
        for _ in 0..<k { sum *= sum }
        return sum
    }
}
