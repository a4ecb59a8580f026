//! A weighted population of tempered particles: what SMC and AIS share.
//!
//! Particle i owns the random stream `(seed, i)` for its moves; resampling copies
//! an ancestor's position into slot i but slot i keeps its own stream, so no two
//! particles ever draw the same numbers. The population-level draws (the uniform of
//! systematic resampling) come from the stream `(seed, 2⁶⁴ − 1)`. Moves run in parallel
//! over particles and are reduced in index order: results do not depend on the
//! number of threads.

use crate::moves::{Move, Particle, Scratch, mala, particle_at, particle_at_density, rwm};
use crate::path::Reference;
use rayon::prelude::*;
use sampo_core::rng::{StreamRng, stream, uniform};
use sampo_core::{CoreError, EvalCounts, GradTarget, Target};
use serde::{Deserialize, Serialize};

/// The target as the samplers see it: its density, and its gradient when the move
/// needs one.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    /// The log density.
    pub density: &'a dyn Target,
    /// The fused value and gradient (`None`: gradient-free moves only).
    pub gradient: Option<&'a dyn GradTarget>,
}

impl<'a> Model<'a> {
    /// A target with a gradient (MALA or RWM moves).
    pub fn with_gradient(target: &'a dyn GradTarget) -> Self {
        Model {
            density: target,
            gradient: Some(target),
        }
    }

    /// A density-only target (RWM moves only).
    pub fn density_only(target: &'a dyn Target) -> Self {
        Model {
            density: target,
            gradient: None,
        }
    }

    /// Evaluations of one move of kind `m`.
    pub fn move_cost(&self, m: Move) -> EvalCounts {
        let terms = self.density.data_terms();
        match m {
            Move::Mala => EvalCounts::gradient(1).with_data_terms(terms),
            Move::Rwm => EvalCounts::density(1).with_data_terms(terms),
        }
    }

    /// The gradient target a MALA move needs, or a named error.
    pub fn require_gradient(&self) -> Result<&dyn GradTarget, CoreError> {
        self.gradient.ok_or_else(|| CoreError::Unsupported {
            reason: "the MALA move needs the target's gradient; use `move = \"rwm\"` on a density-only target".into(),
        })
    }
}

/// Systematic or multinomial resampling.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Resampling {
    /// One uniform, N evenly spaced points on the weights' CDF (lower variance).
    /// Default.
    #[default]
    Systematic,
    /// N independent draws from the weights (the setting in which Lee & Whiteley's
    /// single-run variance estimate of log Z is proven).
    Multinomial,
}

/// Salt of the population-level stream.
const POPULATION_STREAM: u64 = u64::MAX;

/// Particles, their streams and log weights, and each particle's Eve (its ancestor
/// at the initial step, for the variance estimate of log Z).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Population {
    /// The particles.
    pub particles: Vec<Particle>,
    /// One stream per particle slot.
    pub rngs: Vec<StreamRng>,
    /// Unnormalized log weights.
    pub log_w: Vec<f64>,
    /// Positions, n × d row-major (kept in step with the particles).
    pub positions: Vec<f64>,
    /// Index of each particle's initial ancestor.
    pub eve: Vec<usize>,
    /// The population-level stream.
    pub rng: StreamRng,
    /// Resampling events so far.
    pub resamplings: u64,
}

impl Population {
    /// `n` exact draws of the reference, each evaluated once (with the gradient for
    /// MALA moves); returns the population and what it cost.
    pub fn from_reference(
        model: &Model<'_>,
        reference: &Reference,
        mv: Move,
        n: usize,
        d: usize,
        seed: u64,
    ) -> Result<(Self, EvalCounts), CoreError> {
        let grad = match mv {
            Move::Mala => Some(model.require_gradient()?),
            Move::Rwm => None,
        };
        let mut rngs: Vec<StreamRng> = (0..n).map(|i| stream(seed, i as u64)).collect();
        let particles: Vec<Particle> = rngs
            .par_iter_mut()
            .map(|r| {
                let mut x = vec![0.0; d];
                reference.sample(r, &mut x);
                match grad {
                    Some(g) => particle_at(g, reference, x, true),
                    None => particle_at_density(model.density, reference, x),
                }
            })
            .collect();
        let positions = particles.iter().flat_map(|p| p.x.iter().copied()).collect();
        Ok((
            Population {
                particles,
                rngs,
                log_w: vec![0.0; n],
                positions,
                eve: (0..n).collect(),
                rng: stream(seed, POPULATION_STREAM),
                resamplings: 0,
            },
            model.move_cost(mv).times(n as u64),
        ))
    }

    /// Number of particles.
    pub fn len(&self) -> usize {
        self.particles.len()
    }

