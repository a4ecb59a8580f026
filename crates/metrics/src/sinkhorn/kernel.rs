//! The inner loop of the log-domain Sinkhorn updates: c-transforms
//! out_i = ε log m − ε LSE_j((pot_j − C_ij)/ε) over the rows (or columns) of the
//! squared-Euclidean cost C_ij = |x_i − y_j|², with a vectorizable exponential.
//!
//! **Exponential.** [`exp_nonpos`] evaluates e^x for x ≤ 0 (the max-shifted
//! log-sum-exp only ever needs those) branch-free, so LLVM vectorizes the loop
//! over a row: x = k ln 2 + r with k = round(x / ln 2) (the 1.5·2⁵² rounding trick),
//! r = (x − k ln2_hi) − k ln2_lo (Cody–Waite, fdlibm's split: k ln2_hi is exact),
//! |r| ≤ ½ ln 2, then e^r by its Taylor polynomial of degree 13 (truncation
//! |r|¹⁴/14! < 5e-18, i.e. below 0.05 ulp) in Estrin's form (a dependency chain of
//! depth 8 instead of Horner's 26: 1.7 vs 2.4 ns per entry with AVX-512 here), and 2^k built in the
//! exponent bits. Measured error against `f64::exp` over [−708, 0]: a relative
//! error of at most 4.3e-16 (1.94 machine epsilons) on the 2·10⁶-point grid, the
//! points near 0 and the rounding boundaries (k + ½) ln 2 of the test
//! `exp_nonpos_is_accurate`, which asserts 1e-15. Arguments below −708 return 0 (e^−708 ≈
//! 3e−308; after the max shift a row's sum is at least 1, so these terms are below
//! its rounding).
//!
//! **Log-sum-exp.** Per row: one pass forms t_j = (pot_j − C_ij)·(1/ε) and their
//! maximum M in a row-sized buffer (in L1/L2 cache), a second pass sums
//! e^{t_j − M}; out_i = ε (log m − M − log Σ). Sums and maxima run over
//! [`LANES`] fixed accumulators combined in a fixed order, so the result is the same
//! bit for bit whatever the vector width the CPU offers (no fused multiply-add is
//! ever formed: Rust does not contract a·b + c) and whatever the thread count (a row
//! is one sequential loop; rows run in parallel).
//!
//! **Costs.** In low dimension (d ≤ [`LAZY_MAX_DIM`]) C_ij is recomputed in each
//! c-transform from the points stored coordinate-major: 3d flops per entry, cheaper
//! than streaming a stored matrix from memory (n m · 8 bytes per c-transform, 32 MB at
//! n = m = 2000). In higher dimension it is stored (and transposed, for the column
//! transforms) when n·m ≤ [`DENSE_LIMIT`]. Stored or recomputed, an entry is the
//! same number: Σ_k (x_ik − y_jk)², summed in coordinate order.

use rayon::prelude::*;
use sampo_core::Particles;

/// Largest number of stored cost entries (32 MB per copy).
pub(super) const DENSE_LIMIT: usize = 1 << 22;

/// Up to this dimension costs are recomputed rather than stored. Measured at
/// n = m = 2000 on two cores: 6.4 / 6.8 ms per c-transform recomputing in d = 2 / 3
/// against 8.5 / 8.3 ms reading the stored matrix; from d = 4 on storing was faster
/// (9.9 against 11.3 ms; 4.9 against 8.1 ms in d = 6).
pub(super) const LAZY_MAX_DIM: usize = 3;

/// Accumulators per row reduction.
pub(super) const LANES: usize = 8;

/// Rows per parallel task.
const ROWS_PER_TASK: usize = 16;

/// e^x for x ≤ 0: relative error below 1e-15 on [−708, 0], 0 below −708. See the
/// module docs.
#[inline(always)]
pub(super) fn exp_nonpos(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's ln 2 = LN2_HI + LN2_LO, LN2_HI with 21 trailing zero bits.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.931471803691238e-1
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.9082149292705877e-10
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let xc = if x < -708.0 { -708.0 } else { x };
    let t = xc * LOG2E + SHIFT;
    let k = t - SHIFT; // round(x log2 e), an integer in [−1022, 0]
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    // Estrin's scheme: the same polynomial as Horner's, a shorter dependency chain.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = C[0] + C[1] * r;
    let q1 = C[2] + C[3] * r;
    let q2 = C[4] + C[5] * r;
    let q3 = C[6] + C[7] * r;
    let q4 = C[8] + C[9] * r;
    let q5 = C[10] + C[11] * r;
    let q6 = C[12] + C[13] * r;
    let s0 = q0 + q1 * r2;
    let s1 = q2 + q3 * r2;
    let s2 = q4 + q5 * r2;
    let u0 = s0 + s1 * r4;
    let u1 = s2 + q6 * r4;
    let p = u0 + u1 * r8;
    // The low 12 bits of t's pattern hold k mod 2^12 (1.5·2^52 has none set):
    // shifted into the exponent field and biased, they give 2^k.
    let scale = f64::from_bits((t.to_bits() << 52).wrapping_add(1023 << 52));
    if x < -708.0 { 0.0 } else { p * scale }
}

