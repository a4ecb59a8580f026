//! The smoothed scores of walk-jump and the walk targets built on them.
//!
//! With `Y_t = X + σ N_t` (t = 1…m) and `ȳ = (1/m) Σ_t y_t` (research notes
//! samplers-a §2.1–2.3):
//!
//! ```text
//! x̂(ȳ)                        = E[X | y_{1:m}] = ȳ + (σ²/m) ∇log p_{σ²/m}(ȳ)           (the jump)
//! log p(y_{1:m})               = log p_{σ²/m}(ȳ) − Σ_t |y_t − ȳ|² / (2σ²) + const
//! ∇_{y_t} log p(y_{1:m})       = (x̂(ȳ) − y_t) / σ²                                     (every t)
//! log p(y_m | y_{1:m−1})       = log p_{σ²/m}(ȳ) − (|y_m|² − m |ȳ|²) / (2σ²) + const
//! ```
//!
//! The last line follows from the second: with `y_{1:m−1}` fixed,
//! `Σ_t |y_t − ȳ|² = Σ_t |y_t|² − m|ȳ|²` and `Σ_{t<m} |y_t|²` is a constant.
//!
//! [`Scores`] gives `x̂(ȳ)` at each noise level `σ²/m` from closed-form smoothing
//! (`sampo_core::Smoothable`; each evaluation counted as one gradient evaluation on
//! the run's counter) or from the shared importance estimators of `sampo-score`
//! (`E[X | ȳ]` is the mean of `q(x) ∝ π̃(x) N(x; ȳ, σ²/m I)`). The walk targets:
//! [`Conditional`] (one at a time, `p(y_m | y_{1:m−1})` over `R^d`) and [`Joint`]
//! (all at once, `p(y_{1:M})` over `R^{Md}`), each as a `GradTarget` for analytic
//! scores (so MALA can use their densities) and as an estimated
//! [`sampo_core::Drift`] ([`Estimated`]) otherwise.

use sampo_core::rng::StreamRng;
use sampo_core::{
    CountedRef, Counter, Divergence, Drift, DriftEval, EvalCounts, GradTarget, Smoothed, Target,
};
use sampo_score::{Factor, IsConfig, PosteriorMean, Workspace};

/// The smoothed score at the levels `σ²/m`.
pub enum Scores<'a> {
    /// Closed form: `levels[m − 1]` is `p_{σ²/m}`.
    Analytic {
        /// The smoothed densities, one per level.
        levels: Vec<Box<dyn Smoothed>>,
        /// The run's counter (each evaluation counts as one gradient evaluation).
        counter: &'a Counter,
    },
    /// Importance sampling of `E[X | ȳ]` (density evaluations).
    Is {
        /// The estimator over the counted density.
        estimator: PosteriorMean<'a, dyn Target + 'a>,
        /// Its plan.
        plan: IsConfig,
    },
    /// The gradient-based importance estimator (gradient evaluations).
    IsGradient {
        /// The estimator over the counted gradient target.
        estimator: PosteriorMean<'a, dyn GradTarget + 'a>,
        /// Its plan.
        plan: IsConfig,
    },
}

impl Scores<'_> {
    /// The analytic level `p_{σ²/m}`, counted (None for Monte Carlo scores).
    pub fn level(&self, m: usize) -> Option<CountedRef<'_, dyn Smoothed>> {
        match self {
            Scores::Analytic { levels, counter } => {
                Some(CountedRef::new(levels[m - 1].as_ref(), counter))
            }
            _ => None,
        }
    }

    /// Writes the jump `x̂(ȳ) = E[X | ȳ]` at level `variance = σ²/m` into `out`;
    /// `ws` is the estimator's workspace (unused by analytic scores).
    pub fn jump(
        &self,
        m: usize,
        variance: f64,
        ybar: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<EvalCounts, Divergence> {
        match self {
            Scores::Analytic { .. } => {
                let level = self.level(m).expect("analytic");
                level.log_density_grad(ybar, out);
                for (o, y) in out.iter_mut().zip(ybar) {
                    *o = y + variance * *o;
                }
                Ok(EvalCounts::gradient(1))
            }
            Scores::Is { estimator, plan } => {
                let e = estimator.importance(&factor(ybar, variance), plan, ws, None)?;
                sampo_score::mean_into(ws, variance, out);
                Ok(e.evaluations)
            }
            Scores::IsGradient { estimator, plan } => {
                let e = estimator.importance_gradient(&factor(ybar, variance), plan, ws)?;
                sampo_score::mean_into(ws, variance, out);
                Ok(e.evaluations)
            }
        }
    }

    /// One draw of `p(x | ȳ)` at level `variance` into `out`: exact for analytic
    /// scores (counted as one gradient evaluation), one importance draw resampled by
    /// weight otherwise (`samples` density evaluations).
    pub fn posterior_draw(
        &self,
        m: usize,
        variance: f64,
        ybar: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<EvalCounts, Divergence> {
        let f = factor(ybar, variance);
        let e = match self {
            Scores::Analytic { levels, counter } => {
                levels[m - 1].posterior_draw(ybar, &mut ws.rng, out);
                counter.add_gradient(1, 0);
                return Ok(EvalCounts::gradient(1));
            }
            Scores::Is { estimator, plan } => estimator.importance(&f, plan, ws, Some(out))?,
            Scores::IsGradient { estimator, plan } => {
                estimator.importance(&f, plan, ws, Some(out))?
            }
        };
        Ok(e.evaluations)
    }
}

/// The Gaussian factor `N(x; ȳ, v I)` of the denoising posterior.
fn factor(ybar: &[f64], variance: f64) -> Factor<'_> {
    Factor {
        x: ybar,
        scale: 1.0,
        variance,
    }
}

