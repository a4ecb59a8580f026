//! A stochastic normalizing flow: a sequence of layers, each returning its part of
//! the path term ΔS (paper eq. 6–7; bgtorch's `SequentialFlow` "dlogp").
//!
//! A sample starts at `z ~ N(0, I)` and goes through the layers; with
//! `u_Z(z) = ½‖z‖² + (d/2) ln 2π` and `u_X = −log π̃`,
//!
//! ```text
//! log w(z → x) = u_Z(z) − u_X(x) + Σ_t ΔS_t,
//! ```
//!
//! and `E[w] = Z`: self-normalized, the weights make any flow, trained or not, an
//! importance sampler of the target (`log_weights_given_latent` in `bg.py`). The
//! inverse pass (for maximum likelihood) runs the layers in reverse order, the
//! couplings inverted and the stochastic blocks simulated again.

use crate::config::{AnnealConfig, BlockConfig, BlockKind, FlowConfig};
use crate::coupling::{AffineCoupling, CouplingCache};
use crate::energy::{Interpolated, prior_energy};
use crate::langevin::Overdamped;
use crate::metropolis::{Metropolis, Walk, Widths};
use crate::mlp::Mlp;
use rayon::prelude::*;
use sampo_core::rng::stream;
use sampo_core::{Divergence, EvalCounts, GradTarget, StreamRng};
use serde::{Deserialize, Serialize};

/// One layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "kebab-case")]
pub enum Layer {
    /// A RealNVP affine coupling.
    Coupling(AffineCoupling),
    /// A Metropolis block.
    Metropolis(Metropolis),
    /// An overdamped Langevin block.
    Overdamped(Overdamped),
}

impl Layer {
    /// Whether the layer draws random numbers.
    pub fn is_stochastic(&self) -> bool {
        !matches!(self, Layer::Coupling(_))
    }
}

/// What a layer keeps for the backward pass.
#[derive(Debug, Clone)]
pub enum LayerTape {
    /// A coupling's activations.
    Coupling(CouplingCache),
    /// A Metropolis block: `∇u_λ` at the start and end (B × d each) and the walks.
    Metropolis {
        /// ∇u_λ(y_0).
        g0: Vec<f64>,
        /// ∇u_λ(y_K).
        g1: Vec<f64>,
        /// Per sample: ξ and decisions (learned widths only).
        walks: Vec<Walk>,
    },
    /// A block that passes gradients straight through (overdamped Langevin).
    Straight,
}

/// The flow: its layers and one flat parameter vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snf {
    /// Dimension d.
    pub dim: usize,
    /// The layers, in forward order.
    pub layers: Vec<Layer>,
    /// Every learnable parameter.
    pub params: Vec<f64>,
}

/// Particles below this many per rayon task are not split further: a task must
/// outweigh its scheduling cost.
const MIN_PER_TASK: usize = 32;

/// One layer's outcome over a batch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerOutcome {
    /// Target evaluations spent.
    pub evaluations: EvalCounts,
    /// Mean acceptance (Metropolis blocks).
    pub acceptance: Option<f64>,
}