/// Σ_j t_j over fixed lanes, combined in a fixed order.
#[inline(always)]
fn lane_sum(t: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut chunks = t.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            acc[k] += c[k];
        }
    }
    let tail: f64 = chunks.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// log Σ_j e^{t_j} (max-shifted); overwrites t with e^{t_j − max}.
#[inline(always)]
fn lse(t: &mut [f64]) -> f64 {
    // The maximum does not depend on the order of evaluation.
    let m = t.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    for v in t.iter_mut() {
        *v = exp_nonpos(*v - m);
    }
    m + lane_sum(t).ln()
}

/// The instruction sets a row loop is compiled for; same results on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Isa {
    Base,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// The widest available on this CPU.
    pub(super) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Isa::Avx2;
            }
        }
        Isa::Base
    }

    /// Every instruction set this CPU can run (for tests).
    #[cfg(test)]
    pub(super) fn available() -> Vec<Isa> {
        let mut v = vec![Isa::Base];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                v.push(Isa::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                v.push(Isa::Avx512);
            }
        }
        v
    }
}

/// Where one side's costs come from for a row transform.
#[derive(Clone, Copy)]
enum Line<'a> {
    /// A stored cost row.
    Stored(&'a [f64]),
    /// The row's point and the other side's points, coordinate-major (d × len).
    Lazy(&'a [f64], &'a [f64]),
}

/// t_j = (pot_j − C_j)·inv_eps for one row into `t`; returns ε(log m − LSE(t)).
#[inline(always)]
fn row(line: Line, pot: &[f64], eps: f64, inv_eps: f64, log_len: f64, t: &mut [f64]) -> f64 {
    let m = pot.len();
    match line {
        Line::Stored(c) => {
            for ((tj, &cj), &pj) in t.iter_mut().zip(c).zip(pot) {
                *tj = (pj - cj) * inv_eps;
            }
        }
        Line::Lazy(xi, ys) => {
            let y0 = &ys[..m];
            let x0 = xi[0];
            for (tj, &y) in t.iter_mut().zip(y0) {
                let d = x0 - y;
                *tj = d * d;
            }
            for (k, &xk) in xi.iter().enumerate().skip(1) {
                for (tj, &y) in t.iter_mut().zip(&ys[k * m..(k + 1) * m]) {
                    let d = xk - y;
                    *tj += d * d;
                }
            }
            for (tj, &pj) in t.iter_mut().zip(pot) {
                *tj = (pj - *tj) * inv_eps;
            }
        }
    }
    eps * (log_len - lse(t))
}

/// The rows `first..first + out.len()` of a c-transform.
#[inline(always)]
fn rows(side: &Side, first: usize, pot: &[f64], eps: f64, out: &mut [f64], t: &mut [f64]) {
    let inv_eps = 1.0 / eps;
    let log_len = (pot.len() as f64).ln();
    for (r, o) in out.iter_mut().enumerate() {
        let i = first + r;
        *o = row(side.line(i), pot, eps, inv_eps, log_len, t);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rows_avx2(side: &Side, first: usize, pot: &[f64], eps: f64, out: &mut [f64], t: &mut [f64]) {
    rows(side, first, pot, eps, out, t)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn rows_avx512(side: &Side, first: usize, pot: &[f64], eps: f64, out: &mut [f64], t: &mut [f64]) {
    rows(side, first, pot, eps, out, t)
}

/// One direction of a cost: rows indexed by `from`, columns by `to`.
struct Side<'a> {
    /// `from` points, row-major (n × d).
    from: &'a [f64],
    /// `to` points, coordinate-major (d × m), for recomputed costs.
    to_t: &'a [f64],
    d: usize,
    /// Stored costs, row-major (n × m).
    stored: Option<&'a [f64]>,
    m: usize,
}

impl Side<'_> {
    #[inline(always)]
    fn line(&self, i: usize) -> Line<'_> {
        match self.stored {
            Some(c) => Line::Stored(&c[i * self.m..(i + 1) * self.m]),
            None => Line::Lazy(&self.from[i * self.d..(i + 1) * self.d], self.to_t),
        }
    }
}

