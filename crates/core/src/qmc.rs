//! Randomized quasi-Monte Carlo normal draws: a rank-1 lattice with a random
//! (Cranley–Patterson) shift, mapped through the normal quantile.
//!
//! A rank-1 lattice with generating vector `g ∈ {1, …, n−1}^d` is the point set
//!
//! ```text
//! u_i = frac(i g / n),   i = 0, …, n − 1.
//! ```
//!
//! Shifted by one uniform `Δ ~ U[0, 1)^d`, `u_i + Δ (mod 1)` is, point by point, exactly
//! uniform on the cube; so `ε_i = Φ⁻¹(frac(u_i + Δ))` is exactly `N(0, I)` for every
//! i and any average `(1/n) Σ f(ε_i)` stays unbiased. The points are not independent:
//! they cover the space evenly, so the number of points falling in a region is close to
//! its expectation instead of Poisson-distributed (L'Ecuyer & Lemieux, "Recent advances
//! in randomized quasi-Monte Carlo methods", 2002, §3). That is what an importance
//! sampler with a wide proposal and small, separated modes needs: the self-normalized
//! estimate is biased towards the modes that receive more hits, and that bias grows
//! with the variance of the hit counts.
//!
//! The generator is a Korobov vector `g = (1, a, a², …) mod n`, with `a` chosen to
//! maximize the smallest distance on the torus between two lattice points (the
//! lattice is a group, so that is the distance from 0 to the nearest other point).
//! In d = 2 this recovers the Fibonacci lattices when n is a Fibonacci number.

use crate::rng::{StreamRng, uniform};

/// Cap on the work (`candidates × n × d` distance terms) of the generator search.
/// At 5e7 terms, about 50 ms, every multiplier is tried for n ≤ 4096 in d = 2, and
/// an evenly spaced subset of them beyond.
const SEARCH_WORK: usize = 50_000_000;

/// A rank-1 lattice of `n` points in `[0, 1)^d` (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Lattice {
    n: usize,
    generator: Vec<u64>,
}

impl Lattice {
    /// The Korobov lattice of `n ≥ 1` points in dimension `d ≥ 1` whose multiplier
    /// maximizes the minimum toroidal distance between points (deterministic).
    pub fn korobov(n: usize, d: usize) -> Self {
        assert!(n >= 1 && d >= 1, "lattice needs n >= 1 and d >= 1");
        if n <= 2 {
            return Lattice {
                n,
                generator: vec![1; d],
            };
        }
        let half = n / 2;
        let candidates = (SEARCH_WORK / (n * d)).clamp(1, half);
        let stride = half as f64 / candidates as f64;
        let mut best = (1u64, f64::NEG_INFINITY);
        let mut g = vec![0u64; d];
        for c in 0..candidates {
            // Multipliers 1 ..= n/2 (a and n − a give mirror lattices).
            let a = 1 + (c as f64 * stride) as u64;
            if gcd(a, n as u64) != 1 {
                continue;
            }
            korobov_vector(a, n as u64, &mut g);
            let score = min_sq_distance(&g, n, best.1);
            if score > best.1 {
                best = (a, score);
            }
        }
        korobov_vector(best.0, n as u64, &mut g);
        Lattice { n, generator: g }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false (a lattice has at least one point).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.generator.len()
    }

    /// The generating vector `g`.
    pub fn generator(&self) -> &[u64] {
        &self.generator
    }

    /// Point `i` shifted by `shift` (each coordinate in `[0, 1)`), into `out`.
    #[inline]
    pub fn point(&self, i: usize, shift: &[f64], out: &mut [f64]) {
        let n = self.n as u64;
        let inv = 1.0 / self.n as f64;
        for ((o, &g), &s) in out.iter_mut().zip(&self.generator).zip(shift) {
            // (i g mod n) / n is exact in f64 for n < 2^53.
            let u = ((i as u64 * g) % n) as f64 * inv + s;
            *o = if u >= 1.0 { u - 1.0 } else { u };
        }
    }

