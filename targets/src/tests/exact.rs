//! Exact samplers: KS tests on marginals against the exact marginal CDFs, χ² tests on
//! mode counts against the true weights, and moment z-tests.

use super::stats::*;
use crate::double_well::{prob_left, x1_log_density};
use crate::*;
use sampo_core::{ExactSampler, Particles, Target};

const N: usize = 20_000;

fn draws(t: &dyn ExactSampler, n: usize, seed: u64) -> Particles {
    let p = t.sample_exact_n(n, seed);
    assert!(p.as_slice().iter().all(|v| v.is_finite()));
    p
}

#[test]
fn every_preset_exposes_its_exact_sampler() {
    // The particle systems and φ⁴ have no exact sampler: their reference data come
    // from long runs (`sampo-bench reference`).
    let reference_only = ["dw4", "lj13", "lj55", "phi4-<L>"];
    for name in preset_names() {
        let t = preset(&name.replace("<d>", "3").replace("<L>", "4")).unwrap();
        if reference_only.contains(&name) {
            assert!(t.exact_sampler().is_none() && t.log_z().is_none(), "{name}");
            continue;
        }
        let s = t
            .exact_sampler()
            .unwrap_or_else(|| panic!("{name} has no exact sampler"));
        let p = s.sample_exact_n(10, 1);
        assert_eq!(p.dim(), t.dim());
        assert!(t.log_z().is_some(), "{name} has no log Z");
        for x in p.rows() {
            assert!(t.log_density(x).is_finite(), "{name}");
        }
    }
}

#[test]
fn gaussian_full_covariance() {
    let cov = [2.0, 0.3, -0.2, 0.3, 1.0, 0.1, -0.2, 0.1, 0.5];
    let mu = [1.0, -1.0, 0.5];
    let g = Gaussian::with_full_cov(mu.to_vec(), &cov).unwrap();
    let p = draws(&g, N, 11);
    for j in 0..3 {
        let s = cov[j * 3 + j];
        let col = p.column(j);
        assert_ks(&format!("gaussian x{j}"), &col, |x| {
            phi((x - mu[j]) / s.sqrt())
        });
        assert_mean(&format!("gaussian x{j}"), &col, mu[j], s.sqrt());
        assert_var(&format!("gaussian x{j}"), &col, s, 3.0 * s * s);
    }
    // A linear combination checks the correlations: a·x ~ N(a·μ, aᵀΣa).
    let a = [1.0, -2.0, 1.5];
    let lin: Vec<f64> = p
        .rows()
        .map(|r| (0..3).map(|j| a[j] * r[j]).sum())
        .collect();
    let m: f64 = (0..3).map(|j| a[j] * mu[j]).sum();
    let v: f64 = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| a[i] * cov[i * 3 + j] * a[j])
        .sum();
    assert_ks("gaussian a·x", &lin, |x| phi((x - m) / v.sqrt()));
    assert_var("gaussian a·x", &lin, v, 3.0 * v * v);
}

/// Groups components whose means are within 7 times the largest component std of each
/// other (union-find). Assigning a draw to its most likely component then puts it in
/// another group with probability ≲ Φ(−3.5) ≈ 2e−4 per neighbouring group, i.e. a few
/// of 20 000 draws, moving counts by far less than their binomial sd (≥ 40 here).
fn separated_groups(g: &GaussianMixture) -> Vec<usize> {
    let k = g.n_components();
    let d = g.dim();
    let smax = (0..k)
        .flat_map(|c| (0..d).map(move |j| (c, j)))
        .map(|(c, j)| g.covariance(c).variance(j).sqrt())
        .fold(0.0, f64::max);
    let mut parent: Vec<usize> = (0..k).collect();
    fn find(p: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while p[i] != i {
            i = p[i];
        }
        i
    }
    for a in 0..k {
        for b in a + 1..k {
            let dist: f64 = g
                .mean(a)
                .iter()
                .zip(g.mean(b))
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt();
            if dist < 7.0 * smax {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[ra] = rb;
            }
        }
    }
    (0..k).map(|c| find(&mut parent, c)).collect()
}

