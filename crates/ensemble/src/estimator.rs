//! Importance estimates of the posterior means that drive both diffusions.
//!
//! At one step every particle u (reference coordinates) has a posterior over the
//! clean point y,
//!
//! ```text
//! q_u(y) ∝ π̃_s(y) · e^{τ |y|²/2} · N(y; μ(u), σ² I)
//! ```
//!
//! with `μ = a u` and (Föllmer, τ = 1) `a = 1`, `σ² = 1 − t`, or (OU, τ = 0)
//! `a = e^t`, `σ² = e^{2t} − 1`. Its mean m gives the drift: Föllmer
//! `b = (m − u)/(1 − t)`, OU `∇log p_t(u) = e^{−t}(m − μ)/(1 − e^{−2t})`. The Föllmer
//! posterior is `X_1 | X_t = u` under the Brownian bridge, and with proposal
//! `N(u, σ² I)` its weights are `π̃_s(y) e^{|y|²/2}`: the Stein form
//! `b = Σ w_i Z_i / (√(1 − t) Σ w_i)` of BlackJAX's `schrodinger_follmer`
//! (research notes samplers-a §3.1); the OU posterior is rdMC's, its weights
//! `π̃_s(y)` (§3.2, §1.4(b)).
//!
//! **Proposals** (`y = μ + σ L ε`, `ε ~ N(0, I)`, L = I or the Cholesky factor of
//! the ensemble shape C):
//!
//! - *own draws* (independent or common noise): `log w = log π̃_s(y) + τ|y|²/2 +
//!   (|ε|² − |Lε|²)/2`, the last term `log N(y; μ, σ² I) − log N(y; μ, σ² C)` up to a
//!   constant (0 when L = I);
//! - *the ensemble mixture* (pooling = mixture): the B particles of a block each
//!   make N draws from their own proposal `N(μ_j, σ² C)`; every particle of the block
//!   weights all B·N draws by the balance heuristic (Veach & Guibas 1995),
//!   `w_j(y) = π̃_s(y) e^{τ|y|²/2} N(y; μ_j, σ² I) / [(1/B) Σ_l N(y; μ_l, σ² C)]`, a
//!   consistent estimate because the particle's own proposal is a component of the
//!   mixture. The density evaluations are the same B·N; each draw now informs every
//!   particle near it. Cost `O(B² N d)` per block.
//!
//! Weights are formed in log space after subtracting the largest; NaN and −∞ give
//! weight 0. If every weight vanishes the estimate falls back to `m = μ` (counted
//! as a fallback), never NaN.

use crate::reference::Reference;
use sampo_core::Target;
use sampo_core::qmc::Lattice;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};

/// The geometry of one step's posteriors (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepGeometry {
    /// `μ = a u`.
    pub mean_scale: f64,
    /// The proposal's scale σ.
    pub sd: f64,
    /// τ: 1 for the Föllmer posterior's tilt `e^{|y|²/2}`, 0 for OU.
    pub tilt: f64,
}

/// How the noise of one estimate is made.
pub enum NoiseSource<'a> {
    /// iid N(0, I) from the particle's stream.
    Iid,
    /// Lattices of the sizes of the main and the defensive draws, shifted by the
    /// particle's stream.
    Lattice {
        /// The main component's `N − M` draws.
        main: &'a Lattice,
        /// The defensive component's M draws (None when M = 0).
        defensive: Option<&'a Lattice>,
    },
    /// Noise shared by every particle this step (N × d, the defensive rows
    /// already widened by κ).
    Common(&'a [f64]),
}

impl NoiseSource<'_> {
    /// Fills `eps` (N × d): rows `[0, N − M)` N(0, I), rows `[N − M, N)` N(0, κ² I).
    pub fn fill(
        &self,
        eps: &mut [f64],
        d: usize,
        plan: &Defensive,
        rng: &mut StreamRng,
        shift: &mut Vec<f64>,
    ) {
        let n = eps.len() / d;
        let n_main = n - plan.count;
        let (main, def) = eps.split_at_mut(n_main * d);
        match self {
            NoiseSource::Common(c) => {
                eps.copy_from_slice(c);
                return;
            }
            NoiseSource::Iid => {
                fill_standard_normal(rng, main);
                fill_standard_normal(rng, def);
            }
            NoiseSource::Lattice {
                main: lm,
                defensive,
            } => {
                shift.resize(d, 0.0);
                lm.fill_standard_normal(rng, shift, main);
                if let Some(ld) = defensive {
                    ld.fill_standard_normal(rng, shift, def);
                } else {
                    fill_standard_normal(rng, def);
                }
            }
        }
        def.iter_mut().for_each(|e| *e *= plan.scale);
    }
}

