//! Training (paper §3.3; `KLTrainer` and `bg.py`): Adam on
//!
//! ```text
//! J_KL = E_{z ~ prior, path}[u_X(x) − Σ ΔS]          (energy / KL training)
//! J_ML = E_{x ~ data, path}[u_Z(z) − Σ ΔS_inverse]   (maximum likelihood, an NLL bound)
//! ```
//!
//! and their mix `w·J_ML + (1 − w)·J_KL` on one ML and one KL batch per iteration. ML
//! batches are drawn from the data with replacement. Gradients through stochastic
//! blocks follow the reparameterized proposal path ([`crate::metropolis`],
//! [`crate::langevin`]). Samples with a non-finite loss are left out of the batch
//! mean; a batch with none left is an error.
//!
//! **Randomness.** Iteration i draws its prior samples, data indices and block noise
//! from streams `(seed ⊕ i, k)`, one per sample: training is bit-identical for any
//! thread count.

use crate::energy::{Interpolated, prior_energy};
use crate::error::SnfError;
use crate::flow::{Layer, LayerTape, Snf};
use sampo_core::rng::{stream, uniform};
use sampo_core::{EvalCounts, GradTarget, StreamRng};
use serde::{Deserialize, Serialize};

/// Adam (Kingma & Ba 2015, Algorithm 1) with β = (0.9, 0.999), ε = 1e−8 (PyTorch's
/// defaults, as the reference code uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: u64,
}

impl Adam {
    /// Adam for `n` parameters.
    pub fn new(n: usize, lr: f64) -> Self {
        Adam {
            lr,
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// One update of `params` with gradient `g`.
    pub fn step(&mut self, params: &mut [f64], g: &[f64]) {
        const B1: f64 = 0.9;
        const B2: f64 = 0.999;
        const EPS: f64 = 1e-8;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t as i32);
        let c2 = 1.0 - B2.powi(self.t as i32);
        for ((p, gi), (m, v)) in params
            .iter_mut()
            .zip(g)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            *m = B1 * *m + (1.0 - B1) * gi;
            *v = B2 * *v + (1.0 - B2) * gi * gi;
            *p -= self.lr * (*m / c1) / ((*v / c2).sqrt() + EPS);
        }
    }
}

/// A batch's loss, gradient and cost.
#[derive(Debug, Clone)]
pub struct Pass {
    /// Mean loss over the samples kept.
    pub loss: f64,
    /// ∂(mean loss)/∂params.
    pub grad: Vec<f64>,
    /// Samples left out (non-finite loss).
    pub dropped: usize,
    /// Target evaluations spent.
    pub evaluations: EvalCounts,
}

fn streams(seed: u64, n: usize) -> Vec<StreamRng> {
    (0..n as u64).map(|k| stream(seed, k)).collect()
}

impl Snf {
    /// Backward pass through layer `l` (the same direction as its forward pass):
    /// `g` (n × d) is ∂L/∂output on entry and ∂L/∂input on return; `s[i]` =
    /// ∂L/∂ΔS_i.
    pub fn backward_layer(
        &self,
        l: usize,
        tape: &LayerTape,
        g: &mut [f64],
        s: &[f64],
        inverse: bool,
        grads: &mut [f64],
    ) {
        let d = self.dim;
        match (&self.layers[l], tape) {
            (Layer::Coupling(c), LayerTape::Coupling(cache)) => {
                c.backward(&self.params, cache, g, s, inverse, grads)
            }
            (Layer::Metropolis(m), LayerTape::Metropolis { g0, g1, walks }) => {
                for (i, gi) in g.chunks_exact_mut(d).enumerate() {
                    let (a, b) = (&g0[i * d..(i + 1) * d], &g1[i * d..(i + 1) * d]);
                    let w = &walks[i];
                    if !w.xi.is_empty() {
                        // ∂L/∂y_k for k ≥ 1 is ∂L/∂y_K + s ∇u(y_K) (module docs of
                        // crate::metropolis); σ_k moved y by σ_k ξ_k when accepted.
                        for k in 0..m.steps {
                            if !w.accepted[k] {
                                continue;
                            }
                            let xi = &w.xi[k * d..(k + 1) * d];
                            let dot: f64 = gi
                                .iter()
                                .zip(b)
                                .zip(xi)
                                .map(|((gv, bv), x)| (gv + s[i] * bv) * x)
                                .sum();
                            if let crate::metropolis::Widths::Learned { offset } = m.widths {
                                grads[offset + k] += dot * m.dsigma(&self.params, k);
                            }
                        }
                    }
                    for ((gv, av), bv) in gi.iter_mut().zip(a).zip(b) {
                        *gv += s[i] * (bv - av);
                    }
                }
            }
            (_, LayerTape::Straight) => {}
            _ => unreachable!("a tape belongs to the layer that wrote it"),
        }
    }

