//! Particle systems with pair potentials, for the physics benchmarks (peers.md
//! §A.4.4–A.4.6): the multi-particle double well DW-4 and Lennard-Jones clusters.
//!
//! Particle i of n in spatial dimension s holds coordinates i·s .. i·s + s − 1; the
//! target's dimension is n·s, and log π = −E/T (temperature T = 1 unless
//! [`MultiDoubleWell::with_temperature`] / [`LennardJones::with_temperature`] say
//! otherwise). Both energies depend on pair distances only (the oscillator on
//! distances to the centre of mass), so they are translation invariant: the density
//! is not normalizable on R^{n·s}. Samplers run them in the zero-centre-of-mass
//! subspace ([`crate::mean_free`]); the harness does so for every `dw4` and
//! `lennard-jones` target and reports samples with zero centre of mass.
//!
//! There is no exact sampler or log Z; reference samples come from our own long
//! converged runs (`sampo-bench reference`, docs/physics.md).

use crate::TargetError;
use crate::error::check_dim_param;
use crate::mean_free::{ComFrame, ParticleSystem};
use sampo_core::{GradTarget, Target, validate};

/// Checks a system's shape: at least 2 particles, a spatial dimension ≥ 1.
fn check_particles(particles: usize, spatial_dim: usize) -> Result<(), TargetError> {
    check_dim_param("particles", particles)?;
    check_dim_param("spatial_dim", spatial_dim)?;
    if particles < 2 {
        return Err(TargetError::invalid(
            "particles",
            particles,
            "needs at least 2 particles",
        ));
    }
    Ok(())
}

/// Calls `f(i, j, r, diff)` for every unordered pair i < j with r = |x_i − x_j| and
/// `diff` = x_i − x_j.
fn for_pairs(x: &[f64], s: usize, mut f: impl FnMut(usize, usize, f64, &[f64])) {
    let n = x.len() / s;
    let mut diff = vec![0.0; s];
    for i in 0..n {
        for j in i + 1..n {
            let mut r2 = 0.0;
            for k in 0..s {
                diff[k] = x[i * s + k] - x[j * s + k];
                r2 += diff[k] * diff[k];
            }
            f(i, j, r2.sqrt(), &diff);
        }
    }
}

/// Adds `coef · diff / r` to particle i's gradient and subtracts it from j's:
/// the gradient of a function of r = |x_i − x_j| with derivative `coef`.
fn add_pair_gradient(
    grad: &mut [f64],
    s: usize,
    i: usize,
    j: usize,
    coef_over_r: f64,
    diff: &[f64],
) {
    for k in 0..s {
        let g = coef_over_r * diff[k];
        grad[i * s + k] += g;
        grad[j * s + k] -= g;
    }
}

/// DW-4 and its generalization: E = Σ_{i<j} [a (d_ij − d0)⁴ + b (d_ij − d0)² + c]
/// (bgflow's `MultiDoubleWellPotential`, as used by EGNF and iDEM, whose DW-4 is
/// n = 4, s = 2, a = 0.9, b = −4, c = 0, d0 = 4; the same convention, factor 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultiDoubleWell {
    particles: usize,
    spatial_dim: usize,
    a: f64,
    b: f64,
    c: f64,
    d0: f64,
    /// 1/T.
    beta: f64,
}

impl MultiDoubleWell {
    /// The potential with `particles` particles in `spatial_dim` dimensions.
    pub fn new(
        particles: usize,
        spatial_dim: usize,
        a: f64,
        b: f64,
        c: f64,
        d0: f64,
    ) -> Result<Self, TargetError> {
        check_particles(particles, spatial_dim)?;
        validate::positive("a", a)?;
        validate::finite("b", b)?;
        validate::finite("c", c)?;
        validate::finite("d0", d0)?;
        Ok(MultiDoubleWell {
            particles,
            spatial_dim,
            a,
            b,
            c,
            d0,
            beta: 1.0,
        })
    }

    /// The same potential at temperature `t` > 0: log π = −E/t.
    pub fn with_temperature(self, t: f64) -> Result<Self, TargetError> {
        let t = validate::positive("temperature", t)?;
        Ok(MultiDoubleWell {
            beta: 1.0 / t,
            ..self
        })
    }

