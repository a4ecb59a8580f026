//! Walk-jump on the 2-D benchmark mixtures: mode weights (total variation against
//! the true weights, nearest-component assignment) and W2 of n = 2000 samples.
//!
//! `cargo run --release -p sampo-walkjump --example mode_weights [-- seed=S key=value ...]`
//! (keys of `WalkJumpConfig`, e.g. `walk=ula measurements=128`).

use sampo_core::plugin::AnyTarget;
use sampo_core::{ExactSampler, Particles, Target};
use sampo_targets::GaussianMixture;
use sampo_walkjump::{WalkJump, WalkJumpConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seed: u64 = args
        .iter()
        .find_map(|a| a.strip_prefix("seed=").and_then(|s| s.parse().ok()))
        .unwrap_or(7);
    let overrides: String = args
        .iter()
        .filter(|a| !a.starts_with("seed="))
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if v.parse::<f64>().is_ok() => format!("{k} = {v}\n"),
            Some((k, v)) => format!("{k} = \"{v}\"\n"),
            None => String::new(),
        })
        .collect();
    let config: WalkJumpConfig = toml::from_str(&overrides)?;
    let wj = WalkJump::new(config)?;
    let n = 2000;
    for (name, m) in [
        ("8gauss", GaussianMixture::eight_gaussians()),
        ("zodmc", GaussianMixture::zodmc_gmm2d()),
        ("zodmc-r16", GaussianMixture::zodmc_gmm2d_radius(16.0)?),
        ("zodmc-r21", GaussianMixture::zodmc_gmm2d_radius(21.0)?),
        ("zodmc-r26", GaussianMixture::zodmc_gmm2d_radius(26.0)?),
    ] {
        let truth = m.weights().to_vec();
        let k = m.n_components();
        let exact = m.sample_exact_n(n, 99);
        let target = AnyTarget::Gradient(Box::new(m.clone()));
        let t0 = std::time::Instant::now();
        let run = wj.sample(&target, &Particles::zeros(n, m.dim()), seed)?;
        let secs = t0.elapsed().as_secs_f64();
        let mut counts = vec![0.0; k];
        for x in run.samples.rows() {
            counts[m.nearest_component(x)] += 1.0 / n as f64;
        }
        let tv: f64 = counts
            .iter()
            .zip(&truth)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 2.0;
        let w2 = sampo_metrics::ot::w2(&run.samples, &exact)?;
        let floor = sampo_metrics::ot::w2(&m.sample_exact_n(n, 5), &exact)?;
        println!(
            "{name:10} σ = {:6.3}  TV {tv:.3}  W2 {w2:.3} (floor {floor:.3})  grads/sample {}  {secs:.2}s  weights {:?}",
            run.diagnostics
                .stats
                .get("sigma")
                .copied()
                .unwrap_or(f64::NAN),
            run.evaluations.gradient / n as u64,
            counts
                .iter()
                .map(|c| (c * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>()
        );
    }
    Ok(())
}
