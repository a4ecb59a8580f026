//! Estimators of the posterior mean `m_t(x) = E_{q_t}[x0]` and hence of the score
//! (Tweedie, samplers-a §1.2):
//!
//! ```text
//! ∇log p_t(x) = (a m_t(x) − x) / (1 − a²),   a = e^{−t}
//! ```
//!
//! Every estimator reports `ε̄ = (m̂ − e^t x) / s`, `s = √(e^{2t} − 1)`, the mean
//! posterior draw in units of the Gaussian factor; then `m̂ = e^t x + s ε̄` and
//! `v = ε̄ / √(1 − a²)` (because `a s = √(1 − a²)`). This "noise form" avoids the
//! cancellation of `a m̂ − x` at large t, where `e^t x` is large.
//!
//! - **IS** ([`crate::InnerConfig::Is`]): `x0_i = e^t x + s ε_i`, `ε_i ~ N(0, I)`
//!   drawn as a randomly shifted lattice, iid, or in antithetic pairs `(ε, −ε)`
//!   ([`crate::Proposal`]); `log w_i = log π̃(x0_i)` (the
//!   proposal is the Gaussian factor of q_t, so no proposal correction) — except
//!   for the **defensive component**: `M = round(f N)` of the draws use
//!   `ε_i ~ N(0, κ² I)` instead (`defensive_fraction` f, `defensive_scale` κ), and
//!   every weight carries the balance-heuristic factor of the two-component
//!   proposal, `φ(ε)/[(1 − f)φ(ε) + f κ^{−d} φ(ε/κ)]
//!   = 1/[(1 − f) + f κ^{−d} exp(|ε|² (1 − 1/κ²)/2)]` with f = M/N (Veach &
//!   Guibas 1995; Owen & Zhou 2000, "Safe and effective importance sampling").
//!   N(0, I) draws reach only `|ε| ≈ 3.5–4`, so a posterior further out (a
//!   particle in the tail of p_t) would be clipped; the wider draws reach about 9.
//!   `ε̄ = Σ w_i ε_i / Σ w_i` with the weights formed in log space after subtracting
//!   the largest. NaN and −∞ log densities get weight 0. If every weight is 0
//!   the target gave no information: **fallback** `ε̄ = 0`, i.e. `m̂ = e^t x`
//!   and a zero score (never NaN); counted in [`Workspace::fallbacks`].
//! - **ULA** (the paper's Algorithm 2): `chains` `sampo_langevin::Ula` chains on
//!   [`Posterior`] with step `τ = min(step_scale (e^{2t} − 1), max_step)`, started
//!   from the Gaussian factor (or at its mean); `m̂` = mean of the final iterates.
//! - **MALA** (SLIPS's hybrid): IS draws as above (`start_samples` of them),
//!   `chains` starting points resampled
//!   multinomially from the IS weights, `sampo_langevin::Mala` chains on
//!   [`Posterior`]; during the first `steps − kept` steps (burn-in) the common step
//!   is multiplied by `exp(ā − target_accept)` after each step (ā = mean acceptance
//!   probability over the chains), then frozen; `m̂` = mean over the kept iterates
//!   of all chains. The step starts at `step_scale (e^{2t} − 1)` and each particle
//!   carries its adapted ratio `h / (e^{2t} − 1)` to its next call. If every IS weight
//!   vanished, the MALA chains are skipped and the IS fallback is returned. Above
//!   `is_only_above`, the IS estimate with `samples` draws is returned alone.
//!
//! A **posterior draw** (for [`crate::Output::Posterior`]) is one IS draw resampled
//! by weight (IS, or MALA above `is_only_above`), or the final iterate of chain 0
//! (ULA, MALA).

use crate::config::{ChainInit, InnerConfig, IsConfig, MalaInnerConfig, Proposal, UlaInnerConfig};
use crate::posterior::{Posterior, factor_variance};
use sampo_core::qmc::Lattice;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{GradTarget, Kernel};
use sampo_langevin::{Mala, MalaConfig, Ula, UlaConfig};

/// Why an inner estimate failed (the sampler adds the particle and step).
#[derive(Debug, Clone, PartialEq)]
pub struct InnerFailure {
    /// What went wrong.
    pub reason: String,
}

/// Per-particle scratch memory and statistics of the inner estimators.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    center: Vec<f64>,
    eps: Vec<f64>,
    xs: Vec<f64>,
    logw: Vec<f64>,
    sum: Vec<f64>,
    eps_bar: Vec<f64>,
    shift: Vec<f64>,
    starts: Vec<usize>,
    /// The MALA step ratio `h / (e^{2t} − 1)` carried between calls.
    mala_ratio: Option<f64>,
    /// Calls whose IS weights all vanished (module docs).
    pub fallbacks: u64,
}