    /// DW-4: 4 particles in 2-D, a = 0.9, b = −4, c = 0, d0 = 4.
    pub fn dw4() -> Self {
        MultiDoubleWell::new(4, 2, 0.9, -4.0, 0.0, 4.0).expect("valid")
    }

    /// The energy E(x).
    pub fn energy(&self, x: &[f64]) -> f64 {
        let mut e = 0.0;
        for_pairs(x, self.spatial_dim, |_, _, r, _| {
            let u = r - self.d0;
            e += self.a * u.powi(4) + self.b * u * u + self.c;
        });
        e
    }
}

impl Target for MultiDoubleWell {
    fn dim(&self) -> usize {
        self.particles * self.spatial_dim
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -self.beta * self.energy(x)
    }
}

impl ParticleSystem for MultiDoubleWell {
    fn frame(&self) -> ComFrame {
        ComFrame::new(self.particles, self.spatial_dim).expect("checked at construction")
    }
}

impl GradTarget for MultiDoubleWell {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let s = self.spatial_dim;
        let mut e = 0.0;
        for_pairs(x, s, |i, j, r, diff| {
            let u = r - self.d0;
            e += self.a * u.powi(4) + self.b * u * u + self.c;
            // dE/dr = 4a u³ + 2b u; at r = 0 the direction is undefined and the
            // pair contributes no gradient (a measure-zero set).
            if r > 0.0 {
                let de = 4.0 * self.a * u * u * u + 2.0 * self.b * u;
                add_pair_gradient(grad, s, i, j, -self.beta * de / r, diff);
            }
        });
        -self.beta * e
    }
}

/// A Lennard-Jones cluster with a harmonic tether to its centre of mass:
/// E = ε Σ_{i<j} [(r_m/r_ij)¹² − 2 (r_m/r_ij)⁶] + ½ k Σ_i |x_i − x̄|²
/// (bgflow's `LennardJonesPotential` with its oscillator at scale 1; iDEM's LJ term
/// is twice ours). Two particles at one point have E = +∞ (log π = −∞), never NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LennardJones {
    particles: usize,
    spatial_dim: usize,
    epsilon: f64,
    r_m: f64,
    oscillator: f64,
    /// 1/T.
    beta: f64,
}

impl LennardJones {
    /// The cluster (ε > 0, r_m > 0, k ≥ 0).
    pub fn new(
        particles: usize,
        spatial_dim: usize,
        epsilon: f64,
        r_m: f64,
        oscillator: f64,
    ) -> Result<Self, TargetError> {
        check_particles(particles, spatial_dim)?;
        validate::positive("epsilon", epsilon)?;
        validate::positive("r_m", r_m)?;
        validate::non_negative("oscillator", oscillator)?;
        Ok(LennardJones {
            particles,
            spatial_dim,
            epsilon,
            r_m,
            oscillator,
            beta: 1.0,
        })
    }

    /// The same cluster at temperature `t` > 0: log π = −E/t.
    pub fn with_temperature(self, t: f64) -> Result<Self, TargetError> {
        let t = validate::positive("temperature", t)?;
        Ok(LennardJones {
            beta: 1.0 / t,
            ..self
        })
    }

    /// LJ-n in 3-D with ε = r_m = 1 and k = 1 (`lj13`, `lj55`).
    pub fn cluster(particles: usize) -> Self {
        LennardJones::new(particles, 3, 1.0, 1.0, 1.0).expect("valid")
    }

    fn mean(&self, x: &[f64]) -> Vec<f64> {
        self.frame().centre_of_mass(x)
    }

    /// The energy E(x) (+∞ when two particles coincide).
    pub fn energy(&self, x: &[f64]) -> f64 {
        let mut e = 0.0;
        for_pairs(x, self.spatial_dim, |_, _, r, _| {
            e += self.pair(r);
        });
        if self.oscillator > 0.0 {
            let m = self.mean(x);
            let sq: f64 = x
                .chunks_exact(self.spatial_dim)
                .map(|p| {
                    p.iter()
                        .zip(&m)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                })
                .sum();
            e += 0.5 * self.oscillator * sq;
        }
        e
    }

