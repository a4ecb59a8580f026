//! Exact-score reverse process on the ZOD-MC GMM: isolates the outer discretization.
use sampo_core::GradTarget;
use sampo_core::rng::{fill_standard_normal, stream};
use sampo_rdmc::{Grid, Integrator, Schedule};
use sampo_targets::GaussianMixture;

fn main() {
    let cases: Vec<(Grid, usize, f64, f64)> = std::env::var("CASES")
        .map(|c| {
            c.split(';')
                .map(|x| {
                    let v: Vec<&str> = x.split(',').collect();
                    let g = if v[0] == "u" {
                        Grid::Uniform
                    } else {
                        Grid::Geometric
                    };
                    let sw: f64 = v.get(3).map(|x| x.parse().unwrap()).unwrap_or(0.0);
                    (g, v[1].parse().unwrap(), v[2].parse().unwrap(), sw)
                })
                .collect()
        })
        .unwrap_or(vec![
            (Grid::Geometric, 50, 6.0, 0.0),
            (Grid::Geometric, 30, 6.0, 0.0),
            (Grid::Geometric, 100, 6.0, 0.0),
            (Grid::Geometric, 50, 8.0, 0.0),
        ]);
    for (grid, k, big_t, sw) in cases {
        for r in [11.0, 26.0] {
            let s = Schedule {
                grid,
                horizon: big_t,
                steps: k,
                early_stop: 0.05,
                linear_above: (sw > 0.0).then_some(sw),
            };
            let times = sampo_rdmc::schedule::times(&s);
            let gmm = GaussianMixture::zodmc_gmm2d_radius(r).unwrap();
            // p_t at every grid time: its gradient is the exact score.
            let marginals: Vec<GaussianMixture> =
                times.iter().map(|&t| gmm.ou_marginal(t).unwrap()).collect();
            let at_delta = &marginals[k];
            let n = 40000;
            let mut counts = [0usize; 4];
            for i in 0..n {
                let mut rng = stream(3, i);
                let mut y = [0.0; 2];
                fill_standard_normal(&mut rng, &mut y);
                let sd = (1.0 - (-2.0 * big_t).exp()).sqrt();
                y.iter_mut().for_each(|v| *v *= sd);
                let mut v = [0.0; 2];
                let mut xi = [0.0; 2];
                for j in 0..k {
                    marginals[j].log_density_grad(&y, &mut v);
                    fill_standard_normal(&mut rng, &mut xi);
                    Integrator::Exponential.step(&mut y, &v, times[j] - times[j + 1], &xi);
                }
                // Nearest mean of p_δ.
                let d2 = |c: usize| -> f64 {
                    let m = at_delta.mean(c);
                    (y[0] - m[0]).powi(2) + (y[1] - m[1]).powi(2)
                };
                let best = (0..4).min_by(|&p, &q| d2(p).total_cmp(&d2(q))).unwrap();
                counts[best] += 1;
            }
            let w: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
            let tv: f64 = 0.5
                * w.iter()
                    .zip(gmm.weights())
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>();
            println!("{grid:?} K={k} T={big_t} t*={sw} R={r}: {w:?} TV {tv:.3}");
        }
    }
}
