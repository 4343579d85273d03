//! Serialized `Summary` protos, as TF1's summary ops (`ScalarSummary`,
//! `HistogramSummary`, `MergeSummary`) produce them (formats.md §2.4).

use super::error::{Result, SummaryError};
use super::histogram::histogram_proto;
use super::proto::summary::{value, Value};
use super::proto::Summary;
use prost::Message;
use std::collections::BTreeSet;

fn one_value(tag: &str, v: value::Value) -> Vec<u8> {
    Summary {
        value: vec![Value {
            tag: tag.to_string(),
            value: Some(v),
            ..Value::default()
        }],
    }
    .encode_to_vec()
}

/// A scalar summary: `{tag, simple_value}`. The value is a oneof member, so `0.0` is
/// written too (TF's bytes: `0a 0b 0a 04 "zero" 15 00 00 00 00`).
pub fn scalar_summary(tag: &str, value: f32) -> Vec<u8> {
    one_value(tag, value::Value::SimpleValue(value))
}

/// A histogram summary: `{tag, histo}` with TF's default buckets (see
/// [`histogram_proto`](super::histogram_proto), which also says how NaN and infinities
/// are treated).
pub fn histogram_summary(tag: &str, values: &[f64]) -> Vec<u8> {
    one_value(tag, value::Value::Histo(histogram_proto(values)))
}

/// Merges serialized summaries into one, as `tf.summary.merge` does: all values, in
/// order. The parts are checked like TF's `MergeSummary` op checks them, then
/// concatenated (a repeated field's encodings concatenate), so values of kinds this
/// crate does not model pass through unchanged.
///
/// # Errors
/// [`SummaryError::InvalidSummary`] when a part is not a `Summary`;
/// [`SummaryError::DuplicateTag`] when two values share a non-empty tag.
pub fn merge_summaries(parts: &[&[u8]]) -> Result<Vec<u8>> {
    let mut tags = BTreeSet::new();
    for (index, part) in parts.iter().enumerate() {
        let summary = Summary::decode(*part)
            .map_err(|source| SummaryError::InvalidSummary { index, source })?;
        for v in summary.value {
            if !v.tag.is_empty() && !tags.insert(v.tag.clone()) {
                return Err(SummaryError::DuplicateTag { tag: v.tag });
            }
        }
    }
    Ok(parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_scalar_is_written() {
        assert_eq!(
            scalar_summary("zero", 0.0),
            b"\x0a\x0b\x0a\x04zero\x15\x00\x00\x00\x00"
        );
        assert_eq!(
            scalar_summary("MSE", 4.25),
            b"\x0a\x0a\x0a\x03MSE\x15\x00\x00\x88\x40"
        );
    }

    #[test]
    fn merge_concatenates_and_rejects_duplicates() {
        let a = scalar_summary("a", 1.0);
        let b = histogram_summary("b", &[1.0, 2.0]);
        let merged = merge_summaries(&[&a, &b]).unwrap();
        let decoded = Summary::decode(&merged[..]).unwrap();
        let tags: Vec<&str> = decoded.value.iter().map(|v| v.tag.as_str()).collect();
        assert_eq!(tags, ["a", "b"]);
        assert_eq!(merge_summaries(&[]).unwrap(), Vec::<u8>::new());
        let err = merge_summaries(&[&a, &b, &a]).unwrap_err();
        assert_eq!(err.to_string(), "Duplicate tag a found in summary inputs");
        let err = merge_summaries(&[&a, b"\x0a\x05ab"]).unwrap_err();
        assert!(
            matches!(err, SummaryError::InvalidSummary { index: 1, .. }),
            "{err}"
        );
    }
}
