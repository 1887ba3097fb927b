// PartialLanes.swift — 16 channels at a time where a channel count need not
// be a multiple of 16: the last group loads and stores only its own lanes.

/// The first `count` (1…16) floats at `source` in lanes 0 ..< count, zeros
/// in the others (a whole unaligned load when `count` is 16).
@inline(__always)
func loadLanes(_ source: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
    if count == 16 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self) }
    var value = SIMD16<Float>()
    for i in 0..<count { value[i] = source[i] }
    return value
}

/// Writes lanes 0 ..< `count` (1…16) of `value` to `target` and nothing past them.
@inline(__always)
func storeLanes(_ value: SIMD16<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
    if count == 16 {
        UnsafeMutableRawPointer(target).storeBytes(of: value, as: SIMD16<Float>.self)
    } else {
        for i in 0..<count { target[i] = value[i] }
    }
}