    /// ε [(r_m/r)¹² − 2 (r_m/r)⁶], +∞ at r = 0.
    fn pair(&self, r: f64) -> f64 {
        if r == 0.0 {
            return f64::INFINITY;
        }
        let q6 = (self.r_m / r).powi(6);
        self.epsilon * (q6 * q6 - 2.0 * q6)
    }
}

impl Target for LennardJones {
    fn dim(&self) -> usize {
        self.particles * self.spatial_dim
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -self.beta * self.energy(x)
    }
}

impl ParticleSystem for LennardJones {
    fn frame(&self) -> ComFrame {
        ComFrame::new(self.particles, self.spatial_dim).expect("checked at construction")
    }
}

impl GradTarget for LennardJones {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let s = self.spatial_dim;
        let mut e = 0.0;
        let mut collided = false;
        for_pairs(x, s, |i, j, r, diff| {
            if r == 0.0 {
                collided = true;
                return;
            }
            let q6 = (self.r_m / r).powi(6);
            e += self.epsilon * (q6 * q6 - 2.0 * q6);
            // dE/dr = 12 ε (q⁶ − q¹²) / r.
            let de = 12.0 * self.epsilon * (q6 - q6 * q6) / r;
            add_pair_gradient(grad, s, i, j, -de / r, diff);
        });
        if collided {
            // −∞ log density: no finite gradient; report zeros.
            grad.iter_mut().for_each(|g| *g = 0.0);
            return f64::NEG_INFINITY;
        }
        if self.oscillator > 0.0 {
            let m = self.mean(x);
            for (p, g) in x.chunks_exact(s).zip(grad.chunks_exact_mut(s)) {
                for k in 0..s {
                    let dev = p[k] - m[k];
                    e += 0.5 * self.oscillator * dev * dev;
                    g[k] -= self.oscillator * dev;
                }
            }
        }
        if self.beta != 1.0 {
            grad.iter_mut().for_each(|g| *g *= self.beta);
        }
        -self.beta * e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dw4_energy_of_a_square_of_side_d0() {
        // Four sides at d0 (no energy) and two diagonals at 4√2:
        // 2 [0.9 u⁴ − 4 u²] with u = 4√2 − 4, computed by hand: −8.396642530754047.
        let t = MultiDoubleWell::dw4();
        let x = [0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 0.0, 4.0];
        assert!((t.energy(&x) + 8.396642530754047).abs() < 1e-12);
        assert_eq!(t.log_density(&x), -t.energy(&x));
        // Translation invariance.
        let shifted: Vec<f64> = x.iter().map(|v| v + 1.5).collect();
        assert!((t.energy(&shifted) - t.energy(&x)).abs() < 1e-12);
    }

    #[test]
    fn a_lennard_jones_pair_at_its_minimum() {
        // E = −ε at r = r_m, plus ½ k (2 · (r_m/2)²) = 0.25 with k = 1.
        let t = LennardJones::new(2, 3, 1.0, 1.0, 1.0).unwrap();
        let x = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        assert!((t.energy(&x) + 0.75).abs() < 1e-15);
        let mut g = [0.0; 6];
        let v = t.log_density_grad(&x, &mut g);
        assert!((v - 0.75).abs() < 1e-15, "log density = −E");
        // The pair force vanishes at r_m; the oscillator pulls both to the centre.
        assert!(
            (g[0] - 0.5).abs() < 1e-15 && (g[3] + 0.5).abs() < 1e-15,
            "{g:?}"
        );
    }

    #[test]
    fn coinciding_particles_give_minus_infinity_not_nan() {
        let t = LennardJones::cluster(13);
        let mut x = vec![0.0; 39];
        for (i, v) in x.iter_mut().enumerate() {
            *v = i as f64;
        }
        x[3..6].copy_from_slice(&[0.0, 1.0, 2.0]); // particle 1 on particle 0
        assert_eq!(t.log_density(&x), f64::NEG_INFINITY);
        let mut g = vec![1.0; 39];
        assert_eq!(t.log_density_grad(&x, &mut g), f64::NEG_INFINITY);
        assert!(g.iter().all(|v| v.is_finite()));
    }

