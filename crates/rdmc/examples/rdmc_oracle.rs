//! Exact-score reverse process on the ZOD-MC GMM: isolates the outer discretization.
use sampo_core::rng::{fill_standard_normal, stream};
use sampo_rdmc::{Grid, Integrator, Schedule};

const COVS: [[f64; 4]; 4] = [
    [1.0, 0.5, 0.5, 1.0],
    [0.3, -0.2, -0.2, 0.3],
    [1.0, 0.3, 0.3, 1.0],
    [1.2, -1.0, -1.0, 1.2],
];
const W: [f64; 4] = [0.1, 0.2, 0.3, 0.4];

fn score(r: f64, t: f64, x: &[f64], out: &mut [f64]) {
    let a = (-t).exp();
    let means = [[0.0, 0.0], [0.0, 11.0], [9.0, 9.0], [11.0, 0.0]];
    let mut logs = [0.0; 4];
    let mut grads = [[0.0; 2]; 4];
    for k in 0..4 {
        let c = COVS[k];
        let (s00, s01, s11) = (
            a * a * c[0] + 1.0 - a * a,
            a * a * c[1],
            a * a * c[3] + 1.0 - a * a,
        );
        let det = s00 * s11 - s01 * s01;
        let (p00, p01, p11) = (s11 / det, -s01 / det, s00 / det);
        let d0 = x[0] - a * means[k][0] * r / 11.0;
        let d1 = x[1] - a * means[k][1] * r / 11.0;
        logs[k] = W[k].ln()
            - 0.5 * det.ln()
            - 0.5 * (d0 * (p00 * d0 + p01 * d1) + d1 * (p01 * d0 + p11 * d1));
        grads[k] = [-(p00 * d0 + p01 * d1), -(p01 * d0 + p11 * d1)];
    }
    let m = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let z: f64 = logs.iter().map(|l| (l - m).exp()).sum();
    out[0] = 0.0;
    out[1] = 0.0;
    for k in 0..4 {
        let w = (logs[k] - m).exp() / z;
        out[0] += w * grads[k][0];
        out[1] += w * grads[k][1];
    }
}

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
                    score(r, times[j], &y, &mut v);
                    fill_standard_normal(&mut rng, &mut xi);
                    Integrator::Exponential.step(&mut y, &v, times[j] - times[j + 1], &xi);
                }
                let a = (-0.05f64).exp();
                let means = [[0.0, 0.0], [0.0, 11.0], [9.0, 9.0], [11.0, 0.0]];
                let best = (0..4)
                    .min_by(|&p, &q| {
                        let dp = (y[0] - a * means[p][0] * r / 11.0).powi(2)
                            + (y[1] - a * means[p][1] * r / 11.0).powi(2);
                        let dq = (y[0] - a * means[q][0] * r / 11.0).powi(2)
                            + (y[1] - a * means[q][1] * r / 11.0).powi(2);
                        dp.total_cmp(&dq)
                    })
                    .unwrap();
                counts[best] += 1;
            }
            let w: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
            let tv: f64 = 0.5 * w.iter().zip(W).map(|(a, b)| (a - b).abs()).sum::<f64>();
            println!("{grid:?} K={k} T={big_t} t*={sw} R={r}: {w:?} TV {tv:.3}");
        }
    }
}
