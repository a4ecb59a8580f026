//! Sampling translation-invariant particle systems (DW-4, Lennard-Jones) in the
//! zero-centre-of-mass subspace.
//!
//! A pair potential on n particles in s dimensions is invariant under x_i → x_i + t,
//! so e^{−E} is not normalizable on R^{n·s}. The Boltzmann distribution everyone
//! samples (bgflow, EGNF, iDEM: their reference sets are `remove_mean`-ed) is the
//! one on the subspace Σ_i x_i = 0, with Lebesgue measure on that subspace.
//!
//! **What Sampo does: sample in the (n − 1)·s subspace and map back.** [`ComFrame`]
//! is an orthonormal basis of the subspace: the Helmert contrasts, per spatial
//! coordinate. [`MeanFree`] presents the target on the reduced coordinates y ∈
//! R^{(n−1)s}: log π̃(y) = log π(H y) and ∇ log π̃(y) = Hᵀ ∇ log π(H y). H is an
//! isometry, so every sampler runs unchanged and exactly on the CoM-free
//! distribution (no projection step, which would break the detailed balance of
//! gradient-free kernels), distances and W2 are the same in both coordinates, and
//! [`ComFrame::embed`] returns samples in the n·s particle coordinates with zero
//! centre of mass. Because the potential is translation invariant its gradient has
//! zero sum over particles, so Hᵀ ∇ log π loses nothing.
//!
//! Helmert column k = 1, …, n − 1: h_k(i) = 1/√(k(k+1)) for i < k, −k/√(k(k+1)) for
//! i = k, 0 for i > k. The columns are orthonormal and orthogonal to (1, …, 1);
//! both maps cost O(n·s) through prefix and suffix sums.

use crate::TargetError;
use sampo_core::{GradTarget, Particles, Target};

/// The orthonormal zero-centre-of-mass coordinates of n particles in s dimensions
/// (module docs). Reduced coordinate (k − 1)·s + c is Helmert contrast k of spatial
/// coordinate c, mirroring the particle layout i·s + c.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComFrame {
    particles: usize,
    spatial_dim: usize,
}

/// 1/√(k(k+1)): the scale of Helmert contrast k.
fn contrast(k: usize) -> f64 {
    let k = k as f64;
    1.0 / (k * (k + 1.0)).sqrt()
}

impl ComFrame {
    /// The frame of `particles` ≥ 2 particles in `spatial_dim` ≥ 1 dimensions.
    pub fn new(particles: usize, spatial_dim: usize) -> Result<Self, TargetError> {
        if particles < 2 {
            return Err(TargetError::invalid(
                "particles",
                particles,
                "needs at least 2 particles",
            ));
        }
        if spatial_dim == 0 {
            return Err(TargetError::invalid(
                "spatial_dim",
                spatial_dim,
                "needs at least 1 spatial dimension",
            ));
        }
        Ok(ComFrame {
            particles,
            spatial_dim,
        })
    }

    /// Number of particles n.
    pub fn particles(&self) -> usize {
        self.particles
    }

    /// Spatial dimension s.
    pub fn spatial_dim(&self) -> usize {
        self.spatial_dim
    }

    /// n·s, the particle coordinates' dimension.
    pub fn ambient_dim(&self) -> usize {
        self.particles * self.spatial_dim
    }

    /// (n − 1)·s, the subspace's dimension.
    pub fn reduced_dim(&self) -> usize {
        (self.particles - 1) * self.spatial_dim
    }

    /// x = H y: particle coordinates with zero centre of mass.
    pub fn embed(&self, y: &[f64], x: &mut [f64]) {
        let (n, s) = (self.particles, self.spatial_dim);
        debug_assert_eq!(y.len(), self.reduced_dim());
        debug_assert_eq!(x.len(), self.ambient_dim());
        for c in 0..s {
            // x_i = Σ_{k>i} c_k y_k − i c_i y_i, the sum kept as a suffix sum.
            let mut suffix = 0.0;
            for i in (0..n).rev() {
                let own = if i >= 1 {
                    i as f64 * contrast(i) * y[(i - 1) * s + c]
                } else {
                    0.0
                };
                x[i * s + c] = suffix - own;
                if i >= 1 {
                    suffix += contrast(i) * y[(i - 1) * s + c];
                }
            }
        }
    }

