/// SplitMix64: expands one 64-bit seed into a stream; used to seed and to split generators.
///
/// Source: Vigna, https://prng.di.unimi.it/splitmix64.c ("we suggest to use a SplitMix64 to
/// initialize the state of our generators").
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    @inlinable public init(seed: UInt64) { state = seed }
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The one random generator of cmbench: xoshiro256**, seeded through SplitMix64, splittable.
///
/// Every component that draws random numbers gets its own stream from `split(stream:)`, so a
/// new draw in one component never shifts another's sequence. The mapping from bits to numbers
/// (`nextUnitDouble`, the samplers in `Distributions.swift`) is cmbench's own, not the
/// standard library's, whose algorithms may change between toolchains.
/// Source: Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The seed this generator was made from (for provenance and splitting).
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// An independent generator for a named component, derived from this generator's seed
    /// (not from its current state), so the order in which components split does not matter.
    public func split(stream: UInt64) -> SeededGenerator {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SeededGenerator(seed: mixer.next())
    }

    /// `split(stream:)` keyed by a label, hashed with FNV-1a (stable across processes,
    /// unlike `Hasher`).
    public func split(_ label: String) -> SeededGenerator {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return split(stream: hash)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in 0..<bound, without modulo bias (Lemire's method).
    @inlinable public mutating func nextInt(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }
}
