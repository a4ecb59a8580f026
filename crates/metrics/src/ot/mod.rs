//! Exact 2-Wasserstein distance between samples (optimal transport with
//! squared-Euclidean ground cost).
//!
//! # Definition
//!
//! For discrete measures α = Σᵢ aᵢ δ_{xᵢ} and β = Σⱼ bⱼ δ_{yⱼ} (weights summing to
//! one) the Kantorovich problem is
//!
//! ```text
//! W2²(α, β) = min_π Σᵢⱼ πᵢⱼ ‖xᵢ − yⱼ‖²   over  πᵢⱼ ≥ 0,  Σⱼ πᵢⱼ = aᵢ,  Σᵢ πᵢⱼ = bⱼ,
//! ```
//!
//! and W2 is its square root (what gfn-diffusion and iDEM report through POT's
//! `emd2`, see DESIGN.md "Metrics conventions"). The dual is
//! max Σ aᵢ uᵢ + Σ bⱼ vⱼ over uᵢ + vⱼ ≤ ‖xᵢ − yⱼ‖²; a plan and potentials that are
//! feasible and complementary slack (uᵢ + vⱼ = cᵢⱼ wherever πᵢⱼ > 0) are both
//! optimal. Both solvers below return such potentials, and the tests check this
//! certificate directly.
//!
//! # Solvers
//!
//! Both [`w2`] and [`w2_weighted`] use the network simplex of [`network_simplex`]
//! (block-search pivoting over a candidate list of cheap arcs, with full
//! pricing passes as the exactness check). [`w2`] gives every point an integer
//! mass (n per source, m per sink), so the flows are exact in f64. Both pass
//! the solver the two samples sorted along the principal axis of the pooled
//! points: the arcs of that 1-D optimal plan seed its candidate list, which
//! matters when the samples are far apart (one mode against many: 9 s →
//! 0.45 s on the `far-zodmc-2d` bench case at n = 2000).
//!
//! For equal sizes and uniform weights the optimal plan is a permutation
//! (Birkhoff–von Neumann), i.e. a linear assignment problem, and
//! [`assignment`] solves it by Jonker–Volgenant shortest augmenting paths. It
//! is exact and certificate-tested, but on clustered 2-D samples it was 10–20×
//! slower than the network simplex here (n = 2000 GMM40: 4.8 s vs 0.25 s; long
//! augmenting paths between clusters), so [`w2`] does not use it.
//!
//! # Memory: costs on the fly
//!
//! No m × n matrix is stored: the solvers compute ‖xᵢ − yⱼ‖² from the points
//! when needed, so memory is O((m + n) d). A single arc reads the row-major
//! points (for d ≤ 4 copied into fixed-size arrays, distance fully unrolled);
//! a whole source row of costs (the network simplex's passes over all arcs,
//! see [`network_simplex::Cost`]) reads a second, coordinate-major copy of the
//! sinks, so the loop over sinks vectorizes. Both forms do the same
//! operations in the same order and agree bit for bit. Why not a
//! matrix: most cost evaluations are random-access (candidate arcs) or
//! full-row sweeps; a 2-D cost from 16-byte points held in cache costs a few
//! flops, while an n × n matrix (32 MB at n = 2000, 200 MB at 5000) streams
//! from main memory and must first be filled (POT's `ot.dist` alone took
//! 0.13–0.84 s on the bench data). A matrix variant was not benchmarked; the
//! on-the-fly solver already beats POT's `emd2` without its matrix time
//! (`benches/w2.rs`, `benchmarks/scripts/pot_w2.py`). The difference form (x − y)² is used,
//! not ‖x‖² + ‖y‖² − 2x·y, so far-from-origin clouds lose no precision.
//!
//! The returned value is recomputed from the optimal plan with the same cost
//! formula, so it carries no solver drift.
//!
//! Per n × n solve: O(n d) memory for the points plus O(n · 64) candidate arcs
//! (see [`network_simplex::CANDIDATES_PER_ROW`]), no n² buffer.

pub mod assignment;
pub mod network_simplex;

#[cfg(test)]
mod tests;

use crate::MetricError;
use crate::weights::normalize_weights;
use sampo_core::Particles;

/// Binds `$c` to the squared-Euclidean [`network_simplex::Cost`]
/// `(i, j) -> ‖aᵢ − bⱼ‖²` of the two samples, specialised for d ≤ 4, and
/// evaluates `$body`.
macro_rules! with_sq_cost {
    ($a:expr, $b:expr, |$c:ident| $body:expr) => {{
        let (pa, pb): (&Particles, &Particles) = ($a, $b);
        match pa.dim() {
            1 => with_sq_cost!(@fixed 1, pa, pb, $c, $body),
            2 => with_sq_cost!(@fixed 2, pa, pb, $c, $body),
            3 => with_sq_cost!(@fixed 3, pa, pb, $c, $body),
            4 => with_sq_cost!(@fixed 4, pa, pb, $c, $body),
            _ => {
                let $c = SqCost::new(pa, pb);
                $body
            }
        }
    }};
    (@fixed $d:literal, $pa:ident, $pb:ident, $c:ident, $body:expr) => {{
        let $c = SqCostFixed::<$d>::new($pa, $pb);
        $body
    }};
}