/// The defensive component of the proposal: M of the N draws come from the
/// κ-times wider Gaussian (research notes samplers-a §1.4(b); `sampo_score`'s
/// `IsConfig`). Without it a particle more than ≈ 3 proposal widths from the
/// target's mass sees only the nearest extreme draw: its drift is clipped to
/// about 3σ per unit time, and the OU reverse process, whose linear part pushes
/// outward, lets such a particle run away (measured: one particle of 2000 at 33
/// standard deviations on a unit Gaussian).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defensive {
    /// M.
    pub count: usize,
    /// κ ≥ 1.
    pub scale: f64,
}

impl Defensive {
    /// The plan for N draws with fraction f and scale κ: `M = round(f N)`, kept
    /// below N; none if κ ≤ 1.
    pub fn new(samples: usize, fraction: f64, scale: f64) -> Self {
        let count = if scale <= 1.0 {
            0
        } else {
            ((fraction * samples as f64).round() as usize).min(samples - 1)
        };
        Defensive { count, scale }
    }

    /// `log q(ε)` of the two-component proposal in units of the main one, up to
    /// a constant: `log[(1 − f) φ(ε) + f κ^{−d} φ(ε/κ)]` with f = M/N (the balance
    /// heuristic of Veach & Guibas 1995; Owen & Zhou 2000).
    #[inline]
    pub fn log_proposal(&self, r2: f64, samples: usize, d: usize) -> f64 {
        if self.count == 0 {
            return -0.5 * r2;
        }
        let f = self.count as f64 / samples as f64;
        let k2 = self.scale * self.scale;
        let a = (1.0 - f).ln() - 0.5 * r2;
        let b = f.ln() - 0.5 * d as f64 * k2.ln() - 0.5 * r2 / k2;
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        hi + (lo - hi).exp().ln_1p()
    }
}

/// The shared inputs of one step's estimates.
pub struct StepInputs<'a> {
    /// The target in its own coordinates (counted).
    pub target: &'a dyn Target,
    /// The reference.
    pub reference: &'a Reference,
    /// The posteriors' geometry.
    pub geometry: StepGeometry,
    /// Lower Cholesky factor of the proposal shape C (d × d), if preconditioned.
    pub chol: Option<&'a [f64]>,
    /// Draws per particle.
    pub samples: usize,
    /// The defensive share of those draws.
    pub defensive: Defensive,
}

/// The outcome of one particle's estimate (besides `m − μ`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ParticleEstimate {
    /// Effective sample size of the weights, `(Σw)²/Σw²` (0 on a fallback).
    pub ess: f64,
    /// True if every weight vanished.
    pub fallback: bool,
}

/// Per-thread scratch.
#[derive(Debug, Default)]
pub struct Scratch {
    eps: Vec<f64>,
    z: Vec<f64>,
    ys: Vec<f64>,
    xs: Vec<f64>,
    lp: Vec<f64>,
    w: Vec<f64>,
    shift: Vec<f64>,
    logq: Vec<f64>,
    nu: Vec<f64>,
    cov: Vec<f64>,
}

/// `out = L e` for a lower-triangular L (d × d, row-major).
#[inline]
fn lower_mul(l: &[f64], e: &[f64], out: &mut [f64]) {
    let d = e.len();
    for i in 0..d {
        out[i] = (0..=i).map(|j| l[i * d + j] * e[j]).sum();
    }
}

/// Solves `L v = b` in place (forward substitution).
#[inline]
fn lower_solve(l: &[f64], v: &mut [f64]) {
    let d = v.len();
    for i in 0..d {
        let s: f64 = (0..i).map(|j| l[i * d + j] * v[j]).sum();
        v[i] = (v[i] - s) / l[i * d + i];
    }
}