    /// Runs every layer on a batch with tapes (forward order, or reverse for the
    /// inverse pass); `u_last` receives the last layer's end energies. Returns the
    /// tapes in layer order and the evaluations.
    fn taped<T: GradTarget + ?Sized>(
        &self,
        target: &T,
        x: &mut [f64],
        ds: &mut [f64],
        rngs: &mut [StreamRng],
        inverse: bool,
        mut u_last: Option<&mut [f64]>,
    ) -> Result<(Vec<LayerTape>, EvalCounts), SnfError> {
        let n = self.layers.len();
        let mut cost = EvalCounts::ZERO;
        let mut tapes: Vec<LayerTape> = (0..n).map(|_| LayerTape::Straight).collect();
        let order: Vec<usize> = if inverse {
            (0..n).rev().collect()
        } else {
            (0..n).collect()
        };
        for l in order {
            let u_end = if l + 1 == n {
                u_last.as_deref_mut()
            } else {
                None
            };
            cost += self
                .apply_layer(l, target, x, ds, rngs, inverse, u_end, Some(&mut tapes[l]))
                .map_err(|e| SnfError::Diverged {
                    iteration: 0,
                    reason: e.reason,
                })?
                .evaluations;
        }
        Ok((tapes, cost))
    }

    /// `J_KL` on `batch` prior samples drawn from streams of `seed`.
    pub fn kl_pass<T: GradTarget + ?Sized>(
        &self,
        target: &T,
        batch: usize,
        seed: u64,
    ) -> Result<Pass, SnfError> {
        let d = self.dim;
        let mut rngs = streams(seed, batch);
        let mut x = vec![0.0; batch * d];
        for (row, rng) in x.chunks_exact_mut(d).zip(rngs.iter_mut()) {
            crate::flow::draw_prior(rng, row);
        }
        let mut ds = vec![0.0; batch];
        let mut ux = vec![0.0; batch];
        let reuse = self.ends_on_target();
        let (tapes, mut cost) = self.taped(
            target,
            &mut x,
            &mut ds,
            &mut rngs,
            false,
            reuse.then_some(ux.as_mut_slice()),
        )?;
        // u_X(x) and its gradient: the last block's end values when it is on the
        // target (no new evaluation), else one gradient evaluation per sample.
        let mut g = vec![0.0; batch * d];
        match tapes.last() {
            Some(LayerTape::Metropolis { g1, .. }) if reuse => g.copy_from_slice(g1),
            _ => {
                let energy = Interpolated::new(target, 1.0);
                for (i, u) in ux.iter_mut().enumerate() {
                    *u = energy.energy_grad(
                        &x[i * d..(i + 1) * d],
                        &mut g[i * d..(i + 1) * d],
                        &mut cost,
                    );
                }
            }
        }
        let losses: Vec<f64> = ux.iter().zip(&ds).map(|(u, s)| u - s).collect();
        self.finish(losses, g, tapes, false, cost)
    }

    /// `J_ML` on `batch` data points drawn with replacement from `data` (n × d).
    pub fn ml_pass<T: GradTarget + ?Sized>(
        &self,
        target: &T,
        data: &[f64],
        batch: usize,
        seed: u64,
    ) -> Result<Pass, SnfError> {
        let d = self.dim;
        let n_data = data.len() / d;
        let mut rngs = streams(seed, batch);
        let mut x = vec![0.0; batch * d];
        for (row, rng) in x.chunks_exact_mut(d).zip(rngs.iter_mut()) {
            let j = ((uniform(rng) * n_data as f64) as usize).min(n_data - 1);
            row.copy_from_slice(&data[j * d..(j + 1) * d]);
        }
        let mut ds = vec![0.0; batch];
        let (tapes, cost) = self.taped(target, &mut x, &mut ds, &mut rngs, true, None)?;
        let losses: Vec<f64> = x
            .chunks_exact(d)
            .zip(&ds)
            .map(|(z, s)| prior_energy(z) - s)
            .collect();
        // ∇u_Z(z) = z.
        self.finish(losses, x, tapes, true, cost)
    }