    /// Whether the population is empty.
    pub fn is_empty(&self) -> bool {
        self.particles.is_empty()
    }

    /// Normalized weights `W_i ∝ exp(log w_i)` (NaN and −∞ give 0).
    pub fn weights(&self) -> Vec<f64> {
        normalized(&self.log_w)
    }

    /// Kish's effective sample size `(Σ w)² / Σ w²` of the current weights.
    pub fn ess(&self) -> f64 {
        sampo_metrics::ess::kish_ess(&self.log_w)
    }

    /// Multiplies the weights by `exp(Δβ ℓ_i)`; returns the log of the weighted mean
    /// incremental weight, `log Σ_i W_i exp(Δβ ℓ_i)`, the stage's factor of Ẑ.
    pub fn reweight(&mut self, dbeta: f64) -> f64 {
        let w = self.weights();
        let inc: Vec<f64> = self
            .particles
            .iter()
            .map(|p| safe(dbeta * p.ell()))
            .collect();
        for (lw, i) in self.log_w.iter_mut().zip(&inc) {
            *lw += i;
        }
        let m = inc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if m == f64::NEG_INFINITY {
            return f64::NEG_INFINITY;
        }
        m + w
            .iter()
            .zip(&inc)
            .map(|(wi, i)| wi * (i - m).exp())
            .sum::<f64>()
            .ln()
    }

    /// Resamples by the current weights, resets them to equal, and keeps the Eves of
    /// the ancestors.
    pub fn resample(&mut self, scheme: Resampling) {
        let w = self.weights();
        let n = w.len();
        let ancestors = match scheme {
            Resampling::Systematic => {
                let u0 = uniform(&mut self.rng);
                let mut out = Vec::with_capacity(n);
                let mut acc = 0.0;
                let mut j = 0;
                for k in 0..n {
                    let u = (k as f64 + u0) / n as f64;
                    while j + 1 < n && acc + w[j] < u {
                        acc += w[j];
                        j += 1;
                    }
                    out.push(j);
                }
                out
            }
            Resampling::Multinomial => {
                let mut cdf = Vec::with_capacity(n);
                let mut acc = 0.0;
                for wi in &w {
                    acc += wi;
                    cdf.push(acc);
                }
                (0..n)
                    .map(|_| {
                        let u = uniform(&mut self.rng) * acc;
                        cdf.partition_point(|&c| c <= u).min(n - 1)
                    })
                    .collect()
            }
        };
        let old = std::mem::take(&mut self.particles);
        let old_eve = std::mem::take(&mut self.eve);
        self.particles = ancestors.iter().map(|&a| old[a].clone()).collect();
        self.eve = ancestors.iter().map(|&a| old_eve[a]).collect();
        self.log_w.iter_mut().for_each(|v| *v = 0.0);
        self.resamplings += 1;
        self.sync_positions();
    }

    /// `k` moves of kind `mv` at β with step `h` for every particle; returns the
    /// mean acceptance probability and the evaluations spent.
    pub fn mutate(
        &mut self,
        model: &Model<'_>,
        reference: &Reference,
        mv: Move,
        beta: f64,
        h: f64,
        k: usize,
    ) -> Result<(f64, EvalCounts), CoreError> {
        let grad = match mv {
            Move::Mala => Some(model.require_gradient()?),
            Move::Rwm => None,
        };
        let density = model.density;
        let acc: Vec<f64> = self
            .particles
            .par_iter_mut()
            .zip(self.rngs.par_iter_mut())
            .map(|(p, r)| {
                let mut s = Scratch::default();
                let mut a = 0.0;
                for _ in 0..k {
                    a += match grad {
                        Some(g) => mala(g, reference, beta, h, p, r, &mut s),
                        None => rwm(density, reference, beta, h, p, r, &mut s),
                    };
                }
                a
            })
            .collect();
        self.sync_positions();
        let n = self.len();
        let mean = acc.iter().sum::<f64>() / (n * k.max(1)) as f64;
        Ok((mean, model.move_cost(mv).times((n * k) as u64)))
    }

    /// Copies the particles' positions into `positions`.
    pub fn sync_positions(&mut self) {
        let d = self.particles.first().map_or(0, |p| p.x.len());
        self.positions.resize(self.particles.len() * d, 0.0);
        for (row, p) in self
            .positions
            .chunks_exact_mut(d.max(1))
            .zip(&self.particles)
        {
            row.copy_from_slice(&p.x);
        }
    }

