//! rdMC's score of the OU marginals, from the shared posterior-mean estimators of
//! `sampo-score` (samplers-a §1.2):
//!
//! ```text
//! q_t(x0 | x) ∝ π̃(x0) · N(x0; e^t x, (e^{2t} − 1) I)
//! ∇log p_t(x) = (a m_t(x) − x) / (1 − a²) = ε̄ / √(1 − a²),   a = e^{−t}
//! ```
//!
//! with `m_t(x) = E_{q_t}[x0] = e^t x + √(e^{2t} − 1) ε̄`. The "noise form" `ε̄ / √(1 − a²)`
//! avoids the cancellation of `a m̂ − x` at large t, where `e^t x` is large.
//!
//! [`ScoreEstimator`] picks the estimator at each forward time from the
//! [`InnerConfig`]: importance sampling, ULA chains, or IS-initialized MALA chains
//! (IS alone above `is_only_above`). [`ScoreAt`] is that score at one time as a
//! [`Drift`], so the `sampo_langevin::Ula` kernel runs rdMC's warm start directly.

use crate::config::InnerConfig;
use sampo_core::rng::StreamRng;
use sampo_core::{Divergence, Drift, DriftEval, EvalCounts, GradTarget};
use sampo_score::{Estimate, Factor, IsConfig, PosteriorMean, Workspace, mean_into};

/// `e^{2t} − 1`, the variance of the Gaussian factor of `q_t`, without cancellation
/// at small t.
#[inline]
pub fn factor_variance(t: f64) -> f64 {
    (2.0 * t).exp_m1()
}

/// `√(1 − e^{−2t})`.
#[inline]
fn sqrt_one_minus_a2(t: f64) -> f64 {
    (-(-2.0 * t).exp_m1()).sqrt()
}

/// The score estimator over a borrowed target (usually a counted one).
#[derive(Debug, Clone)]
pub struct ScoreEstimator<'a, T: ?Sized> {
    inner: PosteriorMean<'a, T>,
    config: InnerConfig,
}

impl<'a, T: GradTarget + ?Sized> ScoreEstimator<'a, T> {
    /// An estimator; `config` must have been validated.
    pub fn new(target: &'a T, config: InnerConfig) -> Self {
        let plans: Vec<IsConfig> = match config {
            InnerConfig::Is(c) => vec![c],
            InnerConfig::Mala(c) => vec![c.is_plan(c.samples), c.is_plan(c.start_samples)],
            InnerConfig::Ula(_) => vec![],
        };
        ScoreEstimator {
            inner: PosteriorMean::new(target, &plans),
            config,
        }
    }

    /// The inner configuration.
    pub fn config(&self) -> &InnerConfig {
        &self.config
    }

    /// Fills `ws.eps_bar()` for `q_t(· | x)` (and `draw`, if given).
    fn estimate(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        draw: Option<&mut [f64]>,
    ) -> Result<Estimate, Divergence> {
        // q_t(· | x): the factor N(x0; e^t x, (e^{2t} − 1) I).
        let f = Factor {
            x,
            scale: t.exp(),
            variance: factor_variance(t),
        };
        let est = &self.inner;
        match self.config {
            InnerConfig::Is(c) => est.importance(&f, &c, ws, draw),
            InnerConfig::Ula(c) => est.ula(&f, &c, ws, draw),
            InnerConfig::Mala(c) if c.is_only_at(t) => {
                est.importance(&f, &c.is_plan(c.samples), ws, draw)
            }
            InnerConfig::Mala(c) => {
                est.mala(&f, &c.is_plan(c.start_samples), &c.chains_plan(), ws, draw)
            }
        }
    }

    /// Estimates `∇log p_t(x)` into `out`.
    pub fn score(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<Estimate, Divergence> {
        let info = self.estimate(t, x, ws, None)?;
        let k = 1.0 / sqrt_one_minus_a2(t);
        for (o, e) in out.iter_mut().zip(ws.eps_bar()) {
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
        out: &mut [f64],
    ) -> Result<Estimate, Divergence> {
        let info = self.estimate(t, x, ws, None)?;
        mean_into(ws, factor_variance(t), out);
        Ok(info)
    }

    /// One approximate draw from `q_t(· | x)` into `out` (see `sampo_score`).
    pub fn posterior_draw(
        &self,
        t: f64,
        x: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<Estimate, Divergence> {
        self.estimate(t, x, ws, Some(out))
    }
}

/// The estimated score `∇log p_t` at one forward time t, as a [`Drift`].
pub struct ScoreAt<'e, 'a, T: ?Sized> {
    /// The estimator.
    pub estimator: &'e ScoreEstimator<'a, T>,
    /// The forward time.
    pub t: f64,
}

impl<T: GradTarget + ?Sized> Drift for ScoreAt<'_, '_, T> {
    type Workspace = Workspace;

    fn drift_dim(&self) -> usize {
        self.estimator.inner.target().dim()
    }

    /// A workspace whose stream is seeded from the chain's (rdMC itself gives each
    /// particle the stream `(seed ^ INNER_SALT, i)` instead).
    fn drift_workspace(&self, rng: &mut StreamRng) -> Workspace {
        Workspace::new(self.drift_dim(), sampo_core::rng::split(rng))
    }

    fn drift(
        &self,
        x: &[f64],
        ws: &mut Workspace,
        out: &mut [f64],
    ) -> Result<DriftEval, Divergence> {
        let e = self.estimator.score(self.t, x, ws, out)?;
        Ok(DriftEval {
            evaluations: e.evaluations,
            log_density: None,
            acceptance: e.acceptance,
        })
    }

    fn drift_cost(&self) -> Option<EvalCounts> {
        None
    }
}
