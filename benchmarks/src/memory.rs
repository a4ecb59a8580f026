//! A plan's memory, checked before anything is allocated: a request for 10¹² samples
//! fails with a message naming n, d and the bytes needed, not with an allocator abort.

use crate::BenchError;

/// Bytes a run of `n` samples of dimension `d` with `chains` chains needs at least:
/// the kept samples (8 bytes per coordinate), and per chain its state (position,
/// gradient and scratch: about four vectors of d values) and bookkeeping (about 256
/// bytes: the RNG, the record's counters and vector headers).
pub fn estimate(n: usize, d: usize, chains: usize) -> u128 {
    let samples = n as u128 * d as u128 * 8;
    let per_chain = 4 * d as u128 * 8 + 256;
    samples + chains as u128 * per_chain
}

/// Available memory in bytes (`MemAvailable` of `/proc/meminfo`), if known.
pub fn available() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fails when the plan needs more than the available memory (or more than 2⁶⁴
/// bytes, when the available memory is unknown).
pub fn check(n: usize, d: usize, chains: usize) -> Result<(), BenchError> {
    let need = estimate(n, d, chains);
    let limit = available().unwrap_or(u64::MAX as u128);
    if need > limit {
        return Err(BenchError::Usage(format!(
            "n = {n} samples in d = {d} with {chains} chains needs at least {} of memory \
             ({need} bytes), more than the {} available",
            human(need),
            human(limit)
        )));
    }
    Ok(())
}

fn human(b: u128) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", units[u])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_plans_are_refused_by_name() {
        let e = check(1_000_000_000_000, 2, 1_000_000_000_000)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("n = 1000000000000") && e.contains("d = 2"),
            "{e}"
        );
        assert!(check(100, 2, 100).is_ok());
        assert_eq!(estimate(10, 2, 1), 160 + 64 + 256);
    }
}
