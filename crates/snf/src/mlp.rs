//! Dense ReLU networks with hand-written reverse mode, the coupling layers'
//! conditioners (bgtorch's `DenseNet`: Linear → ReLU → … → Linear, no activation after
//! the last layer).
//!
//! For a batch `H_0` (B × n_0, one row per sample) layer l computes
//! `Z_l = H_{l−1} W_lᵀ + 1 b_lᵀ` (W_l is n_l × n_{l−1}, row-major), `H_l = max(Z_l, 0)`
//! for hidden layers and `H_L = Z_L` for the output. Given `G = ∂L/∂H_L` the backward
//! pass accumulates `∂L/∂W_l += G_lᵀ H_{l−1}`, `∂L/∂b_l += 1ᵀ G_l` and passes
//! `∂L/∂H_{l−1} = G_l W_l`, masked by `Z_{l−1} > 0` (equivalently `H_{l−1} > 0`)
//! through the ReLU. The products are GEMMs ([`matrixmultiply::dgemm`]).
//!
//! **Why not an autodiff crate.** See docs/snf.md, "Implementation": the networks are
//! three-layer MLPs on batches of 128, where per-op overhead dominates; the gradient
//! is checked against central finite differences in the tests.
//!
//! Parameters live in the flow's one flat vector; an [`Mlp`] knows its offset there.
//! Layout per layer: `W_l` (row-major) then `b_l`.

use sampo_core::rng::{StreamRng, uniform};
use serde::{Deserialize, Serialize};

/// A dense ReLU network (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mlp {
    /// Layer widths `n_0 (input), n_1, …, n_L (output)`.
    sizes: Vec<usize>,
    /// Offset of the first parameter in the flow's parameter vector.
    offset: usize,
}

/// The activations a forward pass keeps for its backward pass.
#[derive(Debug, Clone, Default)]
pub struct MlpCache {
    /// `H_0 … H_L`, each B × n_l row-major.
    acts: Vec<Vec<f64>>,
    batch: usize,
}

impl MlpCache {
    /// The output `H_L` of the last forward pass (B × n_L).
    pub fn output(&self) -> &[f64] {
        self.acts.last().map_or(&[], |v| v.as_slice())
    }
}