fn coordinate_major(p: &Particles) -> Vec<f64> {
    let (n, d) = (p.len(), p.dim());
    let mut v = vec![0.0; n * d];
    for (i, r) in p.rows().enumerate() {
        for (k, &x) in r.iter().enumerate() {
            v[k * n + i] = x;
        }
    }
    v
}

/// Σ_k (u_k − v_k)², in coordinate order.
pub(super) fn sq_dist(u: &[f64], v: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, b) in u.iter().zip(v) {
        let d = a - b;
        s += d * d;
    }
    s
}

/// Squared-Euclidean costs between x (n points) and y (m points), recomputed or
/// stored (see the module docs), with c-transforms in both directions.
pub(super) struct Cost<'a> {
    x: &'a Particles,
    y: &'a Particles,
    x_t: Vec<f64>,
    y_t: Vec<f64>,
    /// C (n × m) and, unless symmetric, Cᵀ (m × n).
    stored: Option<(Vec<f64>, Option<Vec<f64>>)>,
    isa: Isa,
}

impl<'a> Cost<'a> {
    /// `symmetric`: x and y are the same points, so Cᵀ = C is not stored twice.
    pub(super) fn new(x: &'a Particles, y: &'a Particles, symmetric: bool) -> Self {
        Self::with_isa(x, y, symmetric, Isa::detect())
    }

    pub(super) fn with_isa(x: &'a Particles, y: &'a Particles, symmetric: bool, isa: Isa) -> Self {
        let store = x.dim() > LAZY_MAX_DIM && x.len() * y.len() <= DENSE_LIMIT;
        Self::build(x, y, symmetric, isa, store)
    }

    fn build(x: &'a Particles, y: &'a Particles, symmetric: bool, isa: Isa, store: bool) -> Self {
        let d = x.dim();
        let stored = store.then(|| {
            let build = |a: &Particles, b: &Particles| -> Vec<f64> {
                let mut c = vec![0.0; a.len() * b.len()];
                c.par_chunks_mut(b.len())
                    .zip(a.as_slice().par_chunks(d))
                    .for_each(|(ci, ai)| {
                        for (cij, bj) in ci.iter_mut().zip(b.rows()) {
                            *cij = sq_dist(ai, bj);
                        }
                    });
                c
            };
            let c = build(x, y);
            let ct = (!symmetric).then(|| build(y, x));
            (c, ct)
        });
        Cost {
            x,
            y,
            x_t: coordinate_major(x),
            y_t: coordinate_major(y),
            stored,
            isa,
        }
    }

