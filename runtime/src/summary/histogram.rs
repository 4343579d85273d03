//! TF's default histogram (`tensorflow/core/lib/histogram/histogram.cc`): exponential
//! bucket limits and the `HistogramProto` of a set of values, with empty runs collapsed
//! as the `HistogramSummary` op encodes it (formats.md §2.4).

use super::proto::HistogramProto;
use std::sync::OnceLock;

/// TF's default bucket limits: `-DBL_MAX`, the negated growing limits, `0.0`, then
/// `1e-12, 1.1e-12, ...` (each 10% larger, while below `1e20`) and `DBL_MAX`.
pub(crate) fn default_bucket_limits() -> &'static [f64] {
    static LIMITS: OnceLock<Vec<f64>> = OnceLock::new();
    LIMITS.get_or_init(|| {
        let mut positive = Vec::new();
        // The same multiplications in the same order as TF, so every limit is bit-equal.
        let mut v = 1.0e-12;
        while v < 1.0e20 {
            positive.push(v);
            v *= 1.1;
        }
        positive.push(f64::MAX);
        let mut limits: Vec<f64> = positive.iter().rev().map(|v| -v).collect();
        limits.push(0.0);
        limits.extend_from_slice(&positive);
        limits
    })
}

/// The histogram of `values` as TF's `histogram` summary computes it: min, max, count,
/// sum and sum of squares in f64, and the default buckets with each run of empty buckets
/// collapsed into one entry (keeping the run's last limit).
///
/// TF's op rejects NaN and infinite values ("Nan in summary histogram for: ..."); this
/// function skips them, so the counts describe the finite values only. With no
/// (finite) values the result is TF's empty histogram: `min = DBL_MAX`,
/// `max = -DBL_MAX` and one empty bucket ending at `DBL_MAX`.
pub fn histogram_proto(values: &[f64]) -> HistogramProto {
    let limits = default_bucket_limits();
    let mut counts = vec![0.0f64; limits.len()];
    let mut h = HistogramProto {
        min: f64::MAX,
        max: -f64::MAX,
        ..HistogramProto::default()
    };
    for &value in values.iter().filter(|v| v.is_finite()) {
        // TF's `upper_bound`: the first limit greater than the value. `DBL_MAX` itself
        // would fall past the end (out of bounds in TF); it goes in the last bucket.
        let bucket = limits
            .partition_point(|&limit| limit <= value)
            .min(limits.len() - 1);
        counts[bucket] += 1.0;
        h.min = h.min.min(value);
        h.max = h.max.max(value);
        h.num += 1.0;
        h.sum += value;
        h.sum_squares += value * value;
    }
    let mut i = 0;
    while i < counts.len() {
        let (mut end, mut count) = (limits[i], counts[i]);
        i += 1;
        if count <= 0.0 {
            while i < counts.len() && counts[i] <= 0.0 {
                (end, count) = (limits[i], counts[i]);
                i += 1;
            }
        }
        h.bucket_limit.push(end);
        h.bucket.push(count);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_are_symmetric_and_end_at_dbl_max() {
        let limits = default_bucket_limits();
        // 1e-12 * 1.1^k < 1e20 for k = 0..=773, then DBL_MAX; mirrored, plus 0.0.
        assert_eq!(limits.len(), 2 * 775 + 1);
        assert_eq!(limits[775], 0.0);
        assert_eq!(limits[776], 1e-12);
        assert_eq!(limits.first(), Some(&-f64::MAX));
        assert_eq!(limits.last(), Some(&f64::MAX));
        assert!(limits.windows(2).all(|w| w[0] < w[1]));
        for k in 0..775 {
            assert_eq!(limits[774 - k], -limits[776 + k]);
        }
    }

    #[test]
    fn values_fall_in_upper_bound_buckets() {
        let h = histogram_proto(&[0.0, 0.0, 1.0]);
        assert_eq!(
            (h.min, h.max, h.num, h.sum, h.sum_squares),
            (0.0, 1.0, 3.0, 1.0, 1.0)
        );
        // 0.0 goes to the bucket ending at 1e-12 (limits are exclusive on the right).
        assert_eq!(h.bucket_limit[1], 1e-12);
        assert_eq!(h.bucket[..2], [0.0, 2.0]);
        assert_eq!(h.bucket.iter().sum::<f64>(), 3.0);
        assert_eq!(h.bucket_limit.last(), Some(&f64::MAX));
        assert_eq!(h.bucket.len(), h.bucket_limit.len());
    }

    #[test]
    fn empty_and_non_finite() {
        let h = histogram_proto(&[f64::NAN, f64::INFINITY]);
        assert_eq!((h.min, h.max, h.num), (f64::MAX, -f64::MAX, 0.0));
        assert_eq!((h.bucket_limit, h.bucket), (vec![f64::MAX], vec![0.0]));
        let h = histogram_proto(&[f64::MAX, -f64::MAX]);
        assert_eq!(h.bucket.iter().sum::<f64>(), 2.0);
    }
}