fn check_mixture(name: &str, g: &GaussianMixture, seed: u64) {
    let p = draws(g, N, seed);
    for j in [0, g.dim() - 1] {
        assert_ks(&format!("{name} x{j}"), &p.column(j), |x| {
            g.marginal_cdf(j, x)
        });
    }
    let groups = separated_groups(g);
    let mut ids: Vec<usize> = groups.clone();
    ids.sort_unstable();
    ids.dedup();
    let mut counts = vec![0u64; ids.len()];
    let mut probs = vec![0.0; ids.len()];
    for c in 0..g.n_components() {
        probs[ids.binary_search(&groups[c]).unwrap()] += g.weights()[c];
    }
    for x in p.rows() {
        counts[ids.binary_search(&groups[g.nearest_component(x)]).unwrap()] += 1;
    }
    assert!(
        ids.len() >= 2 || g.n_components() == 1,
        "{name}: no separated groups"
    );
    assert_chi2(&format!("{name} mode counts"), &counts, &probs);
}

#[test]
fn mixtures() {
    check_mixture("8-gaussians", &GaussianMixture::eight_gaussians(), 1);
    check_mixture("9gmm", &GaussianMixture::nine_gmm(), 2);
    check_mixture("25gmm", &GaussianMixture::twenty_five_gmm(), 3);
    check_mixture("gmm40-fab", &GaussianMixture::gmm40_fab(), 4);
    check_mixture(
        "gmm40-beyond-elbos",
        &GaussianMixture::gmm40_beyond_elbos(),
        5,
    );
    check_mixture("zodmc", &GaussianMixture::zodmc_gmm2d(), 6);
    check_mixture(
        "zodmc R=26",
        &GaussianMixture::zodmc_gmm2d_radius(26.0).unwrap(),
        7,
    );
    check_mixture("two-modes-16", &GaussianMixture::two_modes(16).unwrap(), 8);
    check_mixture("gmm100", &GaussianMixture::gmm100(), 9);
    let unequal = GaussianMixture::isotropic(
        vec![0.05, 0.15, 0.8],
        vec![vec![-12.0, 0.0], vec![0.0, 0.0], vec![12.0, 3.0]],
        &[0.5, 1.0, 1.2],
    )
    .unwrap();
    check_mixture("unequal", &unequal, 10);
}

#[test]
fn mixture_checks_can_fail() {
    // Draws from 9gmm judged against 9gmm with one mean moved by 0.2: KS must reject.
    let g = GaussianMixture::nine_gmm();
    let p = draws(&g, N, 2);
    let mut means: Vec<Vec<f64>> = (0..9).map(|c| g.mean(c).to_vec()).collect();
    means[4][0] += 0.2;
    let h = GaussianMixture::isotropic(vec![1.0; 9], means, &[0.3f64.sqrt(); 9]).unwrap();
    assert!(ks_pvalue(&p.column(0), |x| h.marginal_cdf(0, x)) < ALPHA);
}

#[test]
fn funnel() {
    for (f, seed) in [(Funnel::hard(), 20), (Funnel::easy(), 21)] {
        let p = draws(&f, N, seed);
        let s = f.scale();
        let x0 = p.column(0);
        assert_ks("funnel x0", &x0, |x| phi(x / s));
        assert_mean("funnel x0", &x0, 0.0, s);
        // x_i e^{−x0/2} ~ N(0, 1), independent of x0.
        for j in [1, 9] {
            let z: Vec<f64> = p.rows().map(|r| r[j] * (-0.5 * r[0]).exp()).collect();
            assert_ks("funnel standardized x_j", &z, phi);
        }
    }
}

/// The x1 CDF of the double well at sorted points, by Gauss–Legendre between
/// consecutive points (from −7, where the density is e^{−2100} of its peak).
fn x1_cdf_sorted(sorted: &[f64]) -> Vec<f64> {
    let z = crate::double_well::pair_constants().z_x1;
    cdf_sorted(sorted, |x: f64| x1_log_density(x).exp() / z, -7.0)
}

/// `∫_lo^{x_i} pdf` at sorted points, by Gauss–Legendre between consecutive points
/// (panels of width ≤ 0.05).
fn cdf_sorted(sorted: &[f64], pdf: impl Fn(f64) -> f64, lo: f64) -> Vec<f64> {
    let mut acc = 0.0;
    let mut prev = lo;
    sorted
        .iter()
        .map(|&x| {
            let panels = ((x - prev) / 0.05).ceil().max(1.0) as usize;
            acc += crate::quadrature::integrate(&pdf, prev, x, panels);
            prev = x;
            acc
        })
        .collect()
}

