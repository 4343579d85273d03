//! Tensor elements to and from the bytes of a bundle's data file (formats.md §1.5):
//! row-major, little-endian, bools as one byte 0 or 1.

use crate::tensor::{Data, DataView};

/// How many elements [`for_each_chunk`] encodes at a time, so saving a large tensor
/// needs a small scratch buffer rather than a second copy of the tensor.
const CHUNK_ELEMENTS: usize = 16 * 1024;

/// Calls `sink` with consecutive little-endian chunks that together are the tensor's
/// bytes as the data file stores them. Stops at the first error `sink` returns.
pub(crate) fn for_each_chunk<E>(
    data: DataView<'_>,
    mut sink: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut scratch = Vec::new();
    macro_rules! chunks {
        ($values:expr, $to_bytes:expr) => {
            for chunk in $values.chunks(CHUNK_ELEMENTS) {
                scratch.clear();
                for &value in chunk {
                    scratch.extend_from_slice(&$to_bytes(value));
                }
                sink(&scratch)?;
            }
        };
    }
    match data {
        DataView::F32(v) => chunks!(v, f32::to_le_bytes),
        DataView::F64(v) => chunks!(v, f64::to_le_bytes),
        DataView::I32(v) => chunks!(v, i32::to_le_bytes),
        DataView::I64(v) => chunks!(v, i64::to_le_bytes),
        DataView::Bool(v) => chunks!(v, |b: bool| [u8::from(b)]),
    }
    Ok(())
}

/// Decodes a data-file byte range into elements of `template`'s dtype, byte-swapping
/// when the bundle is big-endian. The caller has checked that `bytes.len()` is a whole
/// number of elements.
///
/// # Errors
/// A description of the first bool byte that is neither 0 nor 1.
pub(crate) fn decode(template: &Data, bytes: &[u8], big_endian: bool) -> Result<Data, String> {
    macro_rules! decode {
        ($variant:ident, $t:ty, $n:literal) => {
            Data::$variant(
                bytes
                    .chunks_exact($n)
                    .map(|chunk| {
                        let mut array = [0u8; $n];
                        array.copy_from_slice(chunk);
                        if big_endian {
                            <$t>::from_be_bytes(array)
                        } else {
                            <$t>::from_le_bytes(array)
                        }
                    })
                    .collect(),
            )
        };
    }
    Ok(match template {
        Data::F32(_) => decode!(F32, f32, 4),
        Data::F64(_) => decode!(F64, f64, 8),
        Data::I32(_) => decode!(I32, i32, 4),
        Data::I64(_) => decode!(I64, i64, 8),
        Data::Bool(_) => Data::Bool(
            bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| match b {
                    0 => Ok(false),
                    1 => Ok(true),
                    other => Err(format!("bool element {i} is byte {other}, not 0 or 1")),
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use staticflow_ir::DType;

    fn encode(data: DataView<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        for_each_chunk(data, |chunk| {
            out.extend_from_slice(chunk);
            Ok::<(), ()>(())
        })
        .unwrap();
        out
    }

    #[test]
    fn round_trip_every_dtype() {
        let cases = [
            Data::F32(vec![1.5, -0.0, f32::NAN, f32::INFINITY]),
            Data::F64(vec![1e300, -2.5]),
            Data::I32(vec![i32::MIN, 0, 42]),
            Data::I64(vec![i64::MAX, -1]),
            Data::Bool(vec![true, false, true]),
        ];
        for data in cases {
            let bytes = encode(data.view());
            let back = decode(&Data::empty(data.dtype()), &bytes, false).unwrap();
            // Compare bit patterns so NaN round-trips count.
            assert_eq!(encode(back.view()), bytes);
        }
        assert_eq!(encode(DataView::I32(&[42])), [42, 0, 0, 0]);
        let big = decode(&Data::empty(DType::Int32), &[0, 0, 0, 42], true).unwrap();
        assert_eq!(big, Data::I32(vec![42]));
        assert!(decode(&Data::empty(DType::Bool), &[0, 2], false).is_err());
    }

    #[test]
    fn large_tensors_come_in_several_chunks() {
        let values: Vec<i64> = (0..40_000).collect();
        let mut calls = 0;
        let mut total = 0;
        for_each_chunk(DataView::I64(&values), |chunk| {
            calls += 1;
            total += chunk.len();
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(total, 40_000 * 8);
        assert_eq!(calls, 3);
    }
}
