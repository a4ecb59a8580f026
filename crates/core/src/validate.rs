//! Checks used by fallible constructors (linfa's checked-params idea): a config is
//! validated once, after which sampling does not panic on bad parameters.

use crate::CoreError;

/// `value` must be finite and strictly positive.
pub fn positive(name: &str, value: f64) -> Result<f64, CoreError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(CoreError::invalid(name, value, "must be finite and > 0"))
    }
}

/// `value` must be finite and non-negative.
pub fn non_negative(name: &str, value: f64) -> Result<f64, CoreError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(CoreError::invalid(name, value, "must be finite and >= 0"))
    }
}

/// `value` must be finite.
pub fn finite(name: &str, value: f64) -> Result<f64, CoreError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CoreError::invalid(name, value, "must be finite"))
    }
}

/// `value` must lie in the open interval (lo, hi).
pub fn open_interval(name: &str, value: f64, lo: f64, hi: f64) -> Result<f64, CoreError> {
    if value > lo && value < hi {
        Ok(value)
    } else {
        Err(CoreError::invalid(
            name,
            value,
            format!("must lie strictly between {lo} and {hi}"),
        ))
    }
}

/// An integer count must be at least `min`.
pub fn at_least(name: &str, value: usize, min: usize) -> Result<usize, CoreError> {
    if value >= min {
        Ok(value)
    } else {
        Err(CoreError::invalid(name, value, format!("must be >= {min}")))
    }
}

/// Every entry of a slice must be finite; names the first offending index.
pub fn all_finite(name: &str, values: &[f64]) -> Result<(), CoreError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(CoreError::invalid(
            format!("{name}[{i}]"),
            values[i],
            "must be finite",
        )),
    }
}

/// A slice must have length `expected`.
pub fn length(what: &str, values: &[f64], expected: usize) -> Result<(), CoreError> {
    if values.len() == expected {
        Ok(())
    } else {
        Err(CoreError::dim(what, expected, values.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_and_names_the_field() {
        let e = positive("step_size", -1.0).unwrap_err().to_string();
        assert!(
            e.contains("step_size") && e.contains("-1") && e.contains("> 0"),
            "{e}"
        );
        assert!(positive("h", f64::NAN).is_err());
        assert!(positive("h", 0.5).is_ok());
        assert!(open_interval("target_accept", 1.0, 0.0, 1.0).is_err());
        let e = all_finite("mean", &[0.0, f64::INFINITY])
            .unwrap_err()
            .to_string();
        assert!(e.contains("mean[1]"), "{e}");
        assert!(at_least("n", 0, 1).is_err());
        assert!(
            length("x0", &[1.0], 2)
                .unwrap_err()
                .to_string()
                .contains("expected 2, got 1")
        );
    }
}