impl StepInputs<'_> {
    fn d(&self) -> usize {
        self.target.dim()
    }

    /// Draws the noise of `count` blocks of N draws for one particle into
    /// `s.eps`, maps it through L into `s.z`, and forms `y = μ + σ z` into `s.ys`
    /// at offset `at` (rows).
    fn draw(
        &self,
        u: &[f64],
        noise: &NoiseSource<'_>,
        rng: &mut StreamRng,
        s: &mut Scratch,
        at: usize,
    ) {
        let d = self.d();
        let n = self.samples;
        let g = self.geometry;
        let eps = &mut s.eps[at * d..(at + n) * d];
        noise.fill(eps, d, &self.defensive, rng, &mut s.shift);
        let z = &mut s.z[at * d..(at + n) * d];
        match self.chol {
            Some(l) => {
                for (zr, er) in z.chunks_exact_mut(d).zip(eps.chunks_exact(d)) {
                    lower_mul(l, er, zr);
                }
            }
            None => z.copy_from_slice(eps),
        }
        let ys = &mut s.ys[at * d..(at + n) * d];
        for (yr, zr) in ys.chunks_exact_mut(d).zip(z.chunks_exact(d)) {
            for ((y, zv), uv) in yr.iter_mut().zip(zr).zip(u) {
                *y = g.mean_scale * uv + g.sd * zv;
            }
        }
    }

    /// Evaluates `log π̃_s` at the `rows` points of `s.ys` into `s.lp`.
    fn evaluate(&self, rows: usize, s: &mut Scratch) {
        let d = self.d();
        s.xs.resize(rows * d, 0.0);
        s.lp.resize(rows, 0.0);
        for (x, y) in s.xs.chunks_exact_mut(d).zip(s.ys.chunks_exact(d)) {
            self.reference.to_target(y, x);
        }
        self.target.log_density_batch(&s.xs, &mut s.lp);
    }

    fn resize(&self, rows: usize, s: &mut Scratch) {
        let d = self.d();
        s.eps.resize(rows * d, 0.0);
        s.z.resize(rows * d, 0.0);
        s.ys.resize(rows * d, 0.0);
        s.w.resize(rows, 0.0);
    }

    /// One particle's estimate from its own N draws: writes `m − μ` into `delta`,
    /// and a posterior draw (resampled by weight) into `draw` if given.
    pub fn own(
        &self,
        u: &[f64],
        noise: &NoiseSource<'_>,
        rng: &mut StreamRng,
        s: &mut Scratch,
        delta: &mut [f64],
        draw: Option<&mut [f64]>,
    ) -> ParticleEstimate {
        let d = self.d();
        let n = self.samples;
        self.resize(n, s);
        self.draw(u, noise, rng, s, 0);
        self.evaluate(n, s);
        let tau = self.geometry.tilt;
        let plain = self.chol.is_none() && self.defensive.count == 0;
        for k in 0..n {
            let l = s.lp[k];
            let y = &s.ys[k * d..(k + 1) * d];
            let mut lw = if l.is_nan() { f64::NEG_INFINITY } else { l };
            if tau != 0.0 {
                lw += 0.5 * tau * y.iter().map(|v| v * v).sum::<f64>();
            }
            if !plain {
                // log N(y; μ, σ² I) − log q(y): −|z|²/2 − log q(ε), constants dropped.
                let e2: f64 = s.eps[k * d..(k + 1) * d].iter().map(|v| v * v).sum();
                let z2: f64 = s.z[k * d..(k + 1) * d].iter().map(|v| v * v).sum();
                lw += -0.5 * z2 - self.defensive.log_proposal(e2, n, d);
            }
            s.w[k] = lw;
        }
        let sd = self.geometry.sd;
        let est = normalize(&mut s.w[..n]);
        delta.iter_mut().for_each(|v| *v = 0.0);
        if !est.fallback {
            for (w, zr) in s.w[..n].iter().zip(s.z.chunks_exact(d)) {
                if *w > 0.0 {
                    for (dv, zv) in delta.iter_mut().zip(zr) {
                        *dv += w * sd * zv;
                    }
                }
            }
        }
        if let Some(out) = draw {
            self.resample(rng, &s.w[..n], &s.ys, est.fallback, u, out);
        }
        est
    }

    /// A posterior draw: index by weight (weights normalized to sum 1), or μ on a
    /// fallback.
    fn resample(
        &self,
        rng: &mut StreamRng,
        w: &[f64],
        ys: &[f64],
        fallback: bool,
        u: &[f64],
        out: &mut [f64],
    ) {
        let d = self.d();
        if fallback {
            for (o, uv) in out.iter_mut().zip(u) {
                *o = self.geometry.mean_scale * uv;
            }
            return;
        }
        let r = uniform(rng);
        let mut acc = 0.0;
        let mut pick = 0;
        for (k, &wk) in w.iter().enumerate() {
            if wk > 0.0 {
                acc += wk;
                pick = k;
                if r < acc {
                    break;
                }
            }
        }
        out.copy_from_slice(&ys[pick * d..(pick + 1) * d]);
    }

    /// The estimates of a block of B particles (`us`, B × d) from the pooled draws
    /// of all of them (module docs): `deltas` (B × d) receives `m_j − μ_j`, `draws`
    /// (B × d) a posterior draw each if given. Particle j draws from `rngs[j]`.
    #[allow(clippy::too_many_arguments)]
    pub fn mixture(
        &self,
        us: &[f64],
        noise: &[NoiseSource<'_>],
        rngs: &mut [StreamRng],
        s: &mut Scratch,
        deltas: &mut [f64],
        mut draws: Option<&mut [f64]>,
        out: &mut Vec<ParticleEstimate>,
    ) {
        let d = self.d();
        let n = self.samples;
        let b = rngs.len();
        let rows = b * n;
        self.resize(rows, s);
        for (j, rng) in rngs.iter_mut().enumerate() {
            self.draw(&us[j * d..(j + 1) * d], &noise[j], rng, s, j * n);
        }
        self.evaluate(rows, s);
        let g = self.geometry;
        // ν_l = L⁻¹ μ_l / σ, so L⁻¹(y_p − μ_l)/σ = ε_p + ν_{j(p)} − ν_l.
        s.nu.resize(b * d, 0.0);
        for j in 0..b {
            let nu = &mut s.nu[j * d..(j + 1) * d];
            for (v, uv) in nu.iter_mut().zip(&us[j * d..(j + 1) * d]) {
                *v = g.mean_scale * uv / g.sd;
            }
            if let Some(l) = self.chol {
                lower_solve(l, nu);
            }
        }
        // log Q(y_p) up to a constant: log Σ_l q(ε_p + ν_j − ν_l), q the
        // two-component (main + defensive) proposal density in units of σ L.
        s.logq.resize(rows, 0.0);
        let mut terms = vec![0.0; b];
        for p in 0..rows {
            let j = p / n;
            let e = &s.eps[p * d..(p + 1) * d];
            let nu_j = &s.nu[j * d..(j + 1) * d];
            for (t, nu_l) in terms.iter_mut().zip(s.nu.chunks_exact(d)) {
                let r2: f64 = e
                    .iter()
                    .zip(nu_j)
                    .zip(nu_l)
                    .map(|((ek, a), c)| {
                        let v = ek + a - c;
                        v * v
                    })
                    .sum();
                *t = self.defensive.log_proposal(r2, n, d);
            }
            s.logq[p] = log_sum_exp(&terms);
        }
        // Base log weight of each draw: log π̃_s(y) + τ|y|²/2 − log Q(y).
        let base: Vec<f64> = (0..rows)
            .map(|p| {
                let l = s.lp[p];
                if l.is_nan() {
                    return f64::NEG_INFINITY;
                }
                let y = &s.ys[p * d..(p + 1) * d];
                let tilt = if g.tilt != 0.0 {
                    0.5 * g.tilt * y.iter().map(|v| v * v).sum::<f64>()
                } else {
                    0.0
                };
                l + tilt - s.logq[p]
            })
            .collect();
        let inv2 = 0.5 / (g.sd * g.sd);
        out.clear();
        let mut mu = vec![0.0; d];
        for i in 0..b {
            for (m, uv) in mu.iter_mut().zip(&us[i * d..(i + 1) * d]) {
                *m = g.mean_scale * uv;
            }
            for ((w, y), b0) in s.w[..rows].iter_mut().zip(s.ys.chunks_exact(d)).zip(&base) {
                let r2: f64 = y.iter().zip(&mu).map(|(a, c)| (a - c) * (a - c)).sum();
                *w = b0 - inv2 * r2;
            }
            let est = normalize(&mut s.w[..rows]);
            let delta = &mut deltas[i * d..(i + 1) * d];
            delta.iter_mut().for_each(|v| *v = 0.0);
            if !est.fallback {
                for (w, y) in s.w[..rows].iter().zip(s.ys.chunks_exact(d)) {
                    if *w > 0.0 {
                        for ((dv, yv), m) in delta.iter_mut().zip(y).zip(&mu) {
                            *dv += w * (yv - m);
                        }
                    }
                }
            }
            if let Some(dr) = draws.as_deref_mut() {
                let (w, ys) = (&s.w[..rows], &s.ys);
                self.resample(
                    &mut rngs[i],
                    w,
                    ys,
                    est.fallback,
                    &us[i * d..(i + 1) * d],
                    &mut dr[i * d..(i + 1) * d],
                );
            }
            out.push(est);
        }
    }

    /// The weighted covariance of the last own-draw estimate around its mean (for
    /// the ensemble shape), added into `acc` (d × d).
    pub fn add_posterior_covariance(&self, s: &mut Scratch, acc: &mut [f64]) {
        let d = self.d();
        let n = s.w.len().min(s.ys.len() / d.max(1));
        s.cov.clear();
        s.cov.resize(d, 0.0);
        for (w, y) in s.w[..n].iter().zip(s.ys.chunks_exact(d)) {
            for (m, v) in s.cov.iter_mut().zip(y) {
                *m += w * v;
            }
        }
        for (w, y) in s.w[..n].iter().zip(s.ys.chunks_exact(d)) {
            if *w > 0.0 {
                for a in 0..d {
                    let da = y[a] - s.cov[a];
                    for c in 0..d {
                        acc[a * d + c] += w * da * (y[c] - s.cov[c]);
                    }
                }
            }
        }
    }
}