    /// Fills `out` (`n × d`, row-major) with `ε_i = Φ⁻¹(frac(u_i + Δ))` for one fresh
    /// uniform shift Δ drawn from `rng`: n draws, each exactly `N(0, I)`, jointly
    /// spread evenly (module docs). `shift` is scratch of length d.
    pub fn fill_standard_normal(&self, rng: &mut StreamRng, shift: &mut [f64], out: &mut [f64]) {
        let d = self.dim();
        assert_eq!(
            shift.len(),
            d,
            "shift length must equal the lattice dimension"
        );
        assert_eq!(out.len(), self.n * d, "out must hold n × d values");
        shift.iter_mut().for_each(|s| *s = uniform(rng));
        let n = self.n as u64;
        let inv = 1.0 / self.n as f64;
        // Walk the lattice incrementally: k_j = i g_j mod n, one conditional
        // subtraction per step instead of an integer division (same values as
        // `point`, which the tests check).
        let mut k = vec![0u64; d];
        for row in out.chunks_exact_mut(d) {
            for ((o, kj), (&g, &s)) in row
                .iter_mut()
                .zip(k.iter_mut())
                .zip(self.generator.iter().zip(shift.iter()))
            {
                let u = *kj as f64 * inv + s;
                *o = normal_quantile(if u >= 1.0 { u - 1.0 } else { u });
                *kj += g;
                if *kj >= n {
                    *kj -= n;
                }
            }
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `g = (1, a, a², …, a^{d−1}) mod n`.
fn korobov_vector(a: u64, n: u64, g: &mut [u64]) {
    let mut p = 1 % n;
    for gj in g.iter_mut() {
        *gj = p;
        p = (p * a) % n;
    }
}

/// The squared toroidal distance from 0 to the nearest other lattice point; stops
/// early (returning a value ≤ `beat`) once it cannot beat `beat`.
fn min_sq_distance(g: &[u64], n: usize, beat: f64) -> f64 {
    let inv = 1.0 / n as f64;
    let mut min = f64::INFINITY;
    for i in 1..n as u64 {
        let mut s = 0.0;
        for &gj in g {
            let f = ((i * gj) % n as u64) as f64 * inv;
            let f = f.min(1.0 - f);
            s += f * f;
            if s >= min {
                break;
            }
        }
        if s < min {
            min = s;
            if min <= beat {
                return min;
            }
        }
    }
    min
}

/// The standard normal quantile `Φ⁻¹(p)`, by Wichura's algorithm AS 241 (PPND16,
/// Applied Statistics 37(3), 1988): rational minimax approximations on three ranges,
/// relative error about 1e-16. `p = 0` gives −∞, `p = 1` gives +∞, p outside
/// `[0, 1]` or NaN gives NaN.
// The coefficients are AS 241's published 20-digit values, kept verbatim so they can
// be checked against the paper; f64 rounds them.
#[allow(clippy::excessive_precision)]
pub fn normal_quantile(p: f64) -> f64 {
    // Coefficients of Wichura's Table, in increasing powers.
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    /// The split points of AS 241: |p − ½| ≤ 0.425, then r = √(−ln min(p, 1−p)) ≤ 5.
    const SPLIT1: f64 = 0.425;
    const SPLIT2: f64 = 5.0;
    fn ratio(num: &[f64; 8], den: &[f64; 8], r: f64) -> f64 {
        let poly = |c: &[f64; 8]| c.iter().rev().fold(0.0, |acc, &v| acc * r + v);
        poly(num) / poly(den)
    }
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let q = p - 0.5;
    if q.abs() <= SPLIT1 {
        // 0.180625 = 0.425².
        let r = SPLIT1 * SPLIT1 - q * q;
        return q * ratio(&A, &B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail == 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    // 1.6 is AS 241's centring constant of the middle range.
    let z = if r <= SPLIT2 {
        ratio(&C, &D, r - 1.6)
    } else {
        ratio(&E, &F, r - SPLIT2)
    };
    if q < 0.0 { -z } else { z }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Quantiles to 16 digits (scipy.stats.norm.ppf).
    #[test]
    fn normal_quantile_matches_known_values() {
        let cases = [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.025, -1.959_963_984_540_054),
            (0.841_344_746_068_542_9, 1.0),
            (0.999, 3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
            (1e-300, -37.047_096_299_361_2),
        ];
        for (p, z) in cases {
            let got = normal_quantile(p);
            assert!(
                (got - z).abs() <= 1e-14 * z.abs().max(1.0),
                "Φ⁻¹({p}) = {got}, expected {z}"
            );
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan());
        assert!(normal_quantile(f64::NAN).is_nan());
    }

    #[test]
    fn normal_quantile_is_odd_and_increasing() {
        let mut last = f64::NEG_INFINITY;
        for k in 1..2000 {
            let p = k as f64 / 2000.0;
            let z = normal_quantile(p);
            assert!(z > last, "not increasing at p = {p}");
            assert!((z + normal_quantile(1.0 - p)).abs() < 1e-12);
            last = z;
        }
    }

    #[test]
    fn incremental_walk_equals_the_points() {
        let l = Lattice::korobov(300, 3);
        let mut rng = stream(9, 1);
        let mut shift = [0.0; 3];
        let mut eps = vec![0.0; 900];
        l.fill_standard_normal(&mut rng, &mut shift, &mut eps);
        let mut p = [0.0; 3];
        for i in 0..300 {
            l.point(i, &shift, &mut p);
            for j in 0..3 {
                assert_eq!(eps[3 * i + j], normal_quantile(p[j]), "point {i}");
            }
        }
    }

    #[test]
    fn search_matches_the_fibonacci_lattice_in_two_dimensions() {
        // 233 = F13 with F12 = 144: the Fibonacci lattice (1, 144) is the best
        // two-dimensional lattice of 233 points; the search must do as well.
        for (n, fib) in [(233usize, 144u64), (377, 233), (987, 610)] {
            let l = Lattice::korobov(n, 2);
            let best = min_sq_distance(&[1, fib], n, f64::NEG_INFINITY);
            let found = min_sq_distance(l.generator(), n, f64::NEG_INFINITY);
            assert!(found >= best, "n = {n}: found {found}, Fibonacci {best}");
        }
    }

    #[test]
    fn every_lattice_point_is_distinct_and_each_coordinate_is_a_permutation() {
        for (n, d) in [(1024, 2), (2048, 2), (500, 3), (256, 10)] {
            let l = Lattice::korobov(n, d);
            let shift = vec![0.0; d];
            let mut p = vec![0.0; d];
            let mut cols = vec![vec![]; d];
            for i in 0..n {
                l.point(i, &shift, &mut p);
                for (c, &v) in cols.iter_mut().zip(&p) {
                    c.push((v * n as f64).round() as usize);
                }
            }
            // gcd(a, n) = 1 makes coordinate 2 a permutation too; coordinates ≥ 3 use
            // powers of a, also units mod n.
            for c in &mut cols {
                c.sort_unstable();
                assert_eq!(*c, (0..n).collect::<Vec<_>>(), "n = {n}, d = {d}");
            }
        }
    }

    /// Each shifted point is exactly uniform, so the sample mean of a smooth f over
    /// independent shifts is unbiased; here E[min(ε², 9)] over both coordinates from 64
    /// shifts, and the
    /// lattice estimate's spread over shifts is far below iid sampling's.
    #[test]
    fn shifted_normals_are_unbiased_and_beat_iid() {
        let n = 1024;
        let l = Lattice::korobov(n, 2);
        let mut rng = stream(3, 0);
        let mut shift = [0.0; 2];
        let mut eps = vec![0.0; n * 2];
        let mut ests = vec![];
        for _ in 0..64 {
            l.fill_standard_normal(&mut rng, &mut shift, &mut eps);
            // A bounded integrand (the mean of min(ε², 9)) keeps the estimate's
            // variance finite and the tails of Φ⁻¹ irrelevant.
            let m = eps.iter().map(|e| (e * e).min(9.0)).sum::<f64>() / (2 * n) as f64;
            ests.push(m);
        }
        let mean = ests.iter().sum::<f64>() / 64.0;
        let var = ests.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / 63.0;
        // Truth E[min(Z², 9)] by midpoint quadrature.
        let truth = {
            let h: f64 = 1e-4;
            let mut s = 0.0;
            let mut z: f64 = -12.0;
            while z < 12.0 {
                let zm = z + 0.5 * h;
                s += (zm * zm).min(9.0) * (-0.5 * zm * zm).exp();
                z += h;
            }
            s * h / (2.0 * std::f64::consts::PI).sqrt()
        };
        let se = (var / 64.0).sqrt();
        assert!(
            (mean - truth).abs() < 4.0 * se.max(1e-12),
            "mean {mean} truth {truth} se {se}"
        );
        // iid variance of one estimate: Var(min(Z², 9)) / 2n ≤ E[min(Z², 9)²] / 2n
        // < 3 / 2n (E[Z⁴] = 3).
        assert!(
            var < 0.1 * 3.0 / (2 * n) as f64,
            "lattice variance {var} not below a tenth of iid's"
        );
    }
}