    /// Lee & Whiteley's (2018) single-run estimate of the relative variance of Ẑ,
    /// `1 − (N/(N−1))^R (1 − Σ_e S_e²)` with `S_e` the current weight of the particles
    /// descending from initial particle e and R the resampling events plus one (the
    /// initial draw). Proven for multinomial resampling at every step; an
    /// approximation otherwise. Its square root is the standard error of log Ẑ.
    pub fn relative_variance_of_z(&self) -> f64 {
        let n = self.len() as f64;
        let w = self.weights();
        let mut s = vec![0.0; self.len()];
        for (e, wi) in self.eve.iter().zip(&w) {
            s[*e] += wi;
        }
        let sum_sq: f64 = s.iter().map(|v| v * v).sum();
        let r = (self.resamplings + 1) as f64;
        1.0 - (n / (n - 1.0)).powf(r) * (1.0 - sum_sq)
    }
}

/// NaN counts as −∞ (weight 0).
#[inline]
fn safe(v: f64) -> f64 {
    if v.is_nan() { f64::NEG_INFINITY } else { v }
}

/// `exp(l_i − max) / Σ` in log space; all-zero weights give uniform ones.
pub fn normalized(log_w: &[f64]) -> Vec<f64> {
    let m = log_w
        .iter()
        .copied()
        .map(safe)
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || m.is_infinite() {
        return vec![1.0 / log_w.len() as f64; log_w.len()];
    }
    let w: Vec<f64> = log_w.iter().map(|&l| (safe(l) - m).exp()).collect();
    let t: f64 = w.iter().sum();
    w.iter().map(|v| v / t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population(log_w: Vec<f64>) -> Population {
        let n = log_w.len();
        Population {
            particles: (0..n)
                .map(|i| Particle {
                    x: vec![i as f64],
                    lt: 0.0,
                    lr: 0.0,
                    grad: vec![],
                })
                .collect(),
            rngs: (0..n).map(|i| stream(1, i as u64)).collect(),
            log_w,
            positions: (0..n).map(|i| i as f64).collect(),
            eve: (0..n).collect(),
            rng: stream(1, POPULATION_STREAM),
            resamplings: 0,
        }
    }

    /// Systematic resampling gives particle i ⌊N W_i⌋ or ⌈N W_i⌉ copies.
    #[test]
    fn systematic_offspring_counts_are_floor_or_ceil() {
        let w = [0.05, 0.4, 0.01, 0.3, 0.24];
        for seed in 0..50 {
            let mut p = population(w.iter().map(|v: &f64| v.ln()).collect());
            p.rng = stream(seed, POPULATION_STREAM);
            p.resample(Resampling::Systematic);
            for (i, wi) in w.iter().enumerate() {
                let k = p.particles.iter().filter(|q| q.x[0] == i as f64).count() as f64;
                let nw = wi * w.len() as f64;
                assert!(
                    k == nw.floor() || k == nw.ceil(),
                    "particle {i}: {k} copies of {nw}"
                );
            }
            assert_eq!(
                p.eve.iter().map(|&e| e as f64).collect::<Vec<_>>(),
                p.positions
            );
            assert!(p.log_w.iter().all(|&l| l == 0.0));
        }
    }

    /// Equal weights and no resampling: Ẑ is exact, the variance estimate is 0.
    /// One resampling of equal weights keeps each Eve's weight near 1/N.
    #[test]
    fn relative_variance_of_equal_weights() {
        let p = population(vec![0.0; 8]);
        assert!(p.relative_variance_of_z().abs() < 1e-15);
        let mut p = population(vec![-1.0, 0.0, -3.0, 0.5]);
        let w = p.weights();
        let s2: f64 = w.iter().map(|v| v * v).sum();
        let want = 1.0 - (4.0 / 3.0) * (1.0 - s2);
        assert!((p.relative_variance_of_z() - want).abs() < 1e-15);
        p.reweight(0.0);
        assert!((p.relative_variance_of_z() - want).abs() < 1e-15);
    }

    /// The stage factor is log Σ W_i exp(Δβ ℓ_i).
    #[test]
    fn reweight_returns_the_weighted_mean_increment() {
        let mut p = population(vec![0.0, (3.0f64).ln()]);
        p.particles[0].lt = 2.0;
        p.particles[1].lt = -1.0;
        let f = p.reweight(0.5);
        let want = (0.25 * (1.0f64).exp() + 0.75 * (-0.5f64).exp()).ln();
        assert!((f - want).abs() < 1e-14, "{f} vs {want}");
        assert!((p.log_w[1] - ((3.0f64).ln() - 0.5)).abs() < 1e-15);
    }

    #[test]
    fn weights_of_all_minus_infinity_are_uniform() {
        assert_eq!(normalized(&[f64::NEG_INFINITY, f64::NAN]), vec![0.5, 0.5]);
    }
}