/// Calls `f` with zeroed scratch of length `n` (on the stack up to 64 numbers).
fn with_scratch<R>(n: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    if n <= 64 {
        let mut buf = [0.0; 64];
        f(&mut buf[..n])
    } else {
        f(&mut vec![0.0; n])
    }
}

/// `ȳ = (sum + y) / m` into `out`.
fn running_mean(sum: &[f64], y: &[f64], m: usize, out: &mut [f64]) {
    let inv = 1.0 / m as f64;
    for ((o, s), v) in out.iter_mut().zip(sum).zip(y) {
        *o = (s + v) * inv;
    }
}

/// The mean of the M blocks of `ys` (M·d) into `out` (d).
fn block_mean(ys: &[f64], out: &mut [f64]) {
    let d = out.len();
    let m = ys.len() / d;
    out.iter_mut().for_each(|o| *o = 0.0);
    for block in ys.chunks_exact(d) {
        out.iter_mut().zip(block).for_each(|(o, v)| *o += v);
    }
    out.iter_mut().for_each(|o| *o /= m as f64);
}

/// The one-at-a-time walk target `p(y_m | y_{1:m−1})` over `R^d` (module docs), with
/// `sum = Σ_{t<m} y_t`.
pub struct Conditional<'k> {
    /// The scores.
    pub scores: &'k Scores<'k>,
    /// The measurement m ≥ 1.
    pub m: usize,
    /// σ².
    pub sigma2: f64,
    /// `Σ_{t<m} y_t`.
    pub sum: &'k [f64],
}

impl Target for Conditional<'_> {
    fn dim(&self) -> usize {
        self.sum.len()
    }
    /// `log p_{σ²/m}(ȳ) − (|y|² − m|ȳ|²)/(2σ²)` (analytic scores only; NaN otherwise).
    fn log_density(&self, y: &[f64]) -> f64 {
        let Some(level) = self.scores.level(self.m) else {
            return f64::NAN;
        };
        with_scratch(y.len(), |ybar| {
            running_mean(self.sum, y, self.m, ybar);
            level.log_density(ybar) - self.quadratic(y, ybar)
        })
    }
}

impl Conditional<'_> {
    /// `(|y|² − m|ȳ|²)/(2σ²)`.
    fn quadratic(&self, y: &[f64], ybar: &[f64]) -> f64 {
        let y2: f64 = y.iter().map(|v| v * v).sum();
        let b2: f64 = ybar.iter().map(|v| v * v).sum();
        (y2 - self.m as f64 * b2) / (2.0 * self.sigma2)
    }
}

impl GradTarget for Conditional<'_> {
    /// The density above and `((σ²/m) ∇log p_{σ²/m}(ȳ) + ȳ − y)/σ² = (x̂ − y)/σ²`.
    fn log_density_grad(&self, y: &[f64], grad: &mut [f64]) -> f64 {
        let Some(level) = self.scores.level(self.m) else {
            grad.iter_mut().for_each(|g| *g = f64::NAN);
            return f64::NAN;
        };
        let (m, s2) = (self.m as f64, self.sigma2);
        with_scratch(y.len(), |ybar| {
            running_mean(self.sum, y, self.m, ybar);
            let lp = level.log_density_grad(ybar, grad);
            for ((g, b), v) in grad.iter_mut().zip(ybar.iter()).zip(y) {
                *g = (s2 / m * *g + b - v) / s2;
            }
            lp - self.quadratic(y, ybar)
        })
    }
}