    /// (n, m).
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.x.len(), self.y.len())
    }

    /// The cost bound max C_ij ≤ the squared diagonal of the pooled bounding box.
    pub(super) fn bound(&self) -> f64 {
        let d = self.x.dim();
        (0..d)
            .map(|k| {
                let (lo, hi) = self
                    .x
                    .rows()
                    .chain(self.y.rows())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                        (lo.min(r[k]), hi.max(r[k]))
                    });
                (hi - lo).powi(2)
            })
            .sum()
    }

    fn side(&self, transposed: bool) -> Side<'_> {
        let (from, to_t, m, stored) = if transposed {
            let st = self
                .stored
                .as_ref()
                .map(|(c, ct)| ct.as_deref().unwrap_or(c));
            (self.y, &self.x_t, self.x.len(), st)
        } else {
            (
                self.x,
                &self.y_t,
                self.y.len(),
                self.stored.as_ref().map(|(c, _)| &c[..]),
            )
        };
        Side {
            from: from.as_slice(),
            to_t,
            d: from.dim(),
            stored,
            m,
        }
    }

    /// out_i = ε log len(pot) − ε LSE_j((pot_j − C_ij)/ε) over the rows of C
    /// (`transposed` = false: i indexes x, j indexes y) or its columns.
    pub(super) fn c_transform(&self, pot: &[f64], eps: f64, transposed: bool, out: &mut [f64]) {
        let side = self.side(transposed);
        debug_assert_eq!(pot.len(), side.m);
        let isa = self.isa;
        out.par_chunks_mut(ROWS_PER_TASK).enumerate().for_each_init(
            || vec![0.0; side.m],
            |t, (c, o)| {
                let first = c * ROWS_PER_TASK;
                match isa {
                    Isa::Base => rows(&side, first, pot, eps, o, t),
                    // SAFETY: `isa` is only ever Avx2/Avx512 when the running CPU
                    // reported the feature (Isa::detect, Isa::available).
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx2 => unsafe { rows_avx2(&side, first, pot, eps, o, t) },
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => unsafe { rows_avx512(&side, first, pot, eps, o, t) },
                }
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_nonpos_is_accurate() {
        let mut worst = 0.0f64;
        let check = |x: f64, worst: &mut f64| {
            let (got, want) = (exp_nonpos(x), x.exp());
            let rel = ((got - want) / want).abs();
            *worst = worst.max(rel);
        };
        // A dense grid over the whole range, near 0, and near the rounding
        // boundaries k ln 2 ± ½ ln 2.
        let n = 2_000_000;
        for i in 0..=n {
            check(-708.0 * i as f64 / n as f64, &mut worst);
        }
        for i in 0..100_000 {
            check(-1e-3 * i as f64 / 1e5, &mut worst);
        }
        let ln2 = std::f64::consts::LN_2;
        for k in 0..1021 {
            for dx in [-1e-12, 0.0, 1e-12] {
                check(-(k as f64 + 0.5) * ln2 + dx, &mut worst);
            }
        }
        assert!(worst < 1e-15, "max relative error {worst:e}");
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(exp_nonpos(-709.0), 0.0);
        assert_eq!(exp_nonpos(f64::NEG_INFINITY), 0.0);
    }

    fn points(n: usize, d: usize, seed: u64) -> Particles {
        // A small LCG: test data only.
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let v = (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 6.0
            })
            .collect();
        Particles::from_vec(n, d, v).unwrap()
    }

    /// out_i = ε log m − ε LSE_j((pot_j − C_ij)/ε) with libm exp and divisions.
    fn naive(x: &Particles, y: &Particles, pot: &[f64], eps: f64) -> Vec<f64> {
        x.rows()
            .map(|xi| {
                let v: Vec<f64> = y
                    .rows()
                    .zip(pot)
                    .map(|(yj, p)| (p - sq_dist(xi, yj)) / eps)
                    .collect();
                let mx = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = v.iter().map(|t| (t - mx).exp()).sum();
                eps * (pot.len() as f64).ln() - eps * (mx + s.ln())
            })
            .collect()
    }

    #[test]
    fn c_transforms_agree_across_instruction_sets_and_with_libm() {
        // Sizes not multiples of LANES, both directions, recomputed and stored costs,
        // ε from small (t_j down to about −1e4, many terms below e^−708) to large.
        for (n, m, d) in [(37, 53, 2), (41, 29, 6), (1, 9, 3), (16, 16, 1)] {
            let (x, y) = (points(n, d, 1), points(m, d, 2));
            let pot_y: Vec<f64> = points(m, 1, 3).as_slice().to_vec();
            let pot_x: Vec<f64> = points(n, 1, 4).as_slice().to_vec();
            for eps in [0.01, 1.0, 100.0] {
                let want_rows = naive(&x, &y, &pot_y, eps);
                let want_cols = naive(&y, &x, &pot_x, eps);
                let mut first: Option<(Vec<f64>, Vec<f64>)> = None;
                for isa in Isa::available() {
                    for store in [false, true] {
                        let cost = Cost::build(&x, &y, false, isa, store);
                        let mut rows = vec![0.0; n];
                        let mut cols = vec![0.0; m];
                        cost.c_transform(&pot_y, eps, false, &mut rows);
                        cost.c_transform(&pot_x, eps, true, &mut cols);
                        // |pot − C| ≤ 3 + 36 d here: the tolerance is 1e-13 of that
                        // scale (a few ulp of the exponent arguments, times ε).
                        let tol = 1e-13 * (4.0 + 36.0 * d as f64);
                        for (got, want) in rows
                            .iter()
                            .zip(&want_rows)
                            .chain(cols.iter().zip(&want_cols))
                        {
                            assert!(
                                (got - want).abs() <= tol,
                                "{isa:?} store {store} eps {eps}: {got} vs {want}"
                            );
                        }
                        // Bit for bit the same on every instruction set and cost path.
                        match &first {
                            None => first = Some((rows, cols)),
                            Some((r0, c0)) => {
                                assert_eq!(r0, &rows, "{isa:?} store {store}");
                                assert_eq!(c0, &cols, "{isa:?} store {store}");
                            }
                        }
                    }
                }
            }
        }
    }
}