/// Turns log weights into weights summing to 1 (in place); NaN and −∞ give 0.
fn normalize(w: &mut [f64]) -> ParticleEstimate {
    let max = w
        .iter()
        .fold(f64::NEG_INFINITY, |m, &l| if l > m { l } else { m });
    if !max.is_finite() {
        w.iter_mut().for_each(|v| *v = 0.0);
        return ParticleEstimate {
            ess: 0.0,
            fallback: true,
        };
    }
    let mut total = 0.0;
    for v in w.iter_mut() {
        let l = *v - max;
        // Weights below e^{−50} ≈ 2e−22 of the largest change the sums by less than
        // 1e−17 relative for up to 10⁵ draws: dropping them (and NaN) saves the exp
        // for the draws of far-away mixture components.
        *v = if l > NEGLIGIBLE { l.exp() } else { 0.0 };
        total += *v;
    }
    let mut sq = 0.0;
    for v in w.iter_mut() {
        *v /= total;
        sq += *v * *v;
    }
    ParticleEstimate {
        ess: 1.0 / sq,
        fallback: false,
    }
}

/// Log weights this far below the largest are set to 0 (see [`normalize`]).
const NEGLIGIBLE: f64 = -50.0;

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    // Terms more than 40 below the largest add less than e^{−40} ≈ 4e−18 relative
    // each: below f64 resolution for the B ≤ 10³ terms of a block.
    m + v
        .iter()
        .filter(|&&x| x - m > -40.0)
        .map(|x| (x - m).exp())
        .sum::<f64>()
        .ln()
}

