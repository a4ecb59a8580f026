//! `log Z` of every 2-D target that claims one, by 2-D quadrature of `exp(log ϱ)`, and the
//! double-well constants by two independent 1-D rules.
//!
//! Tolerance: composite Gauss–Legendre with panels no wider than about one standard
//! deviation of the narrowest feature is accurate to ~1e−12 relative on these analytic
//! integrands; the truncated tails are below e^{−50}. We require 1e−8 absolute on log Z,
//! far above the quadrature error and far below any modelling mistake (a wrong constant
//! factor or a missing Jacobian changes log Z by ≥ 1e−3).

use crate::double_well::{delta_f, pair_constants, pair_log_z, prob_left, x1_log_density};
use crate::quadrature::{adaptive_simpson, integrate, integrate_2d};
use crate::*;
use sampo_core::Target;

const TOL: f64 = 1e-8;

fn quad_log_z(t: &dyn Target, lo: f64, hi: f64, panel_width: f64) -> f64 {
    let panels = ((hi - lo) / panel_width).ceil() as usize;
    integrate_2d(
        |a, b| t.log_density(&[a, b]).exp(),
        (lo, hi),
        (lo, hi),
        panels,
        panels,
    )
    .ln()
}

fn check(name: &str, t: &dyn Target, q: f64) {
    let lz = t.log_z().unwrap();
    assert!((lz - q).abs() < TOL, "{name}: log Z {lz} vs quadrature {q}");
}

fn mixture_2d(name: &str) {
    let t = preset(name).unwrap();
    let (lo, hi, w) = if name.starts_with("gmm40") {
        (-52.0, 52.0, 1.0)
    } else {
        (-22.0, 23.0, 0.3)
    };
    let q = quad_log_z(&*t, lo, hi, w);
    println!(
        "{name}: log Z quadrature error {:e}",
        q - t.log_z().unwrap()
    );
    check(name, &*t, q);
}

// Boxes reach ≥ 8 stds beyond every mean (GMM40: means within ±40, std ≥ 1, ≤ 1.32; the
// others: means within [−10, 11], std ≤ √2.2 ≈ 1.48). Panels are at most one std of the
// narrowest direction wide (GMM40: 1.0; others 0.3 < 0.316, the smallest std of
// zodmc's second component), where 20-node Gauss–Legendre is exact to rounding.
#[test]
fn eight_gaussians_2d() {
    mixture_2d("8-gaussians");
}
#[test]
fn grid_gmms_2d() {
    mixture_2d("9gmm");
    mixture_2d("25gmm");
}
#[test]
fn zodmc_2d() {
    mixture_2d("zodmc-gmm2d");
}
#[test]
fn gmm40_fab_2d() {
    mixture_2d("gmm40-fab");
}
#[test]
fn gmm40_beyond_elbos_2d() {
    mixture_2d("gmm40-beyond-elbos");
}

#[test]
fn double_well_2d() {
    let t = DoubleWell::new();
    // x1 ∈ [−4, 4] (e^{−u} < e^{−150} beyond), x2 ∈ [−12, 12].
    let q = integrate_2d(
        |a, b| t.log_density(&[a, b]).exp(),
        (-4.0, 4.0),
        (-12.0, 12.0),
        160,
        48,
    )
    .ln();
    check("double-well", &t, q);
}

#[test]
fn funnel_2d() {
    // d = 2 funnel, both scales: iterated quadrature, the inner range scaled to the
    // conditional std e^{x0/2} (±14 of them), the outer x0 over ±12σ.
    for s in [1.0, 3.0] {
        let f = Funnel::new(2, s).unwrap();
        let q = integrate(
            |x0| {
                let sd = (0.5 * x0).exp();
                integrate(
                    |x1| f.log_density(&[x0, x1]).exp(),
                    -14.0 * sd,
                    14.0 * sd,
                    56,
                )
            },
            -12.0 * s,
            12.0 * s,
            200,
        )
        .ln();
        check("funnel d=2", &f, q);
    }
}

