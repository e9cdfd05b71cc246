//! Shareable links: the training form's settings in the URL's hash
//! (`#model=plain&epochs=8&batch=128&optimizer=adadelta&lr=1&seed=42&subset=10000&validation=test&augment=none&backend=auto`;
//! with `model=custom`, `&layers=` and the layer list follow).
//! Opening such a link fills the form; it never starts training by itself.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::{FIELDS, Field, FormValues, SettingsError};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    #[error("`{0}` is not a setting of cifar-lab")]
    UnknownKey(String),
    #[error("`{0}` is not of the form key=value")]
    Malformed(String),
    #[error(transparent)]
    Invalid(#[from] SettingsError),
}

impl FormValues {
    /// The settings as a URL hash, starting with `#`.
    pub fn to_hash(&self) -> String {
        // A preset's layers are known from its name: only the user's own travel.
        let custom = self.custom_model();
        let pairs: Vec<String> = FIELDS
            .iter()
            .filter(|spec| custom || spec.field != Field::Layers)
            .map(|spec| format!("{}={}", spec.key, escape(self.get(spec.field))))
            .collect();
        format!("#{}", pairs.join("&"))
    }

    /// Reads a hash made by [`to_hash`](Self::to_hash) over `defaults`: missing keys keep
    /// the default, and the result must make a valid training request.
    pub fn from_hash(hash: &str, defaults: &FormValues) -> Result<FormValues, ShareError> {
        let mut values = defaults.clone();
        let body = hash.trim_start_matches('#');
        for pair in body.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| ShareError::Malformed(pair.to_string()))?;
            let field = Field::keyed(key).ok_or_else(|| ShareError::UnknownKey(key.to_string()))?;
            let value = unescape(value).ok_or_else(|| ShareError::Malformed(pair.to_string()))?;
            values.set(field, value);
        }
        values.to_request(String::new())?;
        Ok(values)
    }
}

/// Everything but URI's unreserved characters (RFC 3986, section 2.3) is encoded.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn escape(text: &str) -> String {
    utf8_percent_encode(text, RESERVED).to_string()
}

/// The decoded value, or `None` where the bytes it encodes are not UTF-8.
fn unescape(text: &str) -> Option<String> {
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|value| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::web::form::CUSTOM;

    fn defaults() -> FormValues {
        FormValues::defaults()
    }

    #[test]
    fn a_link_round_trips() {
        let mut v = defaults();
        v.set(Field::Model, "deeper");
        v.set(Field::Epochs, "15");
        v.set(Field::LearningRate, "0.5");
        v.set(Field::Validation, "0.1");
        v.set(Field::Augment, "flip-shift-2");
        v.set(Field::CpuWorkers, "3");
        let hash = v.to_hash();
        assert_eq!(
            hash,
            "#model=deeper&epochs=15&batch=128&optimizer=adadelta&lr=0.5&seed=42&subset=10000&validation=0.1&augment=flip-shift-2&backend=auto&workers=3"
        );
        let back = FormValues::from_hash(&hash, &defaults()).unwrap();
        assert_eq!(back.to_request("x".into()), v.to_request("x".into()));
    }

    #[test]
    fn a_link_carries_the_users_layers() {
        let mut v = defaults();
        v.set(Field::Model, CUSTOM);
        v.set(
            Field::Layers,
            "conv 32 3 same gelu, batchnorm, maxpool 2, flatten, dense 10",
        );
        let hash = v.to_hash();
        assert!(
            hash.ends_with(
                "&backend=auto&workers=auto&layers=conv%2032%203%20same%20gelu%2C%20batchnorm%2C%20maxpool\
                 %202%2C%20flatten%2C%20dense%2010"
            ),
            "{hash}"
        );
        let back = FormValues::from_hash(&hash, &defaults()).unwrap();
        assert_eq!(back[Field::Layers], v[Field::Layers]);
        assert_eq!(back.to_request("x".into()), v.to_request("x".into()));
        // A link whose layers do not make a model is refused, naming the layer.
        let broken = hash.replace("maxpool%202", "maxpool%2099");
        let Err(ShareError::Invalid(error)) = FormValues::from_hash(&broken, &defaults()) else {
            panic!("a broken model was accepted");
        };
        assert_eq!(error.field, Field::Layers);
        assert!(error.reason.starts_with("layer 3 `maxpool 99`"), "{error}");
    }

    #[test]
    fn missing_keys_keep_defaults() {
        let v = FormValues::from_hash("#model=dropout", &defaults()).unwrap();
        assert_eq!(
            (v.get(Field::Model), v.get(Field::Epochs)),
            ("dropout", "8")
        );
    }

    #[test]
    fn malformed_hashes_are_refused() {
        let d = defaults();
        assert_eq!(
            FormValues::from_hash("#colour=blue", &d),
            Err(ShareError::UnknownKey("colour".into()))
        );
        assert!(matches!(
            FormValues::from_hash("#model", &d),
            Err(ShareError::Malformed(_))
        ));
        assert!(matches!(
            FormValues::from_hash("#lr=%FF", &d),
            Err(ShareError::Malformed(_))
        ));
        // Not an escape: taken literally, and then not a number.
        assert!(matches!(
            FormValues::from_hash("#lr=%zz", &d),
            Err(ShareError::Invalid(_))
        ));
        assert!(matches!(
            FormValues::from_hash("#epochs=-3", &d),
            Err(ShareError::Invalid(_))
        ));
        assert!(matches!(
            FormValues::from_hash("#model=vgg", &d),
            Err(ShareError::Invalid(_))
        ));
        // Values the form has no place for are refused, not silently changed.
        for hash in ["#subset=777", "#epochs=500", "#validation=0.3"] {
            assert!(
                matches!(FormValues::from_hash(hash, &d), Err(ShareError::Invalid(_))),
                "{hash}"
            );
        }
    }
}
