//! f64 fields that survive JSON whatever their value. JSON has no NaN or infinity and
//! serde_json writes them as `null`, which then fails to read back as a number: a diverged
//! run's history or a failed self-check would be lost on the way to the page or to disk. With
//! `#[serde(with = "crate::serde_float")]` a finite value is a plain number and the others are
//! the strings `"NaN"`, `"inf"` and `"-inf"`; `null` (as older files have it) reads as NaN.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;

pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    match *value {
        v if v.is_finite() => serializer.serialize_f64(v),
        v if v.is_nan() => serializer.serialize_str("NaN"),
        v if v > 0.0 => serializer.serialize_str("inf"),
        _ => serializer.serialize_str("-inf"),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    deserializer.deserialize_any(FloatVisitor)
}

struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(r#"a number, "NaN", "inf" or "-inf""#)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize)]
    struct Value(#[serde(with = "super")] f64);

    fn round_trip(v: f64) -> f64 {
        serde_json::from_str::<Value>(&serde_json::to_string(&Value(v)).unwrap())
            .unwrap()
            .0
    }

    #[test]
    fn every_value_round_trips() {
        assert!(round_trip(f64::NAN).is_nan());
        assert_eq!(round_trip(f64::INFINITY), f64::INFINITY);
        assert_eq!(round_trip(f64::NEG_INFINITY), f64::NEG_INFINITY);
        for v in [0.0, -1.5, 0.1 + 0.2, 1e-300, f64::MAX] {
            assert_eq!(round_trip(v), v);
        }
        assert_eq!(serde_json::to_string(&Value(0.25)).unwrap(), "0.25");
        assert_eq!(serde_json::to_string(&Value(f64::NAN)).unwrap(), "\"NaN\"");
    }

    #[test]
    fn older_nulls_read_as_nan_and_junk_is_refused() {
        assert!(serde_json::from_str::<Value>("null").unwrap().0.is_nan());
        assert_eq!(serde_json::from_str::<Value>("3").unwrap().0, 3.0);
        assert!(serde_json::from_str::<Value>("\"infinity\"").is_err());
    }
}