impl Workspace {
    /// Scratch for dimension d.
    pub fn new(d: usize) -> Self {
        Workspace {
            center: vec![0.0; d],
            sum: vec![0.0; d],
            eps_bar: vec![0.0; d],
            shift: vec![0.0; d],
            ..Default::default()
        }
    }

    /// The last `ε̄` (module docs).
    pub fn eps_bar(&self) -> &[f64] {
        &self.eps_bar
    }

    /// The MALA step ratio carried to the next call, if any.
    pub fn mala_ratio(&self) -> Option<f64> {
        self.mala_ratio
    }
}

/// Diagnostics of one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CallInfo {
    /// Mean MALA acceptance probability over the kept steps (MALA only).
    pub acceptance: Option<f64>,
    /// The inner step size used (ULA, MALA).
    pub step_size: Option<f64>,
    /// True if every IS weight vanished (the fallback was used).
    pub fallback: bool,
}

/// One importance-sampling call: N draws, of which `round(f N)` come from the
/// defensive component (module docs).
#[derive(Debug, Clone, Copy)]
struct IsPlan {
    samples: usize,
    proposal: Proposal,
    defensive_fraction: f64,
    defensive_scale: f64,
}

impl IsPlan {
    fn of_is(c: &IsConfig) -> Self {
        IsPlan {
            samples: c.samples,
            proposal: c.proposal,
            defensive_fraction: c.defensive_fraction,
            defensive_scale: c.defensive_scale,
        }
    }

    fn of_mala(c: &MalaInnerConfig, samples: usize) -> Self {
        IsPlan {
            samples,
            proposal: c.proposal,
            defensive_fraction: c.defensive_fraction,
            defensive_scale: c.defensive_scale,
        }
    }

    /// `round(f N)`, kept below N so the main component has a draw.
    fn defensive_count(&self) -> usize {
        if self.defensive_scale <= 1.0 {
            return 0;
        }
        ((self.defensive_fraction * self.samples as f64).round() as usize).min(self.samples - 1)
    }
}

/// The score estimator over a borrowed target (usually a `Counted` one).
#[derive(Debug, Clone)]
pub struct ScoreEstimator<'a, T: ?Sized> {
    target: &'a T,
    config: InnerConfig,
    /// The lattices of the lattice proposal, one per importance sample size used
    /// (built once: the generator search costs milliseconds).
    lattices: Vec<Lattice>,
}

/// `√(1 − e^{−2t})`.
#[inline]
fn sqrt_one_minus_a2(t: f64) -> f64 {
    (-(-2.0 * t).exp_m1()).sqrt()
}

impl<'a, T: GradTarget + ?Sized> ScoreEstimator<'a, T> {
    /// An estimator; `config` must have been validated.
    pub fn new(target: &'a T, config: InnerConfig) -> Self {
        let d = target.dim();
        let plans = match config {
            InnerConfig::Is(c) => vec![IsPlan::of_is(&c)],
            InnerConfig::Mala(c) => vec![
                IsPlan::of_mala(&c, c.samples),
                IsPlan::of_mala(&c, c.start_samples),
            ],
            InnerConfig::Ula(_) => vec![],
        };
        let sizes = plans
            .iter()
            .filter(|p| p.proposal == Proposal::Lattice)
            .flat_map(|p| {
                let def = p.defensive_count();
                [p.samples - def, def]
            });
        let mut lattices: Vec<Lattice> = Vec::new();
        for n in sizes {
            if n >= 1 && d >= 1 && !lattices.iter().any(|l| l.len() == n) {
                lattices.push(Lattice::korobov(n, d));
            }
        }
        ScoreEstimator {
            target,
            config,
            lattices,
        }
    }

    /// The inner configuration.
    pub fn config(&self) -> &InnerConfig {
        &self.config
    }

    /// Estimates `∇log p_t(x)` into `out`.
    pub fn score(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        rng: &mut StreamRng,
        out: &mut [f64],
    ) -> Result<CallInfo, InnerFailure> {
        let info = self.estimate(t, x, ws, rng, None)?;
        let k = 1.0 / sqrt_one_minus_a2(t);
        for (o, e) in out.iter_mut().zip(&ws.eps_bar) {
            *o = k * e;
        }
        Ok(info)
    }