/// The all-at-once walk target `p(y_{1:M})` over `R^{Md}` (module docs).
pub struct Joint<'k> {
    /// The scores.
    pub scores: &'k Scores<'k>,
    /// M.
    pub m: usize,
    /// σ².
    pub sigma2: f64,
    /// d.
    pub d: usize,
}

impl Target for Joint<'_> {
    fn dim(&self) -> usize {
        self.m * self.d
    }
    /// `log p_{σ²/M}(ȳ) − Σ_t |y_t − ȳ|²/(2σ²)` (analytic scores only).
    fn log_density(&self, ys: &[f64]) -> f64 {
        let Some(level) = self.scores.level(self.m) else {
            return f64::NAN;
        };
        with_scratch(self.d, |ybar| {
            block_mean(ys, ybar);
            level.log_density(ybar) - self.spread(ys, ybar)
        })
    }
}

impl Joint<'_> {
    /// `Σ_t |y_t − ȳ|² / (2σ²)`.
    fn spread(&self, ys: &[f64], ybar: &[f64]) -> f64 {
        let ss: f64 = ys
            .chunks_exact(self.d)
            .flat_map(|b| b.iter().zip(ybar).map(|(v, m)| (v - m) * (v - m)))
            .sum();
        ss / (2.0 * self.sigma2)
    }
}

impl GradTarget for Joint<'_> {
    /// `∇_{y_t} = ((σ²/M) ∇log p_{σ²/M}(ȳ) + ȳ − y_t)/σ²` for every block t.
    fn log_density_grad(&self, ys: &[f64], grad: &mut [f64]) -> f64 {
        let Some(level) = self.scores.level(self.m) else {
            grad.iter_mut().for_each(|g| *g = f64::NAN);
            return f64::NAN;
        };
        let (m, s2, d) = (self.m as f64, self.sigma2, self.d);
        with_scratch(2 * d, |buf| {
            let (ybar, xhat) = buf.split_at_mut(d);
            block_mean(ys, ybar);
            let lp = level.log_density_grad(ybar, xhat);
            for (x, b) in xhat.iter_mut().zip(ybar.iter()) {
                *x = b + s2 / m * *x;
            }
            for (gb, yb) in grad.chunks_exact_mut(d).zip(ys.chunks_exact(d)) {
                for ((g, x), v) in gb.iter_mut().zip(xhat.iter()).zip(yb) {
                    *g = (x - v) / s2;
                }
            }
            lp - self.spread(ys, ybar)
        })
    }
}

/// A walk target whose score is estimated by Monte Carlo: [`Conditional`] (with
/// `sum`) or [`Joint`] (without), as a [`Drift`] whose workspace is the
/// estimator's.
pub struct Estimated<'k> {
    /// The scores (a Monte Carlo variant).
    pub scores: &'k Scores<'k>,
    /// m (OAT) or M (AAO).
    pub m: usize,
    /// σ².
    pub sigma2: f64,
    /// d.
    pub d: usize,
    /// OAT: `Σ_{t<m} y_t`; AAO: `None` (the state is the M blocks).
    pub sum: Option<&'k [f64]>,
}

impl Drift for Estimated<'_> {
    type Workspace = Workspace;

    fn drift_dim(&self) -> usize {
        if self.sum.is_some() {
            self.d
        } else {
            self.m * self.d
        }
    }

    /// The estimator's stream is split from the walk's.
    fn drift_workspace(&self, rng: &mut StreamRng) -> Workspace {
        Workspace::new(self.d, sampo_core::rng::split(rng))
    }

    /// `(x̂(ȳ) − y_t)/σ²` with `x̂` estimated.
    fn drift(
        &self,
        ys: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<DriftEval, Divergence> {
        let (d, s2) = (self.d, self.sigma2);
        let level = s2 / self.m as f64;
        with_scratch(2 * d, |buf| {
            let (ybar, xhat) = buf.split_at_mut(d);
            match self.sum {
                Some(sum) => running_mean(sum, ys, self.m, ybar),
                None => block_mean(ys, ybar),
            }
            let cost = self.scores.jump(self.m, level, ybar, ws, xhat)?;
            for (gb, yb) in out.chunks_exact_mut(d).zip(ys.chunks_exact(d)) {
                for ((g, x), v) in gb.iter_mut().zip(xhat.iter()).zip(yb) {
                    *g = (x - v) / s2;
                }
            }
            Ok(DriftEval::with_cost(cost))
        })
    }
}