/// The lower Cholesky factor of a symmetric positive-definite d × d matrix, or
/// `None` if it is not positive definite.
pub fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                let v = a[i * d + i] - s;
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                l[i * d + i] = v.sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// The proposal shape from a covariance estimate: trace-normalized to d, then
/// shrunk towards I, `C = (1 − λ) Ĉ + λ I`, so every eigenvalue is at least λ
/// (λ = [`SHAPE_SHRINKAGE`]); `None` if the estimate is degenerate.
pub fn shape(cov: &[f64], d: usize) -> Option<Vec<f64>> {
    let tr: f64 = (0..d).map(|i| cov[i * d + i]).sum();
    if !(tr > 0.0 && tr.is_finite()) {
        return None;
    }
    let k = d as f64 / tr;
    let mut c: Vec<f64> = cov
        .iter()
        .map(|v| v * k * (1.0 - SHAPE_SHRINKAGE))
        .collect();
    for i in 0..d {
        c[i * d + i] += SHAPE_SHRINKAGE;
    }
    Some(c)
}

/// Shrinkage of the ensemble shape towards I: keeps every direction of the
/// proposal at least √0.05 ≈ 0.22 of the isotropic width, so a direction the
/// ensemble has not explored yet is still proposed into.
pub const SHAPE_SHRINKAGE: f64 = 0.05;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_and_solves_invert_each_other() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2).unwrap();
        let mut v = [0.0; 2];
        lower_mul(&l, &[1.0, -2.0], &mut v);
        lower_solve(&l, &mut v);
        assert!((v[0] - 1.0).abs() < 1e-14 && (v[1] + 2.0).abs() < 1e-14);
        // L Lᵀ = A.
        assert!((l[0] * l[0] - 4.0).abs() < 1e-14);
        assert!((l[2] * l[2] + l[3] * l[3] - 3.0).abs() < 1e-14);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