    /// y = Hᵀ x: the reduced coordinates of x (its centre of mass dropped).
    pub fn reduce(&self, x: &[f64], y: &mut [f64]) {
        let (n, s) = (self.particles, self.spatial_dim);
        debug_assert_eq!(y.len(), self.reduced_dim());
        debug_assert_eq!(x.len(), self.ambient_dim());
        for c in 0..s {
            // y_k = c_k (Σ_{i<k} x_i − k x_k), the sum kept as a prefix sum.
            let mut prefix = x[c];
            for k in 1..n {
                let xk = x[k * s + c];
                y[(k - 1) * s + c] = contrast(k) * (prefix - k as f64 * xk);
                prefix += xk;
            }
        }
    }

    /// Every row of reduced-coordinate samples embedded into particle coordinates.
    pub fn embed_particles(&self, reduced: &Particles) -> Particles {
        let mut out = Particles::zeros(reduced.len(), self.ambient_dim());
        for (i, y) in reduced.rows().enumerate() {
            self.embed(y, out.row_mut(i));
        }
        out
    }

    /// Every row of particle coordinates mapped to the reduced coordinates.
    pub fn reduce_particles(&self, ambient: &Particles) -> Particles {
        let mut out = Particles::zeros(ambient.len(), self.reduced_dim());
        for (i, x) in ambient.rows().enumerate() {
            self.reduce(x, out.row_mut(i));
        }
        out
    }

    /// The centre of mass x̄ = (1/n) Σ_i x_i of one configuration.
    pub fn centre_of_mass(&self, x: &[f64]) -> Vec<f64> {
        let s = self.spatial_dim;
        let mut m = vec![0.0; s];
        for p in x.chunks_exact(s) {
            m.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
        m.iter_mut().for_each(|a| *a /= self.particles as f64);
        m
    }

    /// The n(n − 1)/2 pair distances |x_i − x_j|, i < j, of one configuration.
    pub fn pair_distances(&self, x: &[f64], out: &mut Vec<f64>) {
        let (n, s) = (self.particles, self.spatial_dim);
        for i in 0..n {
            for j in i + 1..n {
                let r2: f64 = (0..s).map(|c| (x[i * s + c] - x[j * s + c]).powi(2)).sum();
                out.push(r2.sqrt());
            }
        }
    }
}

/// A translation-invariant particle target that knows its frame.
pub trait ParticleSystem: GradTarget {
    /// The system's n and s.
    fn frame(&self) -> ComFrame;
}

/// A target on the reduced coordinates of its [`ComFrame`] (module docs): dimension
/// (n − 1)·s, log π̃(y) = log π(H y).
#[derive(Debug, Clone)]
pub struct MeanFree<T> {
    inner: T,
    frame: ComFrame,
}

impl<T: GradTarget> MeanFree<T> {
    /// Wraps `inner`, whose dimension must be n·s of `frame`.
    pub fn new(inner: T, frame: ComFrame) -> Result<Self, TargetError> {
        if inner.dim() != frame.ambient_dim() {
            return Err(TargetError::dim(
                "the target (particles × spatial_dim coordinates)",
                frame.ambient_dim(),
                inner.dim(),
            ));
        }
        Ok(MeanFree { inner, frame })
    }

    /// The frame.
    pub fn frame(&self) -> ComFrame {
        self.frame
    }

    /// The wrapped target on particle coordinates.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    fn ambient(&self, y: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.frame.ambient_dim()];
        self.frame.embed(y, &mut x);
        x
    }
}

impl<T: GradTarget> Target for MeanFree<T> {
    fn dim(&self) -> usize {
        self.frame.reduced_dim()
    }
    fn log_density(&self, y: &[f64]) -> f64 {
        self.inner.log_density(&self.ambient(y))
    }
    fn data_terms(&self) -> u64 {
        self.inner.data_terms()
    }
}