/// `C = alpha A B + beta C` for row-major A (m × k, row stride `rsa`, column stride
/// `csa`), B (k × n) and C (m × n, contiguous rows).
#[allow(clippy::too_many_arguments)]
fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    (rsa, csa): (usize, usize),
    b: &[f64],
    (rsb, csb): (usize, usize),
    beta: f64,
    c: &mut [f64],
) {
    debug_assert!(c.len() >= m * n);
    debug_assert!(m == 0 || k == 0 || a.len() > (m - 1) * rsa + (k - 1) * csa);
    debug_assert!(k == 0 || n == 0 || b.len() > (k - 1) * rsb + (n - 1) * csb);
    // SAFETY: the asserted lengths bound every index dgemm reads (A, B) or writes (C);
    // the slices do not alias (C is a unique borrow).
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

impl Mlp {
    /// A network of widths `sizes` whose parameters start at `offset`.
    pub fn new(sizes: Vec<usize>, offset: usize) -> Self {
        Mlp { sizes, offset }
    }

    /// Number of parameters, `Σ_l n_l (n_{l−1} + 1)`.
    pub fn num_params(&self) -> usize {
        self.sizes.windows(2).map(|w| w[1] * (w[0] + 1)).sum()
    }

    /// Input width.
    pub fn input(&self) -> usize {
        self.sizes[0]
    }

    /// Output width.
    pub fn output(&self) -> usize {
        *self.sizes.last().expect("an MLP has at least two widths")
    }

    /// The offset of its parameters in the flow's vector.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// PyTorch's default `Linear` initialization: weights and biases uniform on
    /// `±1/√n_in` (Kaiming-uniform with a = √5), into `params[offset..]`.
    pub fn init(&self, params: &mut [f64], rng: &mut StreamRng) {
        let mut o = self.offset;
        for w in self.sizes.windows(2) {
            let bound = 1.0 / (w[0] as f64).sqrt();
            for p in &mut params[o..o + w[1] * (w[0] + 1)] {
                *p = bound * (2.0 * uniform(rng) - 1.0);
            }
            o += w[1] * (w[0] + 1);
        }
    }

    /// Forward pass on `x` (B × n_0); the output is `cache.output()`.
    pub fn forward(&self, params: &[f64], x: &[f64], batch: usize, cache: &mut MlpCache) {
        let layers = self.sizes.len() - 1;
        cache.batch = batch;
        cache.acts.resize_with(layers + 1, Vec::new);
        cache.acts[0].clear();
        cache.acts[0].extend_from_slice(&x[..batch * self.sizes[0]]);
        let mut o = self.offset;
        for l in 0..layers {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let w = &params[o..o + n_out * n_in];
            let b = &params[o + n_out * n_in..o + n_out * (n_in + 1)];
            o += n_out * (n_in + 1);
            let (prev, rest) = cache.acts.split_at_mut(l + 1);
            let h = &mut rest[0];
            h.clear();
            for _ in 0..batch {
                h.extend_from_slice(b);
            }
            // Z = H_{l−1} Wᵀ + b: Wᵀ (n_in × n_out) read from row-major W.
            gemm(
                batch,
                n_in,
                n_out,
                &prev[l],
                (n_in, 1),
                w,
                (1, n_in),
                1.0,
                h,
            );
            if l + 1 < layers {
                h.iter_mut().for_each(|v| *v = v.max(0.0));
            }
        }
    }

    /// Backward pass of the last [`Mlp::forward`]: `g_out = ∂L/∂H_L` (B × n_L) is
    /// consumed; parameter gradients are added into `grads` (same layout as
    /// `params`), and `∂L/∂H_0` is written into `g_in` (B × n_0) when given.
    pub fn backward(
        &self,
        params: &[f64],
        cache: &MlpCache,
        g_out: &[f64],
        grads: &mut [f64],
        g_in: Option<&mut [f64]>,
    ) {
        let batch = cache.batch;
        let layers = self.sizes.len() - 1;
        let mut offsets = Vec::with_capacity(layers);
        let mut o = self.offset;
        for w in self.sizes.windows(2) {
            offsets.push(o);
            o += w[1] * (w[0] + 1);
        }
        let mut g = g_out[..batch * self.output()].to_vec();
        let mut g_prev = Vec::new();
        let want_input = g_in.is_some();
        for l in (0..layers).rev() {
            let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
            let o = offsets[l];
            let h_prev = &cache.acts[l];
            // ∂W += Gᵀ H_{l−1}: Gᵀ (n_out × B) read from row-major G.
            gemm(
                n_out,
                batch,
                n_in,
                &g,
                (1, n_out),
                h_prev,
                (n_in, 1),
                1.0,
                &mut grads[o..o + n_out * n_in],
            );
            let gb = &mut grads[o + n_out * n_in..o + n_out * (n_in + 1)];
            for row in g.chunks_exact(n_out) {
                for (acc, v) in gb.iter_mut().zip(row) {
                    *acc += v;
                }
            }
            if l == 0 && !want_input {
                break;
            }
            // ∂H_{l−1} = G W, then through the ReLU of layer l−1.
            g_prev.clear();
            g_prev.resize(batch * n_in, 0.0);
            let w = &params[o..o + n_out * n_in];
            gemm(
                batch,
                n_out,
                n_in,
                &g,
                (n_out, 1),
                w,
                (n_in, 1),
                0.0,
                &mut g_prev,
            );
            if l > 0 {
                for (gv, hv) in g_prev.iter_mut().zip(h_prev) {
                    if *hv <= 0.0 {
                        *gv = 0.0;
                    }
                }
            }
            std::mem::swap(&mut g, &mut g_prev);
        }
        if let Some(out) = g_in {
            out[..batch * self.sizes[0]].copy_from_slice(&g[..batch * self.sizes[0]]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng::{fill_standard_normal, stream};

    /// L = Σ c ⊙ MLP(x) for fixed random c: the gradient against central differences.
    #[test]
    fn backward_matches_finite_differences() {
        let mlp = Mlp::new(vec![3, 5, 4, 2], 7);
        let mut rng = stream(1, 0);
        let mut params = vec![0.0; 7 + mlp.num_params()];
        mlp.init(&mut params, &mut rng);
        let batch = 4;
        let mut x = vec![0.0; batch * 3];
        fill_standard_normal(&mut rng, &mut x);
        let mut c = vec![0.0; batch * 2];
        fill_standard_normal(&mut rng, &mut c);
        let loss = |p: &[f64], x: &[f64]| {
            let mut cache = MlpCache::default();
            mlp.forward(p, x, batch, &mut cache);
            cache
                .output()
                .iter()
                .zip(&c)
                .map(|(a, b)| a * b)
                .sum::<f64>()
        };
        let mut cache = MlpCache::default();
        mlp.forward(&params, &x, batch, &mut cache);
        let mut grads = vec![0.0; params.len()];
        let mut gx = vec![0.0; x.len()];
        mlp.backward(&params, &cache, &c, &mut grads, Some(&mut gx));
        let h = 1e-6;
        for i in 0..params.len() {
            let (mut p1, mut p2) = (params.clone(), params.clone());
            p1[i] += h;
            p2[i] -= h;
            let fd = (loss(&p1, &x) - loss(&p2, &x)) / (2.0 * h);
            assert!(
                (fd - grads[i]).abs() < 1e-6,
                "param {i}: {fd} vs {}",
                grads[i]
            );
        }
        for i in 0..x.len() {
            let (mut x1, mut x2) = (x.clone(), x.clone());
            x1[i] += h;
            x2[i] -= h;
            let fd = (loss(&params, &x1) - loss(&params, &x2)) / (2.0 * h);
            assert!((fd - gx[i]).abs() < 1e-6, "input {i}: {fd} vs {}", gx[i]);
        }
        // Parameters before the offset are not touched.
        assert!(grads[..7].iter().all(|&g| g == 0.0));
    }
}