/// The sinks' coordinates stored coordinate-major (`cols[k·n + j]` = bⱼ's
/// k-th coordinate), so that a row of costs is a loop over contiguous
/// slices.
fn columns(b: &Particles) -> Vec<f64> {
    let (n, d) = (b.len(), b.dim());
    let x = b.as_slice();
    (0..d)
        .flat_map(|k| (0..n).map(move |j| x[j * d + k]))
        .collect()
}

/// Adds (xₖ − colₖ[j])² to `out[j]` (or stores it, for the first coordinate)
/// coordinate by coordinate: the same operations in the same order as
/// [`sq_dist`] / `sq_dist_fixed` (0 + t₀² = t₀² exactly), so a row equals the
/// single-arc costs bit for bit, and the inner loop vectorizes.
#[inline(always)]
fn sq_row(x: &[f64], cols: &[f64], out: &mut [f64]) {
    let n = out.len();
    for (k, &xk) in x.iter().enumerate() {
        let col = &cols[k * n..k * n + n];
        if k == 0 {
            for (o, &y) in out.iter_mut().zip(col) {
                let t = xk - y;
                *o = t * t;
            }
        } else {
            for (o, &y) in out.iter_mut().zip(col) {
                let t = xk - y;
                *o += t * t;
            }
        }
    }
}

/// ‖aᵢ − bⱼ‖² for d ≤ 4: points in fixed-size arrays, fully unrolled.
struct SqCostFixed<const D: usize> {
    xa: Vec<[f64; D]>,
    xb: Vec<[f64; D]>,
    cols: Vec<f64>,
}

impl<const D: usize> SqCostFixed<D> {
    fn new(a: &Particles, b: &Particles) -> Self {
        SqCostFixed {
            xa: to_arrays::<D>(a),
            xb: to_arrays::<D>(b),
            cols: columns(b),
        }
    }
}

impl<const D: usize> network_simplex::Cost for SqCostFixed<D> {
    #[inline(always)]
    fn cost(&self, i: usize, j: usize) -> f64 {
        sq_dist_fixed::<D>(&self.xa[i], &self.xb[j])
    }
    fn row(&self, i: usize, out: &mut [f64]) {
        sq_row(&self.xa[i], &self.cols, out);
    }
}

/// ‖aᵢ − bⱼ‖² for any d, from the row-major samples.
struct SqCost<'a> {
    d: usize,
    xa: &'a [f64],
    xb: &'a [f64],
    cols: Vec<f64>,
}

impl<'a> SqCost<'a> {
    fn new(a: &'a Particles, b: &'a Particles) -> Self {
        SqCost {
            d: a.dim(),
            xa: a.as_slice(),
            xb: b.as_slice(),
            cols: columns(b),
        }
    }
}

impl network_simplex::Cost for SqCost<'_> {
    #[inline]
    fn cost(&self, i: usize, j: usize) -> f64 {
        let d = self.d;
        sq_dist(&self.xa[i * d..i * d + d], &self.xb[j * d..j * d + d])
    }
    fn row(&self, i: usize, out: &mut [f64]) {
        let d = self.d;
        sq_row(&self.xa[i * d..i * d + d], &self.cols, out);
    }
}

/// Exact W2 between two uniform-weight samples (sizes may differ).
///
/// Errors: [`MetricError::DimensionMismatch`] if the dimensions differ;
/// [`MetricError::InvalidInput`] naming `a` or `b` if a sample is empty or has a
/// non-finite entry.
pub fn w2(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    Ok(w2_squared(a, b)?.max(0.0).sqrt())
}

/// Exact W2² (the optimal cost itself) between two uniform-weight samples.
pub fn w2_squared(a: &Particles, b: &Particles) -> Result<f64, MetricError> {
    check_points(a, "a")?;
    check_points(b, "b")?;
    check_dims(a, b)?;
    let (m, n) = (a.len(), b.len());
    // Integer masses: every source ships n units, every sink takes m (total
    // m·n), so all flows are integers and exact in f64.
    let sa = vec![n as f64; m];
    let sb = vec![m as f64; n];
    let (oa, ob) = principal_orders(a, b);
    let sol = with_sq_cost!(a, b, |c| network_simplex::solve_cost_ordered(
        &sa,
        &sb,
        c,
        network_simplex::Options::for_size(m, n),
        Some((&oa, &ob))
    ))?;
    Ok(sol.cost / (m as f64 * n as f64))
}

/// Exact W2 between weighted samples Σ waᵢ δ_{aᵢ} and Σ wbⱼ δ_{bⱼ}.
///
/// Weights are normalized internally; each weight vector must have the length
/// of its sample, finite entries ≥ 0 and a positive sum. Zero-weight points
/// are ignored. Errors name the argument at fault (`a`, `wa`, `b`, `wb`).
pub fn w2_weighted(
    a: &Particles,
    wa: &[f64],
    b: &Particles,
    wb: &[f64],
) -> Result<f64, MetricError> {
    Ok(w2_squared_weighted(a, wa, b, wb)?.max(0.0).sqrt())
}