#[test]
fn cauchy_2d() {
    // x = sinh(u): the integrand in u decays like e^{−2|u|}; |u| ≤ 20 leaves e^{−40}.
    let c = Cauchy::new(2).unwrap();
    let q = integrate_2d(
        |u, v| c.log_density(&[u.sinh(), v.sinh()]).exp() * u.cosh() * v.cosh(),
        (-20.0, 20.0),
        (-20.0, 20.0),
        80,
        80,
    )
    .ln();
    check("cauchy-2", &c, q);
    // log Z for d = 1 is ln π.
    assert!((Cauchy::new(1).unwrap().log_z().unwrap() - std::f64::consts::PI.ln()).abs() < 1e-14);
}

#[test]
fn hyperplane_2d() {
    let h = HyperplaneDisk::new(2).unwrap();
    check("hyperplane-disk-2", &h, quad_log_z(&h, -8.0, 8.0, 0.25));
}

#[test]
fn rings_2d() {
    // Panels of width 0.1 (two thirds of σ = 0.15); the 1/|x| singularity at 0 carries
    // mass ~e^{−22} and is never evaluated exactly.
    let r = Rings::slips();
    check("rings", &r, quad_log_z(&r, -5.5, 5.5, 0.1));
    assert!(r.log_z().unwrap() < 0.0 && r.log_z().unwrap() > -1e-10);
}

#[test]
fn axial_modes_2d() {
    // ϱ is smooth on each of the 8 triangles 0 ≤ |x_k| ≤ |x_j|; integrate one of them,
    // x1 ∈ (0, ∞) (cut at 80: x⁴e^{−x} < e^{−60}), x2 = t·x1, t ∈ (0, 1), Jacobian x1.
    let a = AxialModes::new(2).unwrap();
    let tri = integrate_2d(
        |x1, t| a.log_density(&[x1, t * x1]).exp() * x1,
        (0.0, 80.0),
        (0.0, 1.0),
        320,
        4,
    );
    check("axial-modes-2", &a, (8.0 * tri).ln());
    // d = 1: Z = 2·Γ(5) = 48.
    assert!((AxialModes::new(1).unwrap().log_z().unwrap() - 48f64.ln()).abs() < 1e-12);
    // d = 3 by the closed-form alternating sum Σ_k C(2,k)(−1)^k 24/(k+1)^5 (fine for small d).
    let i3 = 24.0 * (1.0 - 2.0 / 32.0 + 1.0 / 243.0);
    let lz3 = 3f64.ln() + 3.0 * 2f64.ln() + f64::ln(i3);
    assert!((AxialModes::new(3).unwrap().log_z().unwrap() - lz3).abs() < 1e-12);
}

#[test]
fn double_well_constants() {
    let c = pair_constants();
    // Independent check by adaptive Simpson.
    let z_simpson = adaptive_simpson(|x| x1_log_density(x).exp(), -7.0, 7.0, 1e-9, 50);
    assert!(
        (c.z_x1 - z_simpson).abs() < 1e-9 * c.z_x1,
        "{} vs {z_simpson}",
        c.z_x1
    );
    // The published constants (gfn-diffusion, SNF notes), to their printed precision.
    assert!((c.z_x1 - 11784.50927).abs() < 1e-5, "Z_x1 = {}", c.z_x1);
    assert!((pair_log_z() - 10.29348).abs() < 5e-6, "{}", pair_log_z());
    let mw = ManyWell::d32().log_z().unwrap();
    assert!((mw - 164.69568).abs() < 5e-5, "many-well log Z = {mw}");
    assert!(
        (prob_left() - 0.1557).abs() < 5e-5,
        "P(x1<0) = {}",
        prob_left()
    );
    assert!((delta_f() - 1.69).abs() < 5e-3, "ΔF = {}", delta_f());
}

#[test]
fn rejection_envelope_dominates() {
    // exp(−u(x)) ≤ 3·Z_x1·q(x) on a grid of step 1e−4 over [−7, 7]; outside, exp(−u) is
    // below e^{−2100} while q > 0 only decays like e^{−2x²}, and the ratio keeps falling.
    let z = pair_constants().z_x1;
    let mut worst: f64 = 0.0;
    let n = 140_000;
    for i in 0..=n {
        let x = -7.0 + 14.0 * i as f64 / n as f64;
        let ratio = x1_log_density(x).exp()
            / (crate::double_well::ENVELOPE * z * crate::double_well::proposal_density(x));
        worst = worst.max(ratio);
    }
    assert!(worst < 1.0, "envelope violated: max ratio {worst}");
    println!("max envelope ratio {worst}");
}
