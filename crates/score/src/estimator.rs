//! Estimators of the posterior mean `m = E_q[x0]` of
//! `q(x0) ∝ π̃(x0) N(x0; c, v I)` (see [`crate::posterior`]).
//!
//! Every estimator reports `ε̄ = (m̂ − c) / s`, `s = √v`, the mean posterior draw in
//! units of the Gaussian factor; then `m̂ = c + s ε̄`. Callers turn it into a score
//! without cancellation (rdMC: `∇log p_t(x) = ε̄ / √(1 − e^{−2t})`, because
//! `a s = √(1 − a²)` with `a = e^{−t}`; walk-jump: `(m̂ − ȳ)/v = ε̄ / s`).
//!
//! - **IS** ([`PosteriorMean::importance`]): `x0_i = c + s ε_i`, `ε_i ~ N(0, I)` drawn
//!   as a randomly shifted lattice, iid, or in antithetic pairs `(ε, −ε)`
//!   ([`crate::Proposal`]); `log w_i = log π̃(x0_i)` (the proposal is the Gaussian
//!   factor of q, so no proposal correction) — except for the **defensive
//!   component**: `M = round(f N)` of the draws use `ε_i ~ N(0, κ² I)` instead
//!   (`defensive_fraction` f, `defensive_scale` κ), and every weight carries the
//!   balance-heuristic factor of the two-component proposal,
//!   `φ(ε)/[(1 − f)φ(ε) + f κ^{−d} φ(ε/κ)] = 1/[(1 − f) + f κ^{−d} exp(|ε|² (1 − 1/κ²)/2)]`
//!   with f = M/N (Veach & Guibas 1995; Owen & Zhou 2000, "Safe and effective
//!   importance sampling"). N(0, I) draws reach only `|ε| ≈ 3.5–4`, so a posterior
//!   further out would be clipped; the wider draws reach about 9.
//!   `ε̄ = Σ w_i ε_i / Σ w_i` with the weights formed in log space after subtracting
//!   the largest. NaN and −∞ log densities get weight 0. If every weight is 0 the
//!   target gave no information: **fallback** `ε̄ = 0`, i.e. `m̂ = c` (never NaN);
//!   counted in [`Workspace::fallbacks`].
//! - **Gradient-based IS** ([`PosteriorMean::importance_gradient`]): the same draws
//!   and weights, averaging `s ∇log π̃(x0_i)` instead of `ε_i` (SLIPS
//!   `score_mc_est_grad_based`; walk-jump's second Monte Carlo estimator).
//! - **ULA** ([`PosteriorMean::ula`], rdMC's Algorithm 2): `chains`
//!   `sampo_langevin::Ula` chains on q with step `τ = min(step_scale · v, max_step)`,
//!   started from the Gaussian factor (or at its centre); `m̂` = mean of the final
//!   iterates.
//! - **MALA** ([`PosteriorMean::mala`], SLIPS's hybrid): IS draws as above, `chains`
//!   starting points resampled multinomially from the IS weights,
//!   `sampo_langevin::Mala` chains on q; during the first `steps − kept` steps
//!   (burn-in) the common step is multiplied by `exp(ā − target_accept)` after each
//!   step (ā = mean acceptance probability over the chains), then frozen; `m̂` =
//!   mean over the kept iterates of all chains. The step starts at `step_scale · v`
//!   and each particle carries its adapted ratio `h / v` to its next call. If every
//!   IS weight vanished, the MALA chains are skipped and the IS fallback is returned.
//!
//! A **posterior draw** is one IS draw resampled by weight (IS, or MALA's fallback),
//! or the final iterate of chain 0 (ULA, MALA).
//!
//! **Cost.** Every call returns the evaluations it spent, exactly: IS `samples`
//! density evaluations; gradient-based IS `samples` gradient evaluations; ULA `chains · (steps + 1)` gradient evaluations (one at each
//! chain's start); MALA its IS draws plus `chains · (steps + 1)` gradient
//! evaluations, less the proposals that overflowed to ±∞ (rejected unevaluated).
//! Data terms of a finite-sum target are counted on top.
//!
//! **Randomness.** All draws come from the workspace's stream, in a fixed order, so
//! an estimate depends only on (stream state, centre, variance, config).

