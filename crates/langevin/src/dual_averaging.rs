//! Step-size adaptation by Nesterov dual averaging (Hoffman & Gelman 2014, *The
//! No-U-Turn Sampler*, JMLR 15, §3.2.1 and Algorithm 5).
//!
//! During warm-up step `t = 1, 2, …`, with `α_t` the Metropolis–Hastings acceptance
//! probability of that step and `δ` the target acceptance,
//!
//! ```text
//! H̄_t      = (1 − 1/(t + t0)) H̄_{t−1} + (δ − α_t)/(t + t0)        H̄_0 = 0
//! log ε_t  = μ − (√t / γ) H̄_t                                      (the step used next)
//! log ε̄_t  = t^{−κ} log ε_t + (1 − t^{−κ}) log ε̄_{t−1}            log ε̄_0 = 0
//! ```
//!
//! and at the end of warm-up the step size is frozen at `ε̄`. `μ = log(μ_scale · ε0)`
//! is the point the iterates are shrunk towards; a value above `log ε0` favours
//! trying larger steps early, which is cheap to correct.
//!
//! The configuration ([`DualAveraging`]) is kernel-wide plain data; the evolving
//! state ([`DualAveragingState`]) lives in each chain's tuning, so every chain adapts
//! its own step size and checkpoints carry it.

use sampo_core::{CoreError, validate};
use serde::{Deserialize, Serialize};

/// Dual-averaging parameters; every field has a default, so a TOML table may set
/// only some of them (`adapt = {}` takes all defaults).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DualAveraging {
    /// Target acceptance probability δ ∈ (0, 1). Default 0.574, the asymptotically
    /// optimal MALA acceptance rate for product targets as d → ∞ (Roberts & Rosenthal
    /// 1998, *Optimal scaling of discrete approximations to Langevin diffusions*,
    /// JRSS B 60). Low-dimensional targets often prefer 0.5–0.65.
    #[serde(default = "default_target_accept")]
    pub target_accept: f64,
    /// Offset t0 ≥ 0 that damps the first iterations. Default 10 (Hoffman & Gelman 2014, §3.2.1).
    #[serde(default = "default_t0")]
    pub t0: f64,
    /// Shrinkage γ > 0 towards μ. Default 0.05 (Hoffman & Gelman 2014, §3.2.1).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
    /// Averaging exponent κ ∈ (0.5, 1]: the weight of the newest iterate in ε̄ is
    /// t^{−κ}. The range is Nesterov's condition for the averaged iterate to converge.
    /// Default 0.75 (Hoffman & Gelman 2014, §3.2.1).
    #[serde(default = "default_kappa")]
    pub kappa: f64,
    /// μ = log(mu_scale · ε0), with ε0 the configured initial step size. Default 10
    /// (Hoffman & Gelman 2014, Algorithm 5).
    #[serde(default = "default_mu_scale")]
    pub mu_scale: f64,
}

fn default_target_accept() -> f64 {
    0.574
}
fn default_t0() -> f64 {
    10.0
}
fn default_gamma() -> f64 {
    0.05
}
fn default_kappa() -> f64 {
    0.75
}
fn default_mu_scale() -> f64 {
    10.0
}

impl Default for DualAveraging {
    fn default() -> Self {
        DualAveraging {
            target_accept: default_target_accept(),
            t0: default_t0(),
            gamma: default_gamma(),
            kappa: default_kappa(),
            mu_scale: default_mu_scale(),
        }
    }
}

impl DualAveraging {
    /// The defaults with another target acceptance.
    pub fn with_target_accept(target_accept: f64) -> Self {
        DualAveraging {
            target_accept,
            ..Self::default()
        }
    }

    /// Checks every field; `prefix` is prepended to field names (e.g. `"adapt."`).
    pub fn validate(&self, prefix: &str) -> Result<(), CoreError> {
        let name = |f: &str| format!("{prefix}{f}");
        validate::open_interval(&name("target_accept"), self.target_accept, 0.0, 1.0)?;
        validate::non_negative(&name("t0"), self.t0)?;
        validate::positive(&name("gamma"), self.gamma)?;
        if !(self.kappa > 0.5 && self.kappa <= 1.0) {
            return Err(CoreError::invalid(
                name("kappa"),
                self.kappa,
                "must lie in (0.5, 1] (Nesterov's condition for the averaged iterate)",
            ));
        }
        validate::positive(&name("mu_scale"), self.mu_scale)?;
        Ok(())
    }

