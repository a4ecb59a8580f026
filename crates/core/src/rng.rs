//! Per-chain / per-particle random streams derived from `(seed, index)`.
//!
//! Each chain or particle owns a [`StreamRng`] (xoshiro256++, period 2^256 − 1) whose
//! 256-bit state is a hash of `(seed, index)`. Work can therefore be split across any
//! number of threads and every stream still produces the same numbers, which makes
//! results bit-identical for any thread count.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// The generator every chain and particle uses.
pub type StreamRng = rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Golden-ratio increment of SplitMix64 (2^64 / φ, odd).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The stream for chain/particle `index` of a run seeded with `seed`.
///
/// The key `mix64(mix64(seed) ^ mix64(index + GOLDEN))` is expanded to 32 bytes with
/// SplitMix64, as the xoshiro authors recommend for seeding. Distinct `(seed, index)`
/// pairs give unrelated states; the chance that two of 2^32 streams overlap within
/// 2^64 draws is negligible against the 2^256 period.
pub fn stream(seed: u64, index: u64) -> StreamRng {
    let mut key = mix64(mix64(seed) ^ mix64(index.wrapping_add(GOLDEN)));
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        key = key.wrapping_add(GOLDEN);
        chunk.copy_from_slice(&mix64(key).to_le_bytes());
    }
    StreamRng::from_seed(bytes)
}

/// A new stream seeded from 32 bytes of `rng` (e.g. an estimator's own stream
/// derived from its chain's stream); advances `rng` by four 64-bit draws.
pub fn split(rng: &mut StreamRng) -> StreamRng {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    StreamRng::from_seed(bytes)
}

/// Fills `out` with independent N(0, 1) draws.
#[inline]
pub fn fill_standard_normal(rng: &mut StreamRng, out: &mut [f64]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// One N(0, 1) draw.
#[inline]
pub fn standard_normal(rng: &mut StreamRng) -> f64 {
    StandardNormal.sample(rng)
}

/// One U[0, 1) draw with 53 random bits.
#[inline]
pub fn uniform(rng: &mut StreamRng) -> f64 {
    use rand::RngExt;
    rng.random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| 0).collect::<Vec<_>>();
        assert_eq!(a.len(), 4);
        let mut s1 = stream(7, 3);
        let mut s2 = stream(7, 3);
        assert_eq!(s1.next_u64(), s2.next_u64());
        let firsts: Vec<u64> = (0..1000).map(|i| stream(7, i).next_u64()).collect();
        let mut sorted = firsts.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), firsts.len());
        assert_ne!(stream(7, 0).next_u64(), stream(8, 0).next_u64());
        // (seed, index) is not symmetric.
        assert_ne!(stream(1, 2).next_u64(), stream(2, 1).next_u64());
    }

    #[test]
    fn normal_draws_have_unit_variance() {
        // 4·SE test on mean and variance of 200k N(0,1) draws (SE of the variance = sqrt(2/n)).
        let n = 200_000;
        let mut rng = stream(42, 0);
        let mut buf = vec![0.0; n];
        fill_standard_normal(&mut rng, &mut buf);
        let mean = buf.iter().sum::<f64>() / n as f64;
        let var = buf.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        assert!(mean.abs() < 4.0 / (n as f64).sqrt(), "mean {mean}");
        assert!(
            (var - 1.0).abs() < 4.0 * (2.0 / n as f64).sqrt(),
            "var {var}"
        );
    }
}