use crate::config::{ChainInit, IsConfig, MalaChains, Proposal, UlaChainsConfig};
use crate::posterior::GaussianPosterior;
use crate::workspace::Workspace;
use sampo_core::qmc::Lattice;
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{Divergence, EvalCounts, GradTarget, Kernel, StepInfo, Target};
use sampo_langevin::{Mala, MalaConfig, Ula, UlaConfig};

/// The Gaussian factor `N(x0; c, v I)` of one estimate, with the centre given as
/// `c = scale · x` (rdMC: `e^t x`; walk-jump: `ȳ` with scale 1).
#[derive(Debug, Clone, Copy)]
pub struct Factor<'x> {
    /// The point x.
    pub x: &'x [f64],
    /// The factor's centre is `scale · x`.
    pub scale: f64,
    /// The factor's variance v > 0.
    pub variance: f64,
}

/// What one estimate produced besides `ε̄` (left in the workspace).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    /// Target evaluations spent.
    pub evaluations: EvalCounts,
    /// Mean MALA acceptance probability over the kept steps (MALA only).
    pub acceptance: Option<f64>,
    /// The inner step size used (ULA, MALA).
    pub step_size: Option<f64>,
    /// True if every importance weight vanished (the fallback was used).
    pub fallback: bool,
}

/// The estimator over a borrowed target (usually a counted one).
#[derive(Debug, Clone)]
pub struct PosteriorMean<'a, T: ?Sized> {
    target: &'a T,
    /// The lattices of the lattice proposal, one per importance sample size used
    /// (built once: the generator search costs milliseconds).
    lattices: Vec<Lattice>,
}

