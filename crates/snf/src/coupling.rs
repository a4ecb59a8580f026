//! RealNVP affine couplings (`AffineTransformer` in a bgtorch `CouplingFlow`; Dinh,
//! Sohl-Dickstein & Bengio 2017, eq. 4–6), with the SNF code's tanh clamp.
//!
//! The coordinates split into a conditioning part x_C and a transformed part x_T; two
//! MLPs give `μ = t(x_C)` and `log σ = α tanh(s(x_C))`, with `α = exp(log α)` one
//! learnable scalar per coupling (initialized to e^{−1}, bgtorch's `init_downscale`):
//!
//! ```text
//! forward:  y_T = e^{log σ} ⊙ x_T + μ,       ΔS = Σ log σ   (= log|det ∂y/∂x|)
//! inverse:  x_T = e^{−log σ} ⊙ (y_T − μ),    ΔS = −Σ log σ
//! ```
//!
//! and y_C = x_C. The clamp keeps `|log σ| ≤ α`, so one coupling can scale by at
//! most e^{±α}: the stability trick of the reference code (pitfall 4). Parity 0
//! conditions on the first ⌊d/2⌋ coordinates and transforms the rest; parity 1 the
//! other way round: a parity-0 and a parity-1 coupling are bgtorch's
//! coupling–swap–coupling–swap.
//!
//! **Backward.** With `g = ∂L/∂(output)` and `s = ∂L/∂ΔS` per sample, forward:
//! `∂L/∂log σ = g_T ⊙ e^{log σ} ⊙ x_T + s`, `∂L/∂μ = g_T`, `∂L/∂x_T = g_T ⊙ e^{log σ}`;
//! inverse: `∂L/∂log σ = −g_T ⊙ x_T − s`, `∂L/∂μ = −g_T ⊙ e^{−log σ}`,
//! `∂L/∂y_T = g_T ⊙ e^{−log σ}`; then `∂L/∂s-net = α (1 − tanh²) ∂L/∂log σ`,
//! `∂L/∂log α = α Σ tanh(s) ∂L/∂log σ`, and the nets' input gradients add to x_C's.

use crate::mlp::{Mlp, MlpCache};
use serde::{Deserialize, Serialize};

/// An affine coupling (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffineCoupling {
    /// Dimension d.
    pub dim: usize,
    /// 0: condition on the first ⌊d/2⌋ coordinates; 1: on the others.
    pub parity: u8,
    /// The shift net t: |C| → |T|.
    pub shift: Mlp,
    /// The scale net s: |C| → |T|.
    pub scale: Mlp,
    /// Offset of log α in the flow's parameter vector.
    pub log_alpha: usize,
}

/// What a batched pass keeps for its backward pass.
#[derive(Debug, Clone, Default)]
pub struct CouplingCache {
    shift: MlpCache,
    scale: MlpCache,
    /// tanh(s(x_C)), B × |T|.
    tanh: Vec<f64>,
    /// The pass's output transformed part (B × |T|): y_T forward, x_T inverse.
    out_t: Vec<f64>,
    /// The pass's input transformed part: x_T forward, y_T inverse.
    in_t: Vec<f64>,
    batch: usize,
}

impl AffineCoupling {
    /// The coordinate ranges (conditioning, transformed).
    pub fn parts(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let h = self.dim / 2;
        if self.parity == 0 {
            (0..h, h..self.dim)
        } else {
            (h..self.dim, 0..h)
        }
    }

    /// Number of parameters (both nets and log α).
    pub fn num_params(&self) -> usize {
        self.shift.num_params() + self.scale.num_params() + 1
    }

    /// Applies the coupling to a batch in place (`inverse`: the inverse map); adds
    /// each sample's ΔS to `ds`. With `cache`, keeps what the backward pass needs.
    pub fn apply(
        &self,
        params: &[f64],
        x: &mut [f64],
        ds: &mut [f64],
        inverse: bool,
        cache: &mut CouplingCache,
    ) {
        let d = self.dim;
        let batch = ds.len();
        let (c, t) = self.parts();
        let (nc, nt) = (c.len(), t.len());
        let mut xc = Vec::with_capacity(batch * nc);
        for row in x.chunks_exact(d) {
            xc.extend_from_slice(&row[c.clone()]);
        }
        self.shift.forward(params, &xc, batch, &mut cache.shift);
        self.scale.forward(params, &xc, batch, &mut cache.scale);
        let alpha = params[self.log_alpha].exp();
        cache.batch = batch;
        cache.tanh.clear();
        cache.in_t.clear();
        cache.out_t.clear();
        let (mu, s) = (cache.shift.output(), cache.scale.output());
        for (i, row) in x.chunks_exact_mut(d).enumerate() {
            let mut sum = 0.0;
            for (j, xt) in row[t.clone()].iter_mut().enumerate() {
                let th = s[i * nt + j].tanh();
                let ls = alpha * th;
                cache.tanh.push(th);
                cache.in_t.push(*xt);
                *xt = if inverse {
                    (*xt - mu[i * nt + j]) * (-ls).exp()
                } else {
                    *xt * ls.exp() + mu[i * nt + j]
                };
                cache.out_t.push(*xt);
                sum += ls;
            }
            ds[i] += if inverse { -sum } else { sum };
        }
    }

    /// Backward pass of the last [`AffineCoupling::apply`] (same direction): `g`
    /// (B × d) holds ∂L/∂(output) and is overwritten with ∂L/∂(input); `s` is ∂L/∂ΔS
    /// per sample; parameter gradients are added into `grads`.
    pub fn backward(
        &self,
        params: &[f64],
        cache: &CouplingCache,
        g: &mut [f64],
        s: &[f64],
        inverse: bool,
        grads: &mut [f64],
    ) {
        let d = self.dim;
        let batch = cache.batch;
        let (c, t) = self.parts();
        let (nc, nt) = (c.len(), t.len());
        let alpha = params[self.log_alpha].exp();
        let mut g_mu = vec![0.0; batch * nt];
        let mut g_s = vec![0.0; batch * nt];
        let mut g_alpha = 0.0;
        for (i, row) in g.chunks_exact_mut(d).enumerate() {
            for (j, gt) in row[t.clone()].iter_mut().enumerate() {
                let k = i * nt + j;
                let th = cache.tanh[k];
                let ls = alpha * th;
                let g_ls = if inverse {
                    g_mu[k] = -*gt * (-ls).exp();
                    let out = -*gt * cache.out_t[k] - s[i];
                    *gt *= (-ls).exp();
                    out
                } else {
                    g_mu[k] = *gt;
                    let out = *gt * ls.exp() * cache.in_t[k] + s[i];
                    *gt *= ls.exp();
                    out
                };
                g_s[k] = g_ls * alpha * (1.0 - th * th);
                g_alpha += g_ls * th;
            }
        }
        grads[self.log_alpha] += alpha * g_alpha;
        let mut gc = vec![0.0; batch * nc];
        self.shift
            .backward(params, &cache.shift, &g_mu, grads, Some(&mut gc));
        for (row, add) in g.chunks_exact_mut(d).zip(gc.chunks_exact(nc)) {
            for (gv, a) in row[c.clone()].iter_mut().zip(add) {
                *gv += a;
            }
        }
        self.scale
            .backward(params, &cache.scale, &g_s, grads, Some(&mut gc));
        for (row, add) in g.chunks_exact_mut(d).zip(gc.chunks_exact(nc)) {
            for (gv, a) in row[c.clone()].iter_mut().zip(add) {
                *gv += a;
            }
        }
    }
}
