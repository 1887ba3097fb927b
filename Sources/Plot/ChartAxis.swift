// ChartAxis.swift — the numbers of a chart axis: a padded domain around the
// data, "nice" tick steps (1, 2, 2.5 or 5 × 10ⁿ), tick positions, and short
// tick labels (plain decimals, or one shared exponent for huge or tiny values).
import Foundation
import Vision

/// Axis arithmetic shared by the charts.
enum ChartAxis {
    /// The smallest step of the form {1, 2, 2.5, 5} × 10ⁿ that cuts `span`
    /// into at most `maxTicks` intervals; with `integer`, a whole number of
    /// the form {1, 2, 5} × 10ⁿ (epochs).
    static func niceStep(span: Double, maxTicks: Int, integer: Bool = false) -> Double {
        precondition(span > 0 && span.isFinite, "ChartAxis.niceStep: span must be positive and finite, got \(span)")
        precondition(maxTicks > 0, "ChartAxis.niceStep: maxTicks must be positive, got \(maxTicks)")
        let rough = span / Double(maxTicks)
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        if integer && magnitude < 1 { return 1 }
        let multiples: [Double] = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]
        for multiple in multiples where multiple * magnitude >= rough * (1 - 1e-9) {
            return multiple * magnitude
        }
        return 10 * magnitude
    }

    /// The multiples of `step` inside `domain` (ends included, with a
    /// tolerance of a millionth of a step), snapped so 0.30000000000000004 is 0.3.
    static func ticks(in domain: ClosedRange<Double>, step: Double) -> [Double] {
        let first = (domain.lowerBound / step - 1e-6).rounded(.up)
        let last = (domain.upperBound / step + 1e-6).rounded(.down)
        guard first <= last else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let value = k * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
    }

    /// The data range `lo…hi` widened by `margin` of its span on each side; an
    /// empty range (one value) becomes value ± 10% (± 0.1 around 0).
    static func paddedDomain(lo: Double, hi: Double, margin: Double = 0.05) -> ClosedRange<Double> {
        precondition(lo <= hi, "ChartAxis.paddedDomain: lo \(lo) > hi \(hi)")
        if hi == lo {
            let delta = lo == 0 ? 0.1 : abs(lo) * 0.1
            return (lo - delta)...(hi + delta)
        }
        let pad = (hi - lo) * margin
        return (lo - pad)...(hi + pad)
    }

    /// Tick labels for `ticks` that are `step` apart: just enough decimals to
    /// tell them apart ("0.25", "3", "0.002"); when the largest magnitude is
    /// 10⁵ or more, or under 10⁻³, every label uses that magnitude's exponent
    /// ("0.5e12", "1.0e12", "1.5e12"). Zero is always "0".
    static func labels(_ ticks: [Double], step: Double) -> [String] {
        let magnitude = max(step, ticks.map(abs).max() ?? 0)
        guard magnitude >= 1e5 || magnitude < 1e-3 else {
            let decimals = decimalsFor(step: step)
            return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)f", $0) }
        }
        let exponent = Int(log10(magnitude).rounded(.down))
        let scale = pow(10, Double(exponent))
        let decimals = decimalsFor(step: step / scale)
        return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)f", $0 / scale) + "e\(exponent)" }
    }

    /// Decimals needed to write multiples of `step` exactly (2.5 × 10ⁿ needs one more).
    private static func decimalsFor(step: Double) -> Int {
        var decimals = 0
        var scaled = step
        while decimals < 12, abs(scaled - scaled.rounded()) > 1e-6 * max(1, scaled) {
            decimals += 1
            scaled *= 10
        }
        return decimals
    }
}