impl<'a, T: Target + ?Sized> PosteriorMean<'a, T> {
    /// An estimator that will run the importance plans in `plans` (their lattices
    /// are built now); the plans must have been validated.
    pub fn new<'p>(target: &'a T, plans: impl IntoIterator<Item = &'p IsConfig>) -> Self {
        let d = target.dim();
        let sizes = plans
            .into_iter()
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
        PosteriorMean { target, lattices }
    }

    /// The target.
    pub fn target(&self) -> &'a T {
        self.target
    }

    /// Checks the dimension and sets the centre `c = scale · x`.
    fn prepare(&self, f: &Factor<'_>, ws: &mut Workspace) -> Result<(), Divergence> {
        let (x, scale) = (f.x, f.scale);
        let d = x.len();
        if d != self.target.dim() {
            return Err(Divergence {
                reason: format!(
                    "point has {d} coordinates, the target has dimension {}",
                    self.target.dim()
                ),
            });
        }
        ws.ensure_dim(d);
        for (c, xi) in ws.center.iter_mut().zip(x) {
            *c = scale * xi;
        }
        Ok(())
    }

    fn density_cost(&self, n: usize) -> EvalCounts {
        EvalCounts::density(n as u64).with_data_terms(n as u64 * self.target.data_terms())
    }

    /// Importance sampling under the factor `f`: fills `ws.eps_bar()` (module
    /// docs); `draw`, if given, receives one draw resampled by weight.
    pub fn importance(
        &self,
        f: &Factor<'_>,
        plan: &IsConfig,
        ws: &mut Workspace,
        draw: Option<&mut [f64]>,
    ) -> Result<Estimate, Divergence> {
        self.prepare(f, ws)?;
        let total = self.is_weights(f.variance, plan, ws);
        if let Some(out) = draw {
            sir_draw(ws, total, out);
        }
        Ok(Estimate {
            evaluations: self.density_cost(plan.samples),
            fallback: total <= 0.0,
            ..Default::default()
        })
    }

    /// Draws the IS proposal, evaluates the weights and forms `ε̄`. Returns the
    /// normalizing sum `Σ w_i` (0 when every weight vanished) and leaves the
    /// unnormalized weights `w_i = exp(log w_i − max)` in `ws.logw`.
    fn is_weights(&self, variance: f64, plan: &IsConfig, ws: &mut Workspace) -> f64 {
        self.is_weights_with(
            variance,
            plan,
            ws,
            None::<fn(&[f64], &mut [f64], &mut [f64])>,
        )
    }

    /// [`Self::is_weights`]; with `grad_eval` the draws are evaluated by it (log
    /// densities and gradients, into `ws.grads`) and `ε̄ = s Σ w̄_i ∇log π̃(x0_i)`
    /// instead of `Σ w̄_i ε_i` (the gradient-based estimator).
    fn is_weights_with(
        &self,
        variance: f64,
        plan: &IsConfig,
        ws: &mut Workspace,
        grad_eval: Option<impl FnOnce(&[f64], &mut [f64], &mut [f64])>,
    ) -> f64 {
        let d = ws.center.len();
        let n = plan.samples;
        let s = variance.sqrt();
        ws.eps.resize(n * d, 0.0);
        ws.xs.resize(n * d, 0.0);
        ws.logw.resize(n, 0.0);
        ws.shift.resize(d, 0.0);
        let n_def = plan.defensive_count();
        let n_main = n - n_def;
        let (main, def) = ws.eps[..n * d].split_at_mut(n_main * d);
        self.fill_noise(plan.proposal, main, &mut ws.shift, &mut ws.rng);
        if n_def > 0 {
            self.fill_noise(plan.proposal, def, &mut ws.shift, &mut ws.rng);
            def.iter_mut().for_each(|e| *e *= plan.defensive_scale);
        }
        for (xr, er) in ws.xs.chunks_exact_mut(d).zip(ws.eps.chunks_exact(d)) {
            for ((xv, e), c) in xr.iter_mut().zip(er).zip(&ws.center) {
                *xv = c + s * e;
            }
        }
        let with_grad = grad_eval.is_some();
        match grad_eval {
            Some(eval) => {
                ws.grads.resize(n * d, 0.0);
                eval(&ws.xs[..n * d], &mut ws.grads[..n * d], &mut ws.logw[..n]);
            }
            None => self
                .target
                .log_density_batch(&ws.xs[..n * d], &mut ws.logw[..n]),
        }
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
        // The field averaged: the noise ε_i, or s ∇log π̃(x0_i) (gradient-based).
        let (field, field_scale) = if with_grad {
            (&ws.grads, s)
        } else {
            (&ws.eps, 1.0)
        };
        for (w, er) in ws.logw.iter_mut().zip(field.chunks_exact(d)) {
            // l − max ≤ 0; NaN and −∞ give weight 0 (a +∞ log density makes every
            // weight NaN or 0, hence the fallback).
            let v = (*w - max).exp();
            let v = if v.is_finite() && er.iter().all(|g| g.is_finite()) {
                v
            } else {
                0.0
            };
            *w = v;
            if v > 0.0 {
                total += v;
                let vs = v * field_scale;
                for (e, ej) in ws.eps_bar.iter_mut().zip(er) {
                    *e += vs * ej;
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
                    .expect("a lattice is built for every sample size of the plans");
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

/// One IS draw resampled by weight; with no weight, a draw from the proposal.
fn sir_draw(ws: &mut Workspace, total: f64, out: &mut [f64]) {
    let d = ws.center.len();
    let n = ws.logw.len();
    let i = if total > 0.0 {
        resample_one(&ws.logw[..n], total, &mut ws.rng)
    } else {
        0
    };
    out.copy_from_slice(&ws.xs[i * d..(i + 1) * d]);
}

fn failure(reason: String) -> Divergence {
    Divergence { reason }
}

impl<'a, T: GradTarget + ?Sized> PosteriorMean<'a, T> {
    /// The **gradient-based** importance estimator (SLIPS
    /// `score_mc_est_grad_based`): the same draws and weights as
    /// [`PosteriorMean::importance`], but `ε̄ = s Σ w̄_i ∇log π̃(x0_i)`, from
    /// `∇log p(c) = E_q[∇log π̃(X)]` for the smoothing `p = π ∗ N(0, v I)` at the
    /// centre c (differentiate `∫ π̃(c − u) N(u; 0, v I) du` under the integral). It
    /// estimates the same posterior mean `c + s ε̄`; its variance is lower where π̃
    /// varies slowly on the scale s and higher where the modes are narrow (on the
    /// ZOD-MC mixture at v = 9, whose components have variances down to 0.1, its
    /// replicate spread was 7× the plain estimator's: measured in sampo-walkjump's
    /// tests). A draw whose gradient is not finite gets weight 0.
    /// Cost: `samples` fused value-and-gradient evaluations.
    pub fn importance_gradient(
        &self,
        f: &Factor<'_>,
        plan: &IsConfig,
        ws: &mut Workspace,
    ) -> Result<Estimate, Divergence> {
        self.prepare(f, ws)?;
        let target = self.target;
        let total = self.is_weights_with(
            f.variance,
            plan,
            ws,
            Some(|xs: &[f64], g: &mut [f64], out: &mut [f64]| {
                target.log_density_grad_batch(xs, g, out)
            }),
        );
        let n = plan.samples as u64;
        Ok(Estimate {
            evaluations: EvalCounts::gradient(n).with_data_terms(n * self.target.data_terms()),
            fallback: total <= 0.0,
            ..Default::default()
        })
    }

    /// ULA chains on q (module docs); `draw` receives chain 0's final iterate.
    pub fn ula(
        &self,
        f: &Factor<'_>,
        c: &UlaChainsConfig,
        ws: &mut Workspace,
        draw: Option<&mut [f64]>,
    ) -> Result<Estimate, Divergence> {
        self.prepare(f, ws)?;
        let variance = f.variance;
        let d = ws.center.len();
        let s = variance.sqrt();
        let tau = (c.step_scale * variance).min(c.max_step);
        let center = std::mem::take(&mut ws.center);
        let q = GaussianPosterior::new(self.target, &center, variance);
        let kernel = Ula::new(&q, UlaConfig::new(tau)).map_err(|e| failure(e.to_string()))?;
        ws.sum.iter_mut().for_each(|v| *v = 0.0);
        ws.xs.resize(d, 0.0);
        let mut spent = EvalCounts::ZERO;
        let mut result = Ok(());
        for j in 0..c.chains {
            let x0 = &mut ws.xs[..d];
            match c.init {
                ChainInit::Normal => {
                    fill_standard_normal(&mut ws.rng, x0);
                    for (v, cv) in x0.iter_mut().zip(&center) {
                        *v = cv + s * *v;
                    }
                }
                ChainInit::Delta => x0.copy_from_slice(&center),
            }
            let mut state = match kernel.init(x0, &mut ws.rng) {
                Ok((st, cost)) => {
                    spent += cost;
                    st
                }
                Err(e) => {
                    result = Err(failure(format!("inner ULA chain {j} could not start: {e}")));
                    break;
                }
            };
            for k in 0..c.steps {
                match kernel.step(&(), &mut state, &mut ws.rng) {
                    Ok(info) => spent += info.evaluations(),
                    Err(e) => {
                        result = Err(failure(format!(
                            "inner ULA chain {j}, step {}: {}",
                            k + 1,
                            e.reason
                        )));
                        break;
                    }
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
        Ok(Estimate {
            evaluations: spent,
            step_size: Some(tau),
            ..Default::default()
        })
    }

    /// MALA chains on q started from the importance draws of `start` (module docs);
    /// `draw` receives chain 0's final iterate (or a resampled IS draw if every
    /// weight vanished).
    pub fn mala(
        &self,
        f: &Factor<'_>,
        start: &IsConfig,
        c: &MalaChains,
        ws: &mut Workspace,
        draw: Option<&mut [f64]>,
    ) -> Result<Estimate, Divergence> {
        self.prepare(f, ws)?;
        let variance = f.variance;
        let d = ws.center.len();
        let n = start.samples;
        let total = self.is_weights(variance, start, ws);
        let mut spent = self.density_cost(n);
        if total <= 0.0 {
            if let Some(out) = draw {
                sir_draw(ws, total, out);
            }
            return Ok(Estimate {
                evaluations: spent,
                fallback: true,
                ..Default::default()
            });
        }
        // Multinomial resampling of the chain starts.
        ws.starts.clear();
        for _ in 0..c.chains {
            let i = resample_one(&ws.logw[..n], total, &mut ws.rng);
            ws.starts.push(i);
        }
        let s = variance.sqrt();
        let h0 = ws.mala_ratio.unwrap_or(c.step_scale) * variance;
        let center = std::mem::take(&mut ws.center);
        let q = GaussianPosterior::new(self.target, &center, variance);
        let kernel = Mala::new(&q, MalaConfig::new(h0)).map_err(|e| failure(e.to_string()))?;
        let mut states = Vec::with_capacity(c.chains);
        let mut fail = None;
        for (j, &i) in ws.starts.iter().enumerate() {
            match kernel.init(&ws.xs[i * d..(i + 1) * d], &mut ws.rng) {
                Ok((st, cost)) => {
                    spent += cost;
                    states.push(st);
                }
                Err(e) => {
                    fail = Some(failure(format!(
                        "inner MALA chain {j} could not start: {e}"
                    )));
                    break;
                }
            }
        }
        if let Some(f) = fail {
            ws.center = center;
            return Err(f);
        }
        let mut tuning = kernel.initial_tuning();
        let kept = c.kept;
        let burn = c.steps - kept;
        ws.sum.iter_mut().for_each(|v| *v = 0.0);
        let mut acc_kept = 0.0;
        let inv_chains = 1.0 / c.chains as f64;
        for k in 0..c.steps {
            let mut acc = 0.0;
            for (j, st) in states.iter_mut().enumerate() {
                // MALA rejects non-finite proposals; a divergence is not expected.
                let info = match kernel.step(&tuning, st, &mut ws.rng) {
                    Ok(info) => info,
                    Err(e) => {
                        fail = Some(failure(format!(
                            "inner MALA chain {j}, step {}: {}",
                            k + 1,
                            e.reason
                        )));
                        break;
                    }
                };
                spent += info.evaluations;
                acc += info.acceptance_probability;
                if k >= burn {
                    for (sv, p) in ws.sum.iter_mut().zip(kernel.position(st)) {
                        *sv += p;
                    }
                }
            }
            if fail.is_some() {
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
        if let Some(f) = fail {
            return Err(f);
        }
        let h = tuning.step_size;
        ws.mala_ratio = Some(h / variance);
        let inv = 1.0 / (c.chains * kept) as f64;
        for ((e, sv), cv) in ws.eps_bar.iter_mut().zip(&ws.sum).zip(&ws.center) {
            *e = (sv * inv - cv) / s;
        }
        Ok(Estimate {
            evaluations: spent,
            acceptance: Some(acc_kept / kept as f64),
            step_size: Some(h),
            fallback: false,
        })
    }
}

/// `m̂ = c + √v ε̄` of the last estimate, into `out`.
pub fn mean_into(ws: &Workspace, variance: f64, out: &mut [f64]) {
    let s = variance.sqrt();
    for ((o, c), e) in out.iter_mut().zip(&ws.center).zip(&ws.eps_bar) {
        *o = c + s * e;
    }
}