    /// Estimates the posterior mean `m_t(x)` into `out`.
    pub fn posterior_mean(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        rng: &mut StreamRng,
        out: &mut [f64],
    ) -> Result<CallInfo, InnerFailure> {
        let info = self.estimate(t, x, ws, rng, None)?;
        let s = factor_variance(t).sqrt();
        for ((o, c), e) in out.iter_mut().zip(&ws.center).zip(&ws.eps_bar) {
            *o = c + s * e;
        }
        Ok(info)
    }

    /// One approximate draw from `q_t(· | x)` into `out` (module docs).
    pub fn posterior_draw(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        rng: &mut StreamRng,
        out: &mut [f64],
    ) -> Result<CallInfo, InnerFailure> {
        self.estimate(t, x, ws, rng, Some(out))
    }

    /// Fills `ws.eps_bar` (and `draw`, if given).
    fn estimate(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        rng: &mut StreamRng,
        draw: Option<&mut [f64]>,
    ) -> Result<CallInfo, InnerFailure> {
        let d = x.len();
        if d != self.target.dim() {
            return Err(InnerFailure {
                reason: format!(
                    "point has {d} coordinates, the target has dimension {}",
                    self.target.dim()
                ),
            });
        }
        if ws.center.len() != d {
            *ws = Workspace {
                fallbacks: ws.fallbacks,
                mala_ratio: ws.mala_ratio,
                ..Workspace::new(d)
            };
        }
        let et = t.exp();
        for (c, xi) in ws.center.iter_mut().zip(x) {
            *c = et * xi;
        }
        match self.config {
            InnerConfig::Is(c) => self.importance(t, c, ws, rng, draw),
            InnerConfig::Ula(c) => self.ula(t, c, ws, rng, draw),
            InnerConfig::Mala(c) => self.mala(t, c, ws, rng, draw),
        }
    }

    /// Draws the IS proposal, evaluates the weights and forms `ε̄`. Returns the
    /// normalizing sum `Σ w_i` (0 when every weight vanished) and leaves the
    /// unnormalized weights `w_i = exp(log w_i − max)` in `ws.logw`.
    fn is_weights(&self, t: f64, plan: IsPlan, ws: &mut Workspace, rng: &mut StreamRng) -> f64 {
        let d = ws.center.len();
        let n = plan.samples;
        let s = factor_variance(t).sqrt();
        ws.eps.resize(n * d, 0.0);
        ws.xs.resize(n * d, 0.0);
        ws.logw.resize(n, 0.0);
        ws.shift.resize(d, 0.0);
        let n_def = plan.defensive_count();
        let n_main = n - n_def;
        let (main, def) = ws.eps[..n * d].split_at_mut(n_main * d);
        self.fill_noise(plan.proposal, main, &mut ws.shift, rng);
        if n_def > 0 {
            self.fill_noise(plan.proposal, def, &mut ws.shift, rng);
            def.iter_mut().for_each(|e| *e *= plan.defensive_scale);
        }
        for (xr, er) in ws.xs.chunks_exact_mut(d).zip(ws.eps.chunks_exact(d)) {
            for ((xv, e), c) in xr.iter_mut().zip(er).zip(&ws.center) {
                *xv = c + s * e;
            }
        }
        self.target
            .log_density_batch(&ws.xs[..n * d], &mut ws.logw[..n]);
        if n_def > 0 {
            // Balance-heuristic weights of the two-component proposal (module docs):
            // log φ(ε)/q(ε) = −ln[(1 − f) + f κ^{−d} exp(|ε|² (1 − 1/κ²)/2)].
            let f = n_def as f64 / n as f64;
            let k2 = plan.defensive_scale * plan.defensive_scale;
            let ln_main = (1.0 - f).ln();
            let ln_def = f.ln() - 0.5 * d as f64 * k2.ln();
            let c = 0.5 * (1.0 - 1.0 / k2);
            for (w, er) in ws.logw.iter_mut().zip(ws.eps.chunks_exact(d)) {
                let r2: f64 = er.iter().map(|e| e * e).sum();
                let b = ln_def + c * r2;
                let (hi, lo) = if b > ln_main {
                    (b, ln_main)
                } else {
                    (ln_main, b)
                };
                *w -= hi + (lo - hi).exp().ln_1p();
            }
        }
        // NaN counts as −∞ (weight 0).
        let max = ws
            .logw
            .iter()
            .fold(f64::NEG_INFINITY, |m, &l| if l > m { l } else { m });
        ws.eps_bar.iter_mut().for_each(|e| *e = 0.0);
        if max == f64::NEG_INFINITY || max.is_nan() {
            ws.logw.iter_mut().for_each(|w| *w = 0.0);
            ws.fallbacks += 1;
            return 0.0;
        }
        let mut total = 0.0;
        for (w, er) in ws.logw.iter_mut().zip(ws.eps.chunks_exact(d)) {
            // l − max ≤ 0; NaN and −∞ give weight 0 (a +∞ log density makes every
            // weight NaN or 0, hence the fallback).
            let v = (*w - max).exp();
            let v = if v.is_finite() { v } else { 0.0 };
            *w = v;
            if v > 0.0 {
                total += v;
                for (e, ej) in ws.eps_bar.iter_mut().zip(er) {
                    *e += v * ej;
                }
            }
        }
        if total > 0.0 {
            ws.eps_bar.iter_mut().for_each(|e| *e /= total);
        } else {
            ws.fallbacks += 1;
        }
        total
    }