    /// Mean loss over finite samples and the backward pass (`g_out` = ∂ℓ_i/∂output).
    fn finish(
        &self,
        losses: Vec<f64>,
        mut g: Vec<f64>,
        tapes: Vec<LayerTape>,
        inverse: bool,
        evaluations: EvalCounts,
    ) -> Result<Pass, SnfError> {
        let d = self.dim;
        let keep: Vec<bool> = losses
            .iter()
            .enumerate()
            .map(|(i, l)| l.is_finite() && g[i * d..(i + 1) * d].iter().all(|v| v.is_finite()))
            .collect();
        let kept = keep.iter().filter(|&&k| k).count();
        if kept == 0 {
            return Err(SnfError::Diverged {
                iteration: 0,
                reason: "every sample of the batch has a non-finite loss".into(),
            });
        }
        let scale = 1.0 / kept as f64;
        let loss = losses
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(l, _)| l)
            .sum::<f64>()
            * scale;
        let s: Vec<f64> = keep.iter().map(|&k| if k { -scale } else { 0.0 }).collect();
        for (i, row) in g.chunks_exact_mut(d).enumerate() {
            row.iter_mut()
                .for_each(|v| *v = if keep[i] { *v * scale } else { 0.0 });
        }
        let mut grad = vec![0.0; self.params.len()];
        let order: Box<dyn Iterator<Item = usize>> = if inverse {
            Box::new(0..self.layers.len())
        } else {
            Box::new((0..self.layers.len()).rev())
        };
        for l in order {
            self.backward_layer(l, &tapes[l], &mut g, &s, inverse, &mut grad);
        }
        Ok(Pass {
            loss,
            grad,
            dropped: losses.len() - kept,
            evaluations,
        })
    }
}

/// One training iteration's record, for observers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainRecord {
    /// Iteration (from 1).
    pub iteration: usize,
    /// J_ML of the iteration's ML batch (NaN in KL-only iterations).
    pub ml_loss: f64,
    /// J_KL of the iteration's KL batch (NaN in ML-only iterations).
    pub kl_loss: f64,
    /// Samples left out (non-finite loss).
    pub dropped: usize,
}

/// Watches training: called after every iteration; returning false stops it (the
/// flow keeps the parameters reached).
pub trait TrainObserver {
    /// Sees one iteration.
    fn observe(&mut self, record: &TrainRecord) -> bool;
}

impl<F: FnMut(&TrainRecord) -> bool> TrainObserver for F {
    fn observe(&mut self, record: &TrainRecord) -> bool {
        self(record)
    }
}

/// What training spent and recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    /// Target evaluations of all iterations.
    pub evaluations: EvalCounts,
    /// One record per iteration.
    pub history: Vec<TrainRecord>,
}

