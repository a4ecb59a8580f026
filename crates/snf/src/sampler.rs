//! Sampling through a flow as a population kernel: one runner step per layer.
//!
//! `init` trains the flow when the sampler has one to train (the training data come
//! from the training-free annealed flow, [`crate::config::DataSource::Annealed`]),
//! then draws every particle's z from its own stream `(seed, i)`. Step t applies
//! layer t to all particles; after the last, each particle carries
//! `log w = u_Z(z) − u_X(x) + Σ ΔS` ([`crate::flow`]). The trained flow is part of
//! the state, so a resumed run does not train again. Evaluations of training and
//! of the data are counted as the initialization's.

use crate::config::{AnnealConfig, DataSource, SnfConfig};
use crate::energy::Interpolated;
use crate::error::SnfError;
use crate::flow::{Layer, Snf, draw_prior, log_weight};
use sampo_core::rng::{stream, uniform};
use sampo_core::{
    CoreError, EvalCounts, GradTarget, Particles, PopulationKernel, RunConfig, StepInfo, StreamRng,
};
use serde::{Deserialize, Serialize};

/// What a run of a flow needs before its first layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Setup {
    /// Use this flow as it is (loaded, or trained by the caller, or the annealed one).
    Ready(Snf),
    /// Build and train from the config.
    Train(SnfConfig),
}

/// The population state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnfState {
    /// The flow (trained at init when it had to be).
    pub flow: Snf,
    /// Positions, n × d.
    pub x: Vec<f64>,
    /// `u_Z(z)` per particle.
    pub u_z: Vec<f64>,
    /// Σ ΔS so far (−∞: a particle with weight 0).
    #[serde(with = "neg_inf")]
    pub ds: Vec<f64>,
    /// Final log weights (valid after the last layer).
    #[serde(with = "neg_inf")]
    pub log_w: Vec<f64>,
    /// Per-particle streams.
    pub rngs: Vec<StreamRng>,
}

/// One layer's diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnfInfo {
    /// Evaluations of the step.
    pub evaluations: EvalCounts,
    /// Mean acceptance of a Metropolis layer.
    pub acceptance: Option<f64>,
}

impl StepInfo for SnfInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }
    fn acceptance(&self) -> Option<f64> {
        self.acceptance
    }
}

/// The kernel over `target` (see the module docs).
pub struct SnfKernel<'a, T: GradTarget + ?Sized> {
    target: &'a T,
    setup: Setup,
    layers: usize,
}

/// Stream seed of the training-data population (distinct from the particles').
const DATA_STREAM: u64 = 0xDA7A_5EED;
/// Stream seed of training.
const TRAIN_STREAM: u64 = 0x7EA1_5EED;

impl<'a, T: GradTarget + ?Sized> SnfKernel<'a, T> {
    /// The kernel for `setup` on `target`.
    pub fn new(target: &'a T, setup: Setup) -> Self {
        let layers = match &setup {
            Setup::Ready(f) => f.layers.len(),
            Setup::Train(c) => Snf::build(target.dim(), &c.flow, &c.blocks, 0).layers.len(),
        };
        SnfKernel {
            target,
            setup,
            layers,
        }
    }

    /// The run configuration: the schedule's steps, the population kept after the
    /// last.
    pub fn run_config(&self, n: usize, seed: u64) -> RunConfig {
        let len = self.layers as u64;
        let mut rc = RunConfig::new(n, 0, len, seed);
        rc.thin = len;
        rc.segment = 1;
        rc
    }
}

/// Draws n weighted samples from `flow` (all layers, particle streams `(seed, i)`);
/// returns positions, log weights and the evaluations.
pub fn sample_flow<T: GradTarget + ?Sized>(
    flow: &Snf,
    target: &T,
    n: usize,
    seed: u64,
) -> Result<(Vec<f64>, Vec<f64>, EvalCounts), SnfError> {
    let k = SnfKernel::new(target, Setup::Ready(flow.clone()));
    let (mut st, mut cost) = k.start(n, seed, flow.clone());
    for step in 1..=flow.layers.len() as u64 {
        cost += k.step(&mut st, step)?.evaluations;
    }
    Ok((st.x, st.log_w, cost))
}

/// Systematic resampling of `n` indices by the self-normalized weights.
pub fn systematic_resample(
    log_w: &[f64],
    n: usize,
    rng: &mut StreamRng,
) -> Result<Vec<usize>, SnfError> {
    let w = sampo_metrics::weights::weights_from_log(log_w).map_err(|e| SnfError::Diverged {
        iteration: 0,
        reason: format!("resampling the training data: {e}"),
    })?;
    let mut out = Vec::with_capacity(n);
    let u0 = uniform(rng) / n as f64;
    let (mut cum, mut j) = (w[0], 0usize);
    for i in 0..n {
        let u = u0 + i as f64 / n as f64;
        while u > cum && j + 1 < w.len() {
            j += 1;
            cum += w[j];
        }
        out.push(j);
    }
    Ok(out)
}

/// Training data from the annealed flow: `n` points resampled from its weighted
/// population of `n` particles.
pub fn annealed_data<T: GradTarget + ?Sized>(
    target: &T,
    anneal: &AnnealConfig,
    n: usize,
    seed: u64,
) -> Result<(Vec<f64>, EvalCounts), SnfError> {
    let d = target.dim();
    let flow = Snf::annealed(d, anneal);
    let (x, log_w, cost) = sample_flow(&flow, target, n, seed)?;
    if log_w.iter().all(|w| *w == f64::NEG_INFINITY) {
        return Err(SnfError::Diverged {
            iteration: 0,
            reason: "every particle of the annealed training-data flow has weight 0".into(),
        });
    }
    let idx = systematic_resample(&log_w, n, &mut stream(seed, u64::MAX))?;
    let mut data = Vec::with_capacity(n * d);
    for i in idx {
        data.extend_from_slice(&x[i * d..(i + 1) * d]);
    }
    Ok((data, cost))
}