/// Exact W2² between weighted samples (see [`w2_weighted`]).
pub fn w2_squared_weighted(
    a: &Particles,
    wa: &[f64],
    b: &Particles,
    wb: &[f64],
) -> Result<f64, MetricError> {
    check_points(a, "a")?;
    check_points(b, "b")?;
    check_dims(a, b)?;
    let pa = normalize_weights(wa, a.len(), "wa")?;
    let pb = normalize_weights(wb, b.len(), "wb")?;
    let (m, n) = (a.len(), b.len());
    let (oa, ob) = principal_orders(a, b);
    let sol = with_sq_cost!(a, b, |c| network_simplex::solve_cost_ordered(
        &pa,
        &pb,
        c,
        network_simplex::Options::for_size(m, n),
        Some((&oa, &ob))
    ))?;
    Ok(sol.cost)
}

/// Both samples' indices sorted by their projection on the principal axis of
/// the pooled points (the top eigenvector of their covariance, by power
/// iteration started from the difference of the two means): the orderings of
/// the 1-D optimal transport along that axis, a start hint for the network
/// simplex (see [`network_simplex::solve_cost_ordered`]).
fn principal_orders(a: &Particles, b: &Particles) -> (Vec<usize>, Vec<usize>) {
    let d = a.dim();
    let (m, n) = (a.len(), b.len());
    let mut ma = vec![0.0; d];
    let mut mb = vec![0.0; d];
    for r in a.rows() {
        for (s, x) in ma.iter_mut().zip(r) {
            *s += x / m as f64;
        }
    }
    for r in b.rows() {
        for (s, x) in mb.iter_mut().zip(r) {
            *s += x / n as f64;
        }
    }
    let w = (m + n) as f64;
    let mean: Vec<f64> = (0..d)
        .map(|k| (ma[k] * m as f64 + mb[k] * n as f64) / w)
        .collect();
    let mut cov = vec![0.0; d * d];
    for r in a.rows().chain(b.rows()) {
        for k in 0..d {
            let xk = r[k] - mean[k];
            for l in 0..=k {
                cov[k * d + l] += xk * (r[l] - mean[l]);
            }
        }
    }
    for k in 0..d {
        for l in 0..k {
            cov[l * d + k] = cov[k * d + l];
        }
    }
    // Start: mean difference plus a small generic vector (never orthogonal
    // to the top eigenvector by accident of symmetry).
    let mut v: Vec<f64> = (0..d)
        .map(|k| mb[k] - ma[k] + 1e-3 * (1.0 + 0.37 * k as f64))
        .collect();
    for _ in 0..50 {
        let mut nv: Vec<f64> = (0..d)
            .map(|k| (0..d).map(|l| cov[k * d + l] * v[l]).sum())
            .collect();
        let norm = nv.iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            break;
        }
        nv.iter_mut().for_each(|x| *x /= norm);
        v = nv;
    }
    let order = |p: &Particles| {
        let proj: Vec<f64> = p
            .rows()
            .map(|r| r.iter().zip(&v).map(|(x, y)| x * y).sum())
            .collect();
        let mut o: Vec<usize> = (0..p.len()).collect();
        o.sort_unstable_by(|&i, &j| proj[i].total_cmp(&proj[j]));
        o
    };
    (order(a), order(b))
}

/// Squared Euclidean distance between two equal-length slices, summed left
/// to right from the first coordinate.
#[inline]
pub fn sq_dist(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (p, q) in x.iter().zip(y) {
        let t = p - q;
        s += t * t;
    }
    s
}

#[inline(always)]
fn sq_dist_fixed<const D: usize>(x: &[f64; D], y: &[f64; D]) -> f64 {
    let mut s = 0.0;
    for k in 0..D {
        let t = x[k] - y[k];
        s += t * t;
    }
    s
}

fn to_arrays<const D: usize>(p: &Particles) -> Vec<[f64; D]> {
    p.as_slice()
        .chunks_exact(D)
        .map(|r| r.try_into().expect("chunk of length D"))
        .collect()
}

fn check_points(p: &Particles, name: &str) -> Result<(), MetricError> {
    if p.is_empty() {
        return Err(MetricError::invalid(name, "sample is empty"));
    }
    let d = p.dim();
    if let Some(k) = p.as_slice().iter().position(|x| !x.is_finite()) {
        let (i, c) = k.checked_div(d).map_or((k, 0), |i| (i, k % d));
        return Err(MetricError::invalid(
            name,
            format!("entry ({i}, {c}) = {} is not finite", p.as_slice()[k]),
        ));
    }
    Ok(())
}

fn check_dims(a: &Particles, b: &Particles) -> Result<(), MetricError> {
    if a.dim() != b.dim() {
        return Err(MetricError::DimensionMismatch {
            what: "W2: dim(a) vs dim(b)".into(),
            left: a.dim(),
            right: b.dim(),
        });
    }
    Ok(())
}