/// Mixes stream seeds: iteration i, batch kind k.
fn iteration_seed(seed: u64, i: usize, kind: u64) -> u64 {
    seed ^ ((i as u64) << 2 | kind).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Snf {
    /// Trains the flow (module docs) with `cfg`; `data` (n × d) is needed when an ML
    /// or mixed phase is configured.
    pub fn train<T: GradTarget + ?Sized>(
        &mut self,
        target: &T,
        cfg: &crate::config::TrainConfig,
        data: Option<&[f64]>,
        seed: u64,
        observer: &mut dyn TrainObserver,
    ) -> Result<Trained, SnfError> {
        let mut adam = Adam::new(self.params.len(), cfg.lr);
        let mut evaluations = EvalCounts::ZERO;
        let mut history = Vec::with_capacity(cfg.iterations());
        let data = match data {
            Some(x) if !x.is_empty() => Some(x),
            _ if cfg.needs_data() => {
                return Err(SnfError::invalid(
                    "data",
                    "none",
                    "the ml and mixed phases need data",
                ));
            }
            _ => None,
        };
        for it in 1..=cfg.iterations() {
            let (w_ml, w_kl) = if it <= cfg.ml_iterations {
                (1.0, 0.0)
            } else if it <= cfg.ml_iterations + cfg.mixed_iterations {
                (cfg.ml_weight, 1.0 - cfg.ml_weight)
            } else {
                (0.0, 1.0)
            };
            let with_it = |e: SnfError| match e {
                SnfError::Diverged { reason, .. } => SnfError::Diverged {
                    iteration: it,
                    reason,
                },
                other => other,
            };
            let mut grad = vec![0.0; self.params.len()];
            let mut rec = TrainRecord {
                iteration: it,
                ml_loss: f64::NAN,
                kl_loss: f64::NAN,
                dropped: 0,
            };
            if w_ml > 0.0 {
                let data = data.expect("checked above");
                let p = self
                    .ml_pass(target, data, cfg.batch, iteration_seed(seed, it, 1))
                    .map_err(with_it)?;
                grad.iter_mut()
                    .zip(&p.grad)
                    .for_each(|(g, v)| *g += w_ml * v);
                evaluations += p.evaluations;
                rec.ml_loss = p.loss;
                rec.dropped += p.dropped;
            }
            if w_kl > 0.0 {
                let p = self
                    .kl_pass(target, cfg.batch, iteration_seed(seed, it, 2))
                    .map_err(with_it)?;
                grad.iter_mut()
                    .zip(&p.grad)
                    .for_each(|(g, v)| *g += w_kl * v);
                evaluations += p.evaluations;
                rec.kl_loss = p.loss;
                rec.dropped += p.dropped;
            }
            if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
                return Err(SnfError::Diverged {
                    iteration: it,
                    reason: format!("gradient of parameter {i} = {}", grad[i]),
                });
            }
            adam.step(&mut self.params, &grad);
            history.push(rec);
            if !observer.observe(&rec) {
                break;
            }
        }
        Ok(Trained {
            evaluations,
            history,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BlockConfig, BlockKind, FlowConfig};
    use sampo_targets::DoubleWell;

    fn flow(kind: BlockKind, learned: bool) -> Snf {
        let blocks = BlockConfig {
            kind,
            steps: 3,
            learned_widths: learned,
            ..BlockConfig::default()
        };
        let f = FlowConfig {
            transforms: 2,
            hidden: vec![5, 4],
        };
        let mut s = Snf::build(2, &f, &blocks, 4);
        // Away from the initialization's symmetric point (α = e^{−1} everywhere).
        for (i, p) in s.params.iter_mut().enumerate() {
            *p += 0.01 * ((i * 7919) % 13) as f64 / 13.0;
        }
        s
    }

    /// Central differences of a pass's loss against its gradient, for parameters
    /// `idx`; the pass must be a smooth function of them (fixed streams; for
    /// Metropolis blocks, no decision may flip, which the acceptance check ensures).
    fn check(snf: &Snf, pass: &dyn Fn(&Snf) -> Pass, tol: f64) {
        let p = pass(snf);
        let h = 1e-6;
        for i in 0..snf.params.len() {
            let (mut a, mut b) = (snf.clone(), snf.clone());
            a.params[i] += h;
            b.params[i] -= h;
            let fd = (pass(&a).loss - pass(&b).loss) / (2.0 * h);
            assert!(
                (fd - p.grad[i]).abs() < tol * (1.0 + fd.abs()),
                "param {i}: fd {fd} vs {}",
                p.grad[i]
            );
        }
    }

    #[test]
    fn kl_and_ml_gradients_of_a_plain_flow_match_finite_differences() {
        let t = DoubleWell::new();
        let snf = flow(BlockKind::None, false);
        check(&snf, &|s| s.kl_pass(&t, 6, 9).unwrap(), 1e-5);
        let data: Vec<f64> = (0..20).map(|i| (i as f64 * 0.37).sin() * 2.0).collect();
        check(&snf, &|s| s.ml_pass(&t, &data, 6, 9).unwrap(), 1e-5);
    }

    #[test]
    fn gradients_through_metropolis_blocks_match_finite_differences() {
        let t = DoubleWell::new();
        // Learned widths: the σ_k gradients along the accepted proposals too.
        let snf = flow(BlockKind::Metropolis, true);
        check(&snf, &|s| s.kl_pass(&t, 4, 21).unwrap(), 1e-4);
        let data: Vec<f64> = (0..20).map(|i| (i as f64 * 0.37).sin() * 2.0).collect();
        check(&snf, &|s| s.ml_pass(&t, &data, 4, 21).unwrap(), 1e-4);
    }
}