/// Builds and trains the flow of `cfg` on `target`.
pub fn train_flow<T: GradTarget + ?Sized>(
    target: &T,
    cfg: &SnfConfig,
    seed: u64,
) -> Result<(Snf, EvalCounts), SnfError> {
    cfg.validate()?;
    let d = target.dim();
    let mut flow = Snf::build(d, &cfg.flow, &cfg.blocks, seed);
    let mut cost = EvalCounts::ZERO;
    let data = if cfg.train.needs_data() {
        match cfg.data.source {
            DataSource::Annealed => {
                let (x, c) = annealed_data(target, &cfg.anneal, cfg.data.n, seed ^ DATA_STREAM)?;
                cost += c;
                Some(x)
            }
            DataSource::None => None,
        }
    } else {
        None
    };
    let trained = flow.train(
        target,
        &cfg.train,
        data.as_deref(),
        seed ^ TRAIN_STREAM,
        &mut |_: &_| true,
    )?;
    if let Some(path) = &cfg.save {
        flow.save(path)?;
    }
    Ok((flow, cost + trained.evaluations))
}

impl<T: GradTarget + ?Sized> SnfKernel<'_, T> {
    fn start(&self, n: usize, seed: u64, flow: Snf) -> (SnfState, EvalCounts) {
        let d = self.target.dim();
        let mut rngs: Vec<StreamRng> = (0..n as u64).map(|i| stream(seed, i)).collect();
        let mut x = vec![0.0; n * d];
        let u_z = x
            .chunks_exact_mut(d)
            .zip(rngs.iter_mut())
            .map(|(row, rng)| draw_prior(rng, row))
            .collect();
        (
            SnfState {
                flow,
                x,
                u_z,
                ds: vec![0.0; n],
                log_w: vec![0.0; n],
                rngs,
            },
            EvalCounts::ZERO,
        )
    }
}

impl<T: GradTarget + ?Sized> PopulationKernel for SnfKernel<'_, T> {
    type State = SnfState;
    type Info = SnfInfo;

    fn dim(&self) -> usize {
        self.target.dim()
    }

    fn init(&self, x0: &Particles, seed: u64) -> Result<(SnfState, EvalCounts), CoreError> {
        let (flow, cost) = match &self.setup {
            Setup::Ready(f) => (f.clone(), EvalCounts::ZERO),
            Setup::Train(cfg) => train_flow(self.target, cfg, seed)?,
        };
        let (st, c) = self.start(x0.len(), seed, flow);
        Ok((st, cost + c))
    }

    fn step(&self, st: &mut SnfState, step: u64) -> Result<SnfInfo, CoreError> {
        let l = (step - 1) as usize;
        let flow = &st.flow;
        let n = st.ds.len();
        let last = l + 1 == flow.layers.len();
        let mut u_x = vec![f64::NAN; n];
        let reuse = last && flow.ends_on_target();
        let out = flow
            .apply_layer(
                l,
                self.target,
                &mut st.x,
                &mut st.ds,
                &mut st.rngs,
                false,
                reuse.then_some(u_x.as_mut_slice()),
                None,
            )
            .map_err(|e| CoreError::Diverged {
                step,
                chain: 0,
                reason: e.reason,
            })?;
        let mut evaluations = out.evaluations;
        if last {
            let d = flow.dim;
            let energy = Interpolated::new(self.target, 1.0);
            for (i, (lw, ux)) in st.log_w.iter_mut().zip(&u_x).enumerate() {
                let ux = if reuse {
                    *ux
                } else {
                    energy.energy(&st.x[i * d..(i + 1) * d], &mut evaluations)
                };
                *lw = log_weight(st.u_z[i], ux, st.ds[i]);
            }
        }
        Ok(SnfInfo {
            evaluations,
            acceptance: out.acceptance,
        })
    }

    fn positions<'s>(&self, st: &'s SnfState) -> &'s [f64] {
        &st.x
    }

    fn log_weights<'s>(&self, st: &'s SnfState) -> Option<&'s [f64]> {
        Some(&st.log_w)
    }

    fn schedule_len(&self) -> Option<u64> {
        Some(self.layers as u64)
    }
}

/// Per-sample evaluations of one pass through `flow` when sampling.
pub fn sampling_cost(flow: &Snf, data_terms: u64) -> EvalCounts {
    let mut c = EvalCounts::ZERO;
    for l in &flow.layers {
        match l {
            Layer::Coupling(_) => {}
            Layer::Metropolis(m) if m.lambda > 0.0 => {
                c += EvalCounts::density(1 + m.steps as u64)
                    .with_data_terms((1 + m.steps as u64) * data_terms)
            }
            Layer::Overdamped(b) if b.lambda > 0.0 => {
                c += EvalCounts::gradient(1 + b.steps as u64)
                    .with_data_terms((1 + b.steps as u64) * data_terms)
            }
            _ => {}
        }
    }
    if !flow.ends_on_target() {
        c += EvalCounts::density(1).with_data_terms(data_terms);
    }
    c
}

/// JSON has no −∞: weights of zero (log weight −∞) are written as `null`.
mod neg_inf {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let o: Vec<Option<f64>> = v.iter().map(|x| x.is_finite().then_some(*x)).collect();
        o.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let o: Vec<Option<f64>> = Vec::deserialize(d)?;
        Ok(o.into_iter()
            .map(|x| x.unwrap_or(f64::NEG_INFINITY))
            .collect())
    }
}