fn check_double_well_x1(what: &str, x1: &mut [f64]) {
    x1.sort_by(f64::total_cmp);
    let p = ks_pvalue_from_sorted_cdf(&x1_cdf_sorted(x1));
    assert!(p >= ALPHA, "{what}: KS p-value {p:e}");
    let left = x1.iter().filter(|v| **v < 0.0).count() as u64;
    let pl = prob_left();
    assert_chi2(
        &format!("{what} sign counts"),
        &[left, x1.len() as u64 - left],
        &[pl, 1.0 - pl],
    );
}

#[test]
fn double_well_and_many_well() {
    let p = draws(&DoubleWell::new(), N, 30);
    check_double_well_x1("double-well x1", &mut p.column(0));
    assert_ks("double-well x2", &p.column(1), phi);

    // Many-well: 16 independent pairs; pool the x1's of the pairs (i.i.d.).
    let p = draws(&ManyWell::d32(), 2_000, 31);
    let mut x1: Vec<f64> = p
        .rows()
        .flat_map(|r| r.iter().step_by(2).copied().collect::<Vec<_>>())
        .collect();
    check_double_well_x1("many-well x1", &mut x1);
    let x2: Vec<f64> = p
        .rows()
        .flat_map(|r| r.iter().skip(1).step_by(2).copied().collect::<Vec<_>>())
        .collect();
    assert_ks("many-well x2", &x2, phi);
    assert_var("many-well x2", &x2, 1.0, 3.0);
    // Per-pair sign pattern: pairs are independent, so the number of left wells per draw is
    // Binomial(16, P(x1 < 0)); test its mean with the binomial variance.
    let pl = prob_left();
    let lefts: Vec<f64> = p
        .rows()
        .map(|r| r.iter().step_by(2).filter(|v| **v < 0.0).count() as f64)
        .collect();
    assert_mean(
        "many-well left wells per draw",
        &lefts,
        16.0 * pl,
        (16.0 * pl * (1.0 - pl)).sqrt(),
    );
    assert_var(
        "many-well left wells per draw",
        &lefts,
        16.0 * pl * (1.0 - pl),
        // Binomial fourth central moment: nσ²(1 + 3(n − 2)σ²/n ... ) written out.
        {
            let (n, q) = (16.0, pl * (1.0 - pl));
            n * q * (1.0 + 3.0 * (n - 2.0) * q)
        },
    );
}

#[test]
fn rings() {
    let r = Rings::slips();
    let p = draws(&r, N, 40);
    let rad: Vec<f64> = p.rows().map(|x| x[0].hypot(x[1])).collect();
    let ang: Vec<f64> = p.rows().map(|x| x[1].atan2(x[0])).collect();
    let z = r.log_z().unwrap().exp();
    let k = r.radii().len() as f64;
    let s = r.sigma();
    // Radius CDF: (1/K) Σ_k [Φ((t − r_k)/σ) − Φ(−r_k/σ)] / Z.
    let cdf = |t: f64| {
        r.radii()
            .iter()
            .map(|rk| phi((t - rk) / s) - phi(-rk / s))
            .sum::<f64>()
            / k
            / z
    };
    assert_ks("rings radius", &rad, cdf);
    assert_ks("rings angle", &ang, |a| {
        (a + std::f64::consts::PI) / (2.0 * std::f64::consts::PI)
    });
    // Ring counts in the shells [k − ½, k + ½) (first from 0, last to ∞), exact probabilities.
    let edges = [0.0, 1.5, 2.5, 3.5, f64::INFINITY];
    let probs: Vec<f64> = edges.windows(2).map(|e| cdf(e[1]) - cdf(e[0])).collect();
    let mut counts = [0u64; 4];
    for v in &rad {
        counts[edges
            .windows(2)
            .position(|e| *v >= e[0] && *v < e[1])
            .unwrap()] += 1;
    }
    assert_chi2("ring counts", &counts, &probs);
}

