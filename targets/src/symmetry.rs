//! The exact symmetries of the physics targets, to symmetrize reference sets.
//!
//! A long MCMC run mixes the invariant statistics (energy, distances, |m|) long
//! before it visits every symmetric copy of the distribution: a φ⁴ chain in the
//! broken phase keeps the sign of its magnetization, and a cluster keeps its
//! particle labels and orientation for long stretches. The target is invariant
//! under these maps (the density is unchanged, and so is the Lebesgue measure), so
//! applying an independent uniformly random element of the group to every draw
//! leaves the target distribution invariant and removes that bias from a reference
//! set's coordinates:
//!
//! * [`Symmetry::Particles`]: a uniform random permutation of the particles
//!   (Fisher–Yates) and a Haar-random orthogonal matrix of O(s) applied to every
//!   particle (pair potentials and the CoM oscillator depend on distances only);
//!   the zero centre of mass is kept.
//! * [`Symmetry::SignFlip`]: φ → −φ with probability ½ (S is even in φ).

use crate::ComFrame;
use sampo_core::rng::{StreamRng, standard_normal, uniform};

/// A target's symmetry group (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symmetry {
    /// Permutations of the particles and O(s) acting on each.
    Particles(ComFrame),
    /// The global sign flip.
    SignFlip,
}

/// A Haar-random s × s orthogonal matrix (row-major): Gram–Schmidt on a Gaussian
/// matrix's columns, which is QR with R's diagonal positive (Mezzadri 2007, §4).
fn haar_orthogonal(s: usize, rng: &mut StreamRng) -> Vec<f64> {
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(s);
    while cols.len() < s {
        let mut v: Vec<f64> = (0..s).map(|_| standard_normal(rng)).collect();
        for c in &cols {
            let dot: f64 = v.iter().zip(c).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(c).for_each(|(a, b)| *a -= dot * b);
        }
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        // A Gaussian vector in the span of the others has probability 0; redraw.
        if norm > 1e-12 {
            v.iter_mut().for_each(|a| *a /= norm);
            cols.push(v);
        }
    }
    let mut q = vec![0.0; s * s];
    for (j, c) in cols.iter().enumerate() {
        for i in 0..s {
            q[i * s + j] = c[i];
        }
    }
    q
}

impl Symmetry {
    /// Applies a uniformly random element of the group to `x` in place.
    pub fn apply_random(&self, x: &mut [f64], rng: &mut StreamRng) {
        match self {
            Symmetry::SignFlip => {
                if uniform(rng) < 0.5 {
                    x.iter_mut().for_each(|v| *v = -*v);
                }
            }
            Symmetry::Particles(f) => {
                let (n, s) = (f.particles(), f.spatial_dim());
                // Fisher–Yates on whole particles.
                for i in (1..n).rev() {
                    let j = ((uniform(rng) * (i + 1) as f64) as usize).min(i);
                    for c in 0..s {
                        x.swap(i * s + c, j * s + c);
                    }
                }
                let q = haar_orthogonal(s, rng);
                let mut p = vec![0.0; s];
                for i in 0..n {
                    for (r, pr) in p.iter_mut().enumerate() {
                        *pr = (0..s).map(|c| q[r * s + c] * x[i * s + c]).sum();
                    }
                    x[i * s..(i + 1) * s].copy_from_slice(&p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LennardJones, ParticleSystem, Phi4};
    use sampo_core::Target;

    #[test]
    fn random_symmetries_keep_the_density_and_the_centre() {
        let lj = LennardJones::cluster(13);
        let f = lj.frame();
        let mut r = sampo_core::rng::stream(9, 0);
        let mut x: Vec<f64> = (0..39).map(|i| (i as f64 * 1.37).sin() * 1.5).collect();
        let m = f.centre_of_mass(&x);
        for (i, v) in x.iter_mut().enumerate() {
            *v -= m[i % 3];
        }
        let before = lj.log_density(&x);
        for _ in 0..20 {
            Symmetry::Particles(f).apply_random(&mut x, &mut r);
            assert!((lj.log_density(&x) - before).abs() < 1e-9 * before.abs().max(1.0));
            assert!(f.centre_of_mass(&x).iter().all(|c| c.abs() < 1e-12));
        }
        let phi = Phi4::new(4, 0.3, 0.02).unwrap();
        let mut p: Vec<f64> = (0..16).map(|i| 1.0 + 0.1 * i as f64).collect();
        let s0 = phi.log_density(&p);
        let mut flips = 0;
        for _ in 0..400 {
            let first = p[0];
            Symmetry::SignFlip.apply_random(&mut p, &mut r);
            flips += usize::from(p[0] != first);
            assert_eq!(phi.log_density(&p), s0);
        }
        // Binomial(400, ½): 4 standard deviations are ±40.
        assert!((flips as i64 - 200).abs() < 40, "{flips}");
    }

    #[test]
    fn haar_matrices_are_orthogonal_and_cover_both_components() {
        let mut r = sampo_core::rng::stream(2, 0);
        let mut negative = 0;
        for _ in 0..200 {
            let q = haar_orthogonal(3, &mut r);
            for a in 0..3 {
                for b in 0..3 {
                    let dot: f64 = (0..3).map(|k| q[k * 3 + a] * q[k * 3 + b]).sum();
                    assert!((dot - f64::from(u8::from(a == b))).abs() < 1e-12);
                }
            }
            let det = q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6])
                + q[2] * (q[3] * q[7] - q[4] * q[6]);
            negative += usize::from(det < 0.0);
        }
        // det = −1 (reflections) with probability ½: 4 sd of Binomial(200, ½) ≈ 28.
        assert!((negative as i64 - 100).abs() < 28, "{negative}");
    }
}