    /// The state at the start of warm-up, from the initial step size `ε0`.
    pub fn start(&self, step_size: f64) -> DualAveragingState {
        DualAveragingState {
            iter: 0,
            h_bar: 0.0,
            log_step: step_size.ln(),
            log_step_avg: 0.0,
            mu: (self.mu_scale * step_size).ln(),
        }
    }
}

/// log ε is kept within ±700 so that `exp` never overflows to ∞ or underflows to 0
/// (e^{±700} ≈ 10^{±304} is inside the normal f64 range): a zero or infinite step
/// would make every proposal non-finite, hence rejected, and could trap the iterates.
const LOG_STEP_BOUND: f64 = 700.0;

/// The evolving dual-averaging state of one chain (plain data, checkpointed).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DualAveragingState {
    /// Number of updates so far, t.
    pub iter: u64,
    /// H̄_t, the running average of δ − α.
    pub h_bar: f64,
    /// log ε_t, the step size to use next during warm-up.
    pub log_step: f64,
    /// log ε̄_t, the averaged iterate frozen at the end of warm-up.
    pub log_step_avg: f64,
    /// The shrinkage point μ.
    pub mu: f64,
}

impl DualAveragingState {
    /// One update with the acceptance probability `accept_prob` of the last step;
    /// returns the new step size ε_t. A NaN acceptance counts as 0.
    pub fn update(&mut self, cfg: &DualAveraging, accept_prob: f64) -> f64 {
        let alpha = if accept_prob.is_nan() {
            0.0
        } else {
            accept_prob.clamp(0.0, 1.0)
        };
        self.iter += 1;
        let t = self.iter as f64;
        let w = 1.0 / (t + cfg.t0);
        self.h_bar = (1.0 - w) * self.h_bar + w * (cfg.target_accept - alpha);
        self.log_step =
            (self.mu - t.sqrt() / cfg.gamma * self.h_bar).clamp(-LOG_STEP_BOUND, LOG_STEP_BOUND);
        let eta = t.powf(-cfg.kappa);
        self.log_step_avg = eta * self.log_step + (1.0 - eta) * self.log_step_avg;
        self.log_step.exp()
    }

    /// The current iterate ε_t.
    pub fn step_size(&self) -> f64 {
        self.log_step.exp()
    }

    /// The averaged iterate ε̄_t (meaningful once `iter ≥ 1`).
    pub fn averaged_step_size(&self) -> f64 {
        self.log_step_avg.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic acceptance curve α(ε) = exp(−ε): dual averaging must drive the
    /// averaged step to the root of α(ε) = δ, i.e. ε* = −ln δ.
    #[test]
    fn converges_to_the_root_of_a_deterministic_acceptance_curve() {
        let cfg = DualAveraging::default();
        let mut st = cfg.start(1.0);
        let mut eps = st.step_size();
        for _ in 0..20_000 {
            eps = st.update(&cfg, (-eps).exp());
        }
        let target = -cfg.target_accept.ln();
        let avg = st.averaged_step_size();
        assert!((avg - target).abs() < 1e-2 * target, "{avg} vs {target}");
    }

    #[test]
    fn first_update_matches_the_formula() {
        let cfg = DualAveraging::default();
        let mut st = cfg.start(0.5);
        let e = st.update(&cfg, 1.0);
        // H̄_1 = (δ − 1)/(1 + t0); log ε_1 = μ − H̄_1/γ; log ε̄_1 = log ε_1 (weight 1^{−κ} = 1).
        let h = (0.574 - 1.0) / 11.0;
        let log_e = (10.0f64 * 0.5).ln() - h / 0.05;
        assert!((e.ln() - log_e).abs() < 1e-12);
        assert!((st.log_step_avg - log_e).abs() < 1e-12);
        assert!(cfg.validate("adapt.").is_ok());
    }
}