impl<T: GradTarget> GradTarget for MeanFree<T> {
    fn log_density_grad(&self, y: &[f64], grad: &mut [f64]) -> f64 {
        let x = self.ambient(y);
        let mut gx = vec![0.0; x.len()];
        let v = self.inner.log_density_grad(&x, &mut gx);
        self.frame.reduce(&gx, grad);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LennardJones, MultiDoubleWell};
    use proptest::prelude::*;

    #[test]
    fn the_helmert_basis_is_orthonormal_and_mean_free() {
        for (n, s) in [(2, 1), (4, 2), (13, 3), (7, 1)] {
            let f = ComFrame::new(n, s).unwrap();
            let r = f.reduced_dim();
            let cols: Vec<Vec<f64>> = (0..r)
                .map(|k| {
                    let mut e = vec![0.0; r];
                    e[k] = 1.0;
                    let mut x = vec![0.0; f.ambient_dim()];
                    f.embed(&e, &mut x);
                    x
                })
                .collect();
            for a in 0..r {
                assert!(f.centre_of_mass(&cols[a]).iter().all(|m| m.abs() < 1e-15));
                for b in 0..r {
                    let dot: f64 = cols[a].iter().zip(&cols[b]).map(|(u, v)| u * v).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((dot - want).abs() < 1e-14, "n {n} s {s} ({a}, {b}): {dot}");
                }
            }
        }
        assert!(ComFrame::new(1, 3).is_err());
        assert!(ComFrame::new(3, 0).is_err());
    }

    proptest! {
        #[test]
        fn reduce_inverts_embed_and_removes_only_the_centre(
            x in proptest::collection::vec(-5.0f64..5.0, 12),
        ) {
            let f = ComFrame::new(4, 3).unwrap();
            let mut y = vec![0.0; 9];
            f.reduce(&x, &mut y);
            let mut back = vec![0.0; 12];
            f.embed(&y, &mut back);
            let m = f.centre_of_mass(&x);
            for i in 0..4 {
                for c in 0..3 {
                    prop_assert!((back[i * 3 + c] - (x[i * 3 + c] - m[c])).abs() < 1e-12);
                }
            }
            let mut again = vec![0.0; 9];
            f.reduce(&back, &mut again);
            for (a, b) in y.iter().zip(&again) {
                prop_assert!((a - b).abs() < 1e-12);
            }
        }

        #[test]
        fn reduced_gradients_match_finite_differences(
            y in proptest::collection::vec(-0.3f64..0.3, 6),
        ) {
            // A square of side 4 (DW-4's d0) plus a small reduced displacement.
            let dw = MultiDoubleWell::dw4();
            let f = dw.frame();
            let mut y0 = vec![0.0; 6];
            f.reduce(&[0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0], &mut y0);
            let y: Vec<f64> = y0.iter().zip(&y).map(|(a, b)| a + b).collect();
            let t = MeanFree::new(dw, f).unwrap();
            prop_assert!(sampo_core::numdiff::check_gradient(&t, &y, 1e-6).is_ok());
        }
    }

    #[test]
    fn the_wrapper_evaluates_the_target_at_the_embedded_point() {
        let lj = LennardJones::cluster(13);
        let f = lj.frame();
        let t = MeanFree::new(lj, f).unwrap();
        assert_eq!(t.dim(), 36);
        let mut r = sampo_core::rng::stream(5, 0);
        let mut x = vec![0.0; 39];
        for (i, v) in x.iter_mut().enumerate() {
            *v = 1.2 * (i / 3) as f64 + 0.1 * sampo_core::rng::standard_normal(&mut r);
        }
        let mut y = vec![0.0; 36];
        f.reduce(&x, &mut y);
        // Translation invariance: the value at x equals the value at its centred copy.
        assert!((t.log_density(&y) - lj.log_density(&x)).abs() < 1e-9);
        assert!(MeanFree::new(lj, ComFrame::new(12, 3).unwrap()).is_err());
    }
}