#[test]
fn cauchy() {
    let c = Cauchy::new(5).unwrap();
    let p = draws(&c, N, 50);
    let cdf = |x: f64| 0.5 + x.atan() / std::f64::consts::PI;
    for j in [0, 4] {
        assert_ks("cauchy marginal", &p.column(j), cdf);
    }
    // |x|² / d ~ F(d, 1) (ratio of χ²_d/d and χ²_1); check its median via the sign of
    // |x|² − d·median(F(d,1)) with median from statrs.
    use statrs::distribution::{ContinuousCDF, FisherSnedecor};
    let f = FisherSnedecor::new(5.0, 1.0).unwrap();
    let r2: Vec<f64> = p
        .rows()
        .map(|x| x.iter().map(|v| v * v).sum::<f64>() / 5.0)
        .collect();
    assert_ks("cauchy |x|²/d", &r2, |t| f.cdf(t));
}

#[test]
fn hyperplane_disk() {
    for d in [1, 2, 10] {
        let h = HyperplaneDisk::new(d).unwrap();
        let p = draws(&h, N, 60 + d as u64);
        let v = h.marginal_variance();
        let col = p.column(0);
        assert_ks("hyperplane x0", &col, |x| phi(x / v.sqrt()));
        assert_var("hyperplane x0", &col, v, 3.0 * v * v);
        let sums: Vec<f64> = p.rows().map(|r| r.iter().sum()).collect();
        assert_ks("hyperplane sum", &sums, |x| phi(x / v.sqrt()));
        if d >= 2 {
            // Cov(x0, x1) = −1/(2(d+1)): test x0 − x1 ~ N(0, 2v + 1/(d+1)).
            let w = 2.0 * v + 1.0 / (d as f64 + 1.0);
            let diff: Vec<f64> = p.rows().map(|r| r[0] - r[1]).collect();
            assert_ks("hyperplane x0 - x1", &diff, |x| phi(x / w.sqrt()));
        }
    }
}

#[test]
fn axial_modes() {
    for d in [1usize, 2, 10] {
        let a = AxialModes::new(d).unwrap();
        let p = draws(&a, N, 70 + d as u64);
        let m: Vec<f64> = p
            .rows()
            .map(|r| r.iter().fold(0.0f64, |s, v| s.max(v.abs())))
            .collect();
        let mut m = m;
        m.sort_by(f64::total_cmp);
        let f = |t: f64| a.log_m_density(t).exp();
        let zm = crate::quadrature::integrate(f, 0.0, 150.0, 600);
        let cdf = cdf_sorted(&m, |t| f(t) / zm, 0.0);
        let pv = ks_pvalue_from_sorted_cdf(&cdf);
        assert!(pv >= ALPHA, "axial-modes-{d} max norm: KS p {pv:e}");
        // The crate's own CDF agrees with the incremental one.
        let i = m.len() / 2;
        assert!((a.max_norm_cdf(m[i]) - cdf[i]).abs() < 1e-10);
        // Axis and sign of the largest coordinate: uniform over 2d.
        let mut counts = vec![0u64; 2 * d];
        for r in p.rows() {
            let j = (0..d)
                .max_by(|&i, &k| r[i].abs().total_cmp(&r[k].abs()))
                .unwrap();
            counts[2 * j + usize::from(r[j] > 0.0)] += 1;
        }
        assert_chi2(
            &format!("axial-modes-{d} axes"),
            &counts,
            &vec![1.0 / (2 * d) as f64; 2 * d],
        );
        if d >= 2 {
            // Given the max m, a non-max coordinate is Laplace truncated to [−m, m]:
            // P(|x_i| ≤ t | m) = (1 − e^{−t})/(1 − e^{−m}); test U = that ratio ~ U(0, 1).
            let u: Vec<f64> = p
                .rows()
                .map(|r| {
                    let j = (0..d)
                        .max_by(|&i, &k| r[i].abs().total_cmp(&r[k].abs()))
                        .unwrap();
                    let i = if j == 0 { 1 } else { 0 };
                    let mm = r[j].abs();
                    (-(-r[i].abs()).exp_m1()) / (-(-mm).exp_m1())
                })
                .collect();
            assert_ks("axial conditional", &u, |t| t.clamp(0.0, 1.0));
        }
    }
    // d = 1: m ~ Gamma(5, 1).
    let a = AxialModes::new(1).unwrap();
    let p = draws(&a, N, 79);
    let m: Vec<f64> = p.rows().map(|r| r[0].abs()).collect();
    assert_mean("axial-modes-1 |x|", &m, 5.0, 5f64.sqrt());
}