impl Snf {
    /// The paper's builder (`boltzmann_generator_RNVP_MC`), parameters initialized
    /// from `seed` (module docs of [`crate::config::BlockConfig`]).
    pub fn build(dim: usize, flow: &FlowConfig, blocks: &BlockConfig, seed: u64) -> Snf {
        let mut layers = Vec::new();
        let mut n = 0usize;
        let block = |lambda: f64, n: &mut usize| -> Option<Layer> {
            match blocks.kind {
                BlockKind::None => None,
                BlockKind::Metropolis => {
                    let widths = if blocks.learned_widths {
                        let w = Widths::Learned { offset: *n };
                        *n += blocks.steps;
                        w
                    } else {
                        Widths::Fixed {
                            sigma: blocks.sigma,
                        }
                    };
                    Some(Layer::Metropolis(Metropolis {
                        steps: blocks.steps,
                        lambda,
                        widths,
                    }))
                }
                BlockKind::Overdamped => Some(Layer::Overdamped(Overdamped {
                    steps: blocks.steps,
                    lambda,
                    step_size: blocks.step_size,
                })),
            }
        };
        if blocks.at_prior {
            layers.extend(block(0.0, &mut n));
        }
        let h = dim / 2;
        for i in 0..flow.transforms {
            for parity in 0..2u8 {
                let (nc, nt) = if parity == 0 {
                    (h, dim - h)
                } else {
                    (dim - h, h)
                };
                let mut sizes = vec![nc];
                sizes.extend(&flow.hidden);
                sizes.push(nt);
                let shift = Mlp::new(sizes.clone(), n);
                n += shift.num_params();
                let scale = Mlp::new(sizes, n);
                n += scale.num_params();
                layers.push(Layer::Coupling(AffineCoupling {
                    dim,
                    parity,
                    shift,
                    scale,
                    log_alpha: n,
                }));
                n += 1;
            }
            if i + 1 < flow.transforms {
                let lambda = i as f64 / (flow.transforms - 1).max(1) as f64;
                layers.extend(block(lambda, &mut n));
            }
        }
        if blocks.at_target {
            layers.extend(block(1.0, &mut n));
        }
        let mut params = vec![0.0; n];
        let mut rng = stream(seed, 0);
        for l in &layers {
            match l {
                Layer::Coupling(c) => {
                    c.shift.init(&mut params, &mut rng);
                    c.scale.init(&mut params, &mut rng);
                    // bgtorch's init_downscale = 1: α = e^{−1}.
                    params[c.log_alpha] = -1.0;
                }
                Layer::Metropolis(m) => {
                    if let Widths::Learned { offset } = m.widths {
                        params[offset..offset + m.steps].fill(blocks.sigma);
                    }
                }
                Layer::Overdamped(_) => {}
            }
        }
        Snf {
            dim,
            layers,
            params,
        }
    }

    /// The training-free flow: Metropolis blocks at `λ_j = j/J`, j = 1..J (annealed
    /// importance sampling with MC kernels).
    pub fn annealed(dim: usize, cfg: &AnnealConfig) -> Snf {
        let layers = (1..=cfg.blocks)
            .map(|j| {
                Layer::Metropolis(Metropolis {
                    steps: cfg.steps,
                    lambda: j as f64 / cfg.blocks as f64,
                    widths: Widths::Fixed { sigma: cfg.sigma },
                })
            })
            .collect();
        Snf {
            dim,
            layers,
            params: Vec::new(),
        }
    }

    /// Whether the last layer is a block on the target itself (λ = 1), whose final
    /// energy is then `u_X(x)` at no extra cost.
    pub fn ends_on_target(&self) -> bool {
        matches!(self.layers.last(), Some(Layer::Metropolis(m)) if m.lambda == 1.0)
    }