    /// The centred icosahedron of circumradius `rad`: the centre and the 12
    /// vertices (0, ±1, ±φ) and their cyclic permutations, scaled.
    fn icosahedron(rad: f64) -> Vec<f64> {
        let phi = (1.0 + 5f64.sqrt()) / 2.0;
        let scale = rad / (1.0 + phi * phi).sqrt();
        let mut x = vec![0.0; 3];
        for &a in &[-1.0, 1.0] {
            for &b in &[-phi, phi] {
                for v in [[0.0, a, b], [a, b, 0.0], [b, 0.0, a]] {
                    x.extend(v.iter().map(|c| c * scale));
                }
            }
        }
        x
    }

    /// Particles on a cubic grid of spacing `a`, each moved by at most a/20
    /// (closer pairs make r⁻¹² too steep for central differences at 10⁻⁶).
    fn near_grid(n: usize, s: usize, a: f64, seed: u64) -> Vec<f64> {
        let side = (1..)
            .find(|k: &usize| k.pow(s as u32) >= n)
            .expect("finite");
        let mut r = sampo_core::rng::stream(seed, 0);
        let mut x = vec![0.0; n * s];
        for i in 0..n {
            let mut rest = i;
            for k in 0..s {
                let jitter = (sampo_core::rng::uniform(&mut r) - 0.5) * 0.1 * a;
                x[i * s + k] = a * (rest % side) as f64 + jitter;
                rest /= side;
            }
        }
        x
    }

    #[test]
    fn gradients_match_finite_differences() {
        for seed in 0..20 {
            let dw4 = MultiDoubleWell::dw4();
            let x = near_grid(4, 2, 4.0, seed);
            sampo_core::numdiff::check_gradient(&dw4, &x, 1e-6).unwrap();
            let general = MultiDoubleWell::new(5, 3, 0.5, -2.0, 0.3, 2.0).unwrap();
            let x = near_grid(5, 3, 2.0, seed);
            sampo_core::numdiff::check_gradient(&general, &x, 1e-6).unwrap();
            for n in [13, 55] {
                let lj = LennardJones::cluster(n);
                let x = near_grid(n, 3, 1.0, seed);
                sampo_core::numdiff::check_gradient(&lj, &x, 1e-6).unwrap();
            }
            let warm = MultiDoubleWell::dw4().with_temperature(0.7).unwrap();
            let x = near_grid(4, 2, 4.0, seed);
            sampo_core::numdiff::check_gradient(&warm, &x, 1e-6).unwrap();
            let hot = LennardJones::cluster(13).with_temperature(2.5).unwrap();
            let x = near_grid(13, 3, 1.0, seed);
            sampo_core::numdiff::check_gradient(&hot, &x, 1e-6).unwrap();
            let bare = LennardJones::new(6, 2, 2.0, 1.3, 0.0).unwrap();
            let x = near_grid(6, 2, 1.3, seed);
            sampo_core::numdiff::check_gradient(&bare, &x, 1e-6).unwrap();
        }
    }

    #[test]
    fn temperature_divides_the_energy() {
        let x = [0.3, -0.2, 4.1, 0.5, 3.7, 4.4, -0.6, 3.9];
        let t = MultiDoubleWell::dw4().with_temperature(2.0).unwrap();
        assert!((t.log_density(&x) + 0.5 * t.energy(&x)).abs() < 1e-12);
        assert!(MultiDoubleWell::dw4().with_temperature(0.0).is_err());
        assert!(
            LennardJones::cluster(13)
                .with_temperature(f64::NAN)
                .is_err()
        );
    }

    #[test]
    fn lj13_icosahedral_minimum() {
        // Without the oscillator, the Mackay icosahedron at its best circumradius
        // has E = −44.326801 (the LJ-13 global minimum, Wales & Doye 1997). Golden-
        // section search over the radius; the minimum is flat, so 1e-6 is reached.
        let t = LennardJones::new(13, 3, 1.0, 1.0, 0.0).unwrap();
        let f = |r: f64| t.energy(&icosahedron(r));
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let (mut lo, mut hi) = (0.8, 1.2);
        for _ in 0..200 {
            let (a, b) = (hi - g * (hi - lo), lo + g * (hi - lo));
            if f(a) < f(b) {
                hi = b;
            } else {
                lo = a;
            }
        }
        let e = f(0.5 * (lo + hi));
        assert!((e + 44.326801).abs() < 1e-6, "{e}");
    }
}
