//! The MPI backend under `mpirun` with 4 ranks (`--oversubscribe`: more ranks than
//! this machine's 2 cores): in-process and MPI samples are bit-identical; a rank that
//! dies or stops answering ends the job with an error, within a deadline, never a
//! hang. Needs OpenMPI's `mpirun` on PATH (`.ci/run` installs it); built only with
//! `--features mpi`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the check binary under mpirun, killing it (and failing) after `limit`.
fn mpirun(mode: &str, env: &[(&str, &str)], limit: Duration) -> Output {
    let mut cmd = Command::new("mpirun");
    cmd.args([
        "--oversubscribe",
        "-np",
        "4",
        env!("CARGO_BIN_EXE_mpi_agents"),
        mode,
    ])
    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .expect("mpirun on PATH (apt-get install openmpi-bin)");
    let t0 = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t0.elapsed() > limit {
            child.kill().ok();
            panic!("mpirun {mode} still running after {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn four_ranks_give_the_in_process_samples_bit_for_bit() {
    let o = mpirun("equal", &[], Duration::from_secs(120));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(out.matches("bit-identical").count(), 3, "{}", text(&o));
}

#[test]
fn a_killed_rank_ends_the_job_with_an_error() {
    let o = mpirun("kill", &[], Duration::from_secs(120));
    assert!(!o.status.success(), "{}", text(&o));
}

#[test]
fn a_stalled_rank_ends_the_job_within_the_timeout() {
    let t0 = Instant::now();
    let o = mpirun(
        "stall",
        &[("SAMPO_MPI_TIMEOUT", "2")],
        Duration::from_secs(120),
    );
    assert!(!o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no message from rank"), "{}", text(&o));
    // 2 s of waiting plus start-up and teardown; the stalled rank sleeps 600 s.
    assert!(t0.elapsed() < Duration::from_secs(60), "{:?}", t0.elapsed());
}