    /// Applies layer `l` to a batch `x` (n × d) in place, adding ΔS into `ds`; one
    /// random stream per sample. `u_end`, when given, receives each sample's final
    /// energy u_λ (Metropolis blocks only). With `tape`, keeps what
    /// [`Snf::backward_layer`] needs (then the block energies are evaluated with
    /// gradients at both ends).
    #[allow(clippy::too_many_arguments)]
    pub fn apply_layer<T: GradTarget + ?Sized>(
        &self,
        l: usize,
        target: &T,
        x: &mut [f64],
        ds: &mut [f64],
        rngs: &mut [StreamRng],
        inverse: bool,
        u_end: Option<&mut [f64]>,
        tape: Option<&mut LayerTape>,
    ) -> Result<LayerOutcome, Divergence> {
        let d = self.dim;
        let n = ds.len();
        match &self.layers[l] {
            Layer::Coupling(c) => {
                let mut cache = CouplingCache::default();
                c.apply(&self.params, x, ds, inverse, &mut cache);
                if let Some(t) = tape {
                    *t = LayerTape::Coupling(cache);
                }
                Ok(LayerOutcome::default())
            }
            Layer::Metropolis(m) => {
                let energy = Interpolated::new(target, m.lambda);
                let record = tape.is_some();
                let params = &self.params;
                // Per sample: (cost, accepted steps, final energy, ∇u_λ(y_0), ∇u_λ(y_K), walk).
                let per: Vec<BlockSample> = x
                    .par_chunks_mut(d)
                    .zip(ds.par_iter_mut())
                    .zip(rngs.par_iter_mut())
                    .with_min_len(MIN_PER_TASK)
                    .map(|((y, ds), rng)| {
                        let mut cost = EvalCounts::ZERO;
                        let mut scratch = Vec::new();
                        let mut walk = Walk::default();
                        let (mut ga, mut gb) = (Vec::new(), Vec::new());
                        let u0 = if record {
                            ga.resize(d, 0.0);
                            energy.energy_grad(y, &mut ga, &mut cost)
                        } else {
                            energy.energy(y, &mut cost)
                        };
                        let mut u1 = m.walk(
                            &energy,
                            params,
                            y,
                            u0,
                            rng,
                            &mut scratch,
                            Some(&mut walk),
                            &mut cost,
                        );
                        if record {
                            gb.resize(d, 0.0);
                            u1 = energy.energy_grad(y, &mut gb, &mut cost);
                        }
                        *ds = add_block(*ds, u0, u1);
                        (cost, walk.accepts, u1, ga, gb, walk)
                    })
                    .collect();
                let mut cost = EvalCounts::ZERO;
                let mut accepts = 0usize;
                for p in &per {
                    cost += p.0;
                    accepts += p.1;
                }
                if let Some(out) = u_end {
                    for (o, p) in out.iter_mut().zip(&per) {
                        *o = p.2;
                    }
                }
                if let Some(t) = tape {
                    let mut g0 = Vec::with_capacity(n * d);
                    let mut g1 = Vec::with_capacity(n * d);
                    let mut walks = Vec::with_capacity(n);
                    for (_, _, _, ga, gb, w) in per {
                        g0.extend_from_slice(&ga);
                        g1.extend_from_slice(&gb);
                        walks.push(w);
                    }
                    *t = LayerTape::Metropolis { g0, g1, walks };
                }
                let moves = (n * m.steps).max(1);
                Ok(LayerOutcome {
                    evaluations: cost,
                    acceptance: Some(accepts as f64 / moves as f64),
                })
            }
            Layer::Overdamped(b) => {
                let force = Interpolated::new(target, b.lambda);
                let cost = x
                    .par_chunks_mut(d)
                    .zip(ds.par_iter_mut())
                    .zip(rngs.par_iter_mut())
                    .with_min_len(MIN_PER_TASK)
                    .map(|((y, ds), rng)| {
                        let mut cost = EvalCounts::ZERO;
                        match b.walk(&force, y, rng, &mut Vec::new(), &mut cost) {
                            Ok(v) => *ds += v,
                            // A sample whose force became non-finite has weight 0.
                            Err(_) => *ds = f64::NEG_INFINITY,
                        }
                        cost
                    })
                    .reduce(|| EvalCounts::ZERO, |a, b| a + b);
                if let Some(t) = tape {
                    *t = LayerTape::Straight;
                }
                Ok(LayerOutcome {
                    evaluations: cost,
                    acceptance: None,
                })
            }
        }
    }
}

/// One sample's pass through a Metropolis block: (cost, accepted steps, final energy,
/// ∇u_λ(y_0), ∇u_λ(y_K), the walk); the gradients are empty outside training.
type BlockSample = (EvalCounts, usize, f64, Vec<f64>, Vec<f64>, Walk);

/// `ds + (u1 − u0)`, or −∞ (weight 0) when either end is not finite.
#[inline]
fn add_block(ds: f64, u0: f64, u1: f64) -> f64 {
    if u0.is_finite() && u1.is_finite() {
        ds + (u1 - u0)
    } else {
        f64::NEG_INFINITY
    }
}

/// The log path weight `u_Z(z) − u_X(x) + ΔS`, −∞ where any part is not finite.
#[inline]
pub fn log_weight(u_z: f64, u_x: f64, ds: f64) -> f64 {
    let v = u_z - u_x + ds;
    if v.is_nan() { f64::NEG_INFINITY } else { v }
}

/// Draws `z ~ N(0, I)` into `z` from `rng`, returning `u_Z(z)`.
pub fn draw_prior(rng: &mut StreamRng, z: &mut [f64]) -> f64 {
    sampo_core::rng::fill_standard_normal(rng, z);
    prior_energy(z)
}
