//! Sampler configurations as TOML tables: typed parsing with named errors, the
//! canonical table of a config, and dotted-key overrides (`--set inner.samples=512`).
//!
//! TOML tables (not JSON values) carry configurations between the harness and the
//! families because TOML has `nan` and `inf`: a value a user wrote is never turned
//! into something else on the way (serde_json maps NaN to `null`).

use crate::CoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Deserializes a typed config from `table` (its `kind`, if any, is ignored);
/// unknown fields and wrong types are [`CoreError::Config`] naming the field (the
/// caller adds which sampler).
pub fn from_table<T: DeserializeOwned>(table: &toml::Table) -> Result<T, CoreError> {
    let mut t = table.clone();
    t.remove("kind");
    T::deserialize(toml::Value::Table(t)).map_err(|e| CoreError::Config {
        message: e.message().to_string(),
    })
}

/// The TOML table of a typed config (fields with `None` values are omitted).
pub fn to_table<T: Serialize>(config: &T) -> toml::Table {
    match toml::Value::try_from(config) {
        Ok(toml::Value::Table(t)) => t,
        Ok(other) => {
            let mut t = toml::Table::new();
            t.insert("value".into(), other);
            t
        }
        Err(e) => panic!("a sampler config must serialize to TOML: {e}"),
    }
}

/// Sets the dotted key `path` (`step_size`, `inner.samples`) in `table` to
/// `value`, creating intermediate tables. Fails when a prefix of the path is not a
/// table.
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(format!("`{path}` is not a dotted key"));
    }
    let mut t = table;
    for (i, k) in keys[..keys.len() - 1].iter().enumerate() {
        let entry = t
            .entry(k.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = match entry {
            toml::Value::Table(inner) => inner,
            other => {
                return Err(format!(
                    "`{}` is {}, not a table, so `{path}` cannot be set",
                    keys[..=i].join("."),
                    other.type_str()
                ));
            }
        };
    }
    t.insert(keys[keys.len() - 1].to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Serialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        step_size: f64,
        #[serde(default)]
        inner: Inner,
    }
    #[derive(serde::Deserialize, Serialize, Debug, PartialEq, Default)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[serde(default)]
        samples: u64,
    }

    #[test]
    fn tables_round_trip_and_errors_name_the_field() {
        let c = Cfg {
            step_size: f64::NAN,
            inner: Inner { samples: 3 },
        };
        let t = to_table(&c);
        let back: Cfg = from_table(&t).unwrap();
        assert!(back.step_size.is_nan() && back.inner.samples == 3);
        let mut bad = t.clone();
        bad.insert("stepsize".into(), 1.0.into());
        let e = from_table::<Cfg>(&bad).unwrap_err().to_string();
        assert!(e.contains("unknown field `stepsize`"), "{e}");
    }

    #[test]
    fn dotted_keys_set_nested_fields() {
        let mut t = toml::Table::new();
        set_path(&mut t, "inner.samples", 512.into()).unwrap();
        set_path(&mut t, "step_size", 0.5.into()).unwrap();
        let c: Cfg = from_table(&t).unwrap();
        assert_eq!(c.inner.samples, 512);
        let e = set_path(&mut t, "step_size.x", 1.into()).unwrap_err();
        assert!(e.contains("not a table"), "{e}");
        assert!(set_path(&mut t, "a..b", 1.into()).is_err());
    }
}