    /// Fills `eps` (`m × d`) with N(0, I) noise drawn as `proposal` says.
    fn fill_noise(
        &self,
        proposal: Proposal,
        eps: &mut [f64],
        shift: &mut [f64],
        rng: &mut StreamRng,
    ) {
        let d = shift.len();
        let m = eps.len() / d;
        match proposal {
            Proposal::Lattice => {
                let lattice = self
                    .lattices
                    .iter()
                    .find(|l| l.len() == m && l.dim() == d)
                    .expect("a lattice is built for every sample size of the config");
                lattice.fill_standard_normal(rng, shift, eps);
            }
            Proposal::Antithetic => {
                for pair in eps.chunks_exact_mut(2 * d) {
                    let (a, b) = pair.split_at_mut(d);
                    fill_standard_normal(rng, a);
                    for (bj, aj) in b.iter_mut().zip(a.iter()) {
                        *bj = -aj;
                    }
                }
                if m % 2 == 1 {
                    fill_standard_normal(rng, &mut eps[(m - 1) * d..]);
                }
            }
            Proposal::Iid => fill_standard_normal(rng, eps),
        }
    }

    /// Index drawn with probability `w_i / total` (inverse CDF of one uniform).
    fn resample_one(weights: &[f64], total: f64, rng: &mut StreamRng) -> usize {
        let u = uniform(rng) * total;
        let mut acc = 0.0;
        let mut last = 0;
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                acc += w;
                last = i;
                if u < acc {
                    return i;
                }
            }
        }
        last
    }

    fn importance(
        &self,
        t: f64,
        c: IsConfig,
        ws: &mut Workspace,
        rng: &mut StreamRng,
        draw: Option<&mut [f64]>,
    ) -> Result<CallInfo, InnerFailure> {
        let total = self.is_weights(t, IsPlan::of_is(&c), ws, rng);
        if let Some(out) = draw {
            Self::sir_draw(ws, total, rng, out);
        }
        Ok(CallInfo {
            fallback: total <= 0.0,
            ..Default::default()
        })
    }

    /// One IS draw resampled by weight; with no weight, a draw from the proposal.
    fn sir_draw(ws: &Workspace, total: f64, rng: &mut StreamRng, out: &mut [f64]) {
        let d = ws.center.len();
        let n = ws.logw.len();
        let i = if total > 0.0 {
            Self::resample_one(&ws.logw[..n], total, rng)
        } else {
            0
        };
        out.copy_from_slice(&ws.xs[i * d..(i + 1) * d]);
    }

    fn ula(
        &self,
        t: f64,
        c: UlaInnerConfig,
        ws: &mut Workspace,
        rng: &mut StreamRng,
        draw: Option<&mut [f64]>,
    ) -> Result<CallInfo, InnerFailure> {
        let d = ws.center.len();
        let var = factor_variance(t);
        let s = var.sqrt();
        let tau = (c.step_scale * var).min(c.max_step);
        let center = std::mem::take(&mut ws.center);
        let q = Posterior::new(self.target, &center, t);
        let kernel = Ula::new(&q, UlaConfig::new(tau)).map_err(|e| InnerFailure {
            reason: e.to_string(),
        })?;
        ws.sum.iter_mut().for_each(|v| *v = 0.0);
        ws.xs.resize(d, 0.0);
        let mut result = Ok(());
        for j in 0..c.chains {
            let x0 = &mut ws.xs[..d];
            match c.init {
                ChainInit::Normal => {
                    fill_standard_normal(rng, x0);
                    for (v, cv) in x0.iter_mut().zip(&center) {
                        *v = cv + s * *v;
                    }
                }
                ChainInit::Delta => x0.copy_from_slice(&center),
            }
            let mut state = match kernel.init(x0) {
                Ok(st) => st,
                Err(e) => {
                    result = Err(InnerFailure {
                        reason: format!("inner ULA chain {j} could not start: {e}"),
                    });
                    break;
                }
            };
            for k in 0..c.steps {
                if let Err(e) = kernel.step(&(), &mut state, rng) {
                    result = Err(InnerFailure {
                        reason: format!("inner ULA chain {j}, step {}: {}", k + 1, e.reason),
                    });
                    break;
                }
            }
            if result.is_err() {
                break;
            }
            let pos = kernel.position(&state);
            for (sv, p) in ws.sum.iter_mut().zip(pos) {
                *sv += p;
            }
            if j == 0 {
                ws.xs[..d].copy_from_slice(pos);
            }
        }
        // ws.xs[..d] now holds chain 0's final iterate.
        ws.center = center;
        result?;
        let inv = 1.0 / c.chains as f64;
        for ((e, sv), cv) in ws.eps_bar.iter_mut().zip(&ws.sum).zip(&ws.center) {
            *e = (sv * inv - cv) / s;
        }
        if let Some(out) = draw {
            out.copy_from_slice(&ws.xs[..d]);
        }
        Ok(CallInfo {
            step_size: Some(tau),
            ..Default::default()
        })
    }

    fn mala(
        &self,
        t: f64,
        c: MalaInnerConfig,
        ws: &mut Workspace,
        rng: &mut StreamRng,
        draw: Option<&mut [f64]>,
    ) -> Result<CallInfo, InnerFailure> {
        let d = ws.center.len();
        let n = c.samples_at(t);
        let total = self.is_weights(t, IsPlan::of_mala(&c, n), ws, rng);
        if c.is_only_at(t) || total <= 0.0 {
            if let Some(out) = draw {
                Self::sir_draw(ws, total, rng, out);
            }
            return Ok(CallInfo {
                fallback: total <= 0.0,
                ..Default::default()
            });
        }
        // Multinomial resampling of the chain starts.
        ws.starts.clear();
        for _ in 0..c.chains {
            let i = Self::resample_one(&ws.logw[..n], total, rng);
            ws.starts.push(i);
        }
        let var = factor_variance(t);
        let s = var.sqrt();
        let h0 = ws.mala_ratio.unwrap_or(c.step_scale) * var;
        let center = std::mem::take(&mut ws.center);
        let q = Posterior::new(self.target, &center, t);
        let kernel = Mala::new(&q, MalaConfig::new(h0)).map_err(|e| InnerFailure {
            reason: e.to_string(),
        })?;
        let mut states = Vec::with_capacity(c.chains);
        let mut failure = None;
        for (j, &i) in ws.starts.iter().enumerate() {
            match kernel.init(&ws.xs[i * d..(i + 1) * d]) {
                Ok(st) => states.push(st),
                Err(e) => {
                    failure = Some(InnerFailure {
                        reason: format!("inner MALA chain {j} could not start: {e}"),
                    });
                    break;
                }
            }
        }
        if let Some(f) = failure {
            ws.center = center;
            return Err(f);
        }
        let mut tuning = kernel.initial_tuning();
        let kept = c.kept_steps();
        let burn = c.steps - kept;
        ws.sum.iter_mut().for_each(|v| *v = 0.0);
        let mut acc_kept = 0.0;
        let inv_chains = 1.0 / c.chains as f64;
        for k in 0..c.steps {
            let mut acc = 0.0;
            for (j, st) in states.iter_mut().enumerate() {
                // MALA rejects non-finite proposals; a divergence is not expected.
                let info = match kernel.step(&tuning, st, rng) {
                    Ok(info) => info,
                    Err(e) => {
                        failure = Some(InnerFailure {
                            reason: format!("inner MALA chain {j}, step {}: {}", k + 1, e.reason),
                        });
                        break;
                    }
                };
                acc += info.acceptance_probability;
                if k >= burn {
                    for (sv, p) in ws.sum.iter_mut().zip(kernel.position(st)) {
                        *sv += p;
                    }
                }
            }
            if failure.is_some() {
                break;
            }
            let acc = acc * inv_chains;
            if k < burn {
                tuning.step_size *= (acc - c.target_accept).exp();
            } else {
                acc_kept += acc;
            }
        }
        if let Some(out) = draw {
            out.copy_from_slice(kernel.position(&states[0]));
        }
        ws.center = center;
        if let Some(f) = failure {
            return Err(f);
        }
        let h = tuning.step_size;
        ws.mala_ratio = Some(h / var);
        let inv = 1.0 / (c.chains * kept) as f64;
        for ((e, sv), cv) in ws.eps_bar.iter_mut().zip(&ws.sum).zip(&ws.center) {
            *e = (sv * inv - cv) / s;
        }
        Ok(CallInfo {
            acceptance: Some(acc_kept / kept as f64),
            step_size: Some(h),
            fallback: false,
        })
    }
}
