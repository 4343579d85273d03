//! Write, read back, compare: every dtype and rank, empty tensors, many variables.

use staticflow_ir::DType;

use super::util::{buffer, read_all, views, TempDir};
use crate::checkpoint::sstable::{parse_block, BlockHandle, BLOCK_TRAILER_LEN, FOOTER_LEN};
use crate::checkpoint::{write_bundle, CheckpointError, CheckpointReader};
use crate::tensor::{Data, DataView, TensorView};

/// `n` elements of `dtype` with varied values (negative, fractional, NaN-free).
fn sample(dtype: DType, n: usize) -> Data {
    match dtype {
        DType::Float32 => Data::F32((0..n).map(|i| i as f32 * -0.75 + 0.1).collect()),
        DType::Float64 => Data::F64(
            (0..n)
                .map(|i| i as f64 * 1e-3 - 1e300 * (i % 2) as f64)
                .collect(),
        ),
        DType::Int32 => Data::I32(
            (0..n)
                .map(|i| {
                    if i % 2 == 1 {
                        i32::MAX - i as i32
                    } else {
                        i as i32 * -7919
                    }
                })
                .collect(),
        ),
        DType::Int64 => Data::I64(
            (0..n)
                .map(|i| {
                    if i % 2 == 1 {
                        i64::MIN + i as i64
                    } else {
                        i as i64 * -1_000_000_007
                    }
                })
                .collect(),
        ),
        DType::Bool => Data::Bool((0..n).map(|i| i % 3 == 0).collect()),
    }
}

#[test]
fn every_dtype_rank_and_empty_tensor_round_trips() {
    let shapes: [&[usize]; 7] = [&[], &[5], &[2, 3], &[2, 1, 3], &[0], &[3, 0], &[2, 0, 4]];
    let mut tensors = Vec::new();
    for dtype in DType::ALL {
        for shape in shapes {
            let n = shape.iter().product();
            let name = format!(
                "{}/rank{}/{}",
                dtype.name(),
                shape.len(),
                shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("x")
            );
            tensors.push((name, sample(dtype, n), shape.to_vec()));
        }
    }
    let named: Vec<(&str, Data, Vec<usize>)> = tensors
        .iter()
        .map(|(n, d, s)| (n.as_str(), d.clone(), s.clone()))
        .collect();
    let dir = TempDir::new("round-trip");
    let prefix = dir.path().join("nested/dir/model.ckpt-7");
    write_bundle(&prefix, &views(&named)).unwrap();
    let reader = CheckpointReader::open(&prefix).unwrap();
    let mut expected: Vec<(String, DType, Vec<usize>)> = tensors
        .iter()
        .map(|(n, d, s)| (n.clone(), d.dtype(), s.clone()))
        .collect();
    expected.sort();
    assert_eq!(reader.variables(), expected);
    for (name, data, shape) in &tensors {
        assert_eq!(reader.tensor(name).unwrap(), buffer(data, shape), "{name}");
    }
}

#[test]
fn an_empty_checkpoint_round_trips() {
    let dir = TempDir::new("empty");
    let prefix = dir.path().join("empty");
    write_bundle(&prefix, &[]).unwrap();
    let reader = CheckpointReader::open(&prefix).unwrap();
    assert!(reader.variables().is_empty());
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.data-00000-of-00001"))
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_thousand_variables_span_blocks_and_restarts() {
    let dir = TempDir::new("thousand");
    let prefix = dir.path().join("big");
    // TF cuts data blocks at 256 KiB, far more than 1000 ordinary entries take; names
    // that differ early and then run on for 400 bytes (stored whole, as their shared
    // prefix is short) make the index span two blocks, with 63 restart points.
    let long = "x".repeat(400);
    let tensors: Vec<(String, Data, Vec<usize>)> = (0..1000)
        .map(|i| {
            let name = format!("v{i:04}/{long}/kernel");
            (name, sample(DType::ALL[i % 5], i % 7), vec![i % 7])
        })
        .collect();
    let named: Vec<(&str, Data, Vec<usize>)> = tensors
        .iter()
        .map(|(n, d, s)| (n.as_str(), d.clone(), s.clone()))
        .collect();
    write_bundle(&prefix, &views(&named)).unwrap();

    let index = std::fs::read(dir.path().join("big.index")).unwrap();
    let (blocks, restarts) = block_stats(&index);
    assert!(blocks >= 2, "expected several data blocks, got {blocks}");
    assert!(
        restarts >= 1000 / 16,
        "expected many restart points, got {restarts}"
    );

    let all = read_all(&prefix).unwrap();
    assert_eq!(all.len(), 1000);
    let mut sorted = tensors.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for ((name, data, shape), (got_name, got)) in sorted.iter().zip(&all) {
        assert_eq!(name, got_name);
        assert_eq!(got, &buffer(data, shape));
    }
}

/// `(data blocks, total restart points in them)` of an index file written by us.
fn block_stats(index: &[u8]) -> (usize, usize) {
    let footer = &index[index.len() - FOOTER_LEN..];
    let mut pos = 0;
    BlockHandle::decode_from(footer, &mut pos).unwrap();
    let handle = BlockHandle::decode_from(footer, &mut pos).unwrap();
    let block = &index[handle.offset as usize..(handle.offset + handle.size) as usize];
    let entries = parse_block(block, "index", &mut u64::MAX.clone(), "t".as_ref()).unwrap();
    let mut restarts = 0;
    for (_, value) in &entries {
        let h = BlockHandle::decode_from(value, &mut 0).unwrap();
        let data = &index[h.offset as usize..(h.offset + h.size) as usize];
        assert_eq!(index[(h.offset + h.size) as usize], 0, "type byte");
        assert!(((h.offset + h.size) as usize + BLOCK_TRAILER_LEN) <= index.len());
        restarts += u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap()) as usize;
    }
    (entries.len(), restarts)
}

#[test]
fn names_with_slashes_dots_and_unicode_round_trip() {
    let dir = TempDir::new("names");
    let prefix = dir.path().join("model.ckpt-1000");
    let names = [
        "a",
        "a/b",
        "a/b/c/d/e/f/g",
        "eval_net/train_op/eval_net/l1/b1/RMSProp_1",
        "path/.ATTRIBUTES/VARIABLE_VALUE",
        "ünïcödé/名前",
        "with space",
    ];
    let values: Vec<f32> = (0..names.len()).map(|i| i as f32).collect();
    let input: Vec<(&str, TensorView<'_>)> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| (*n, super::util::scalar(v)))
        .collect();
    write_bundle(&prefix, &input).unwrap();
    let reader = CheckpointReader::open(&prefix).unwrap();
    for (name, value) in names.iter().zip(&values) {
        assert_eq!(
            reader.tensor(name).unwrap().data,
            Data::F32(vec![*value]),
            "{name}"
        );
    }
}

#[test]
fn invalid_inputs_are_rejected_before_touching_disk() {
    let dir = TempDir::new("invalid");
    let prefix = dir.path().join("m");
    let one = 1.0f32;
    let two = [1.0f32, 2.0];
    let cases: Vec<Vec<(&str, TensorView<'_>)>> = vec![
        vec![
            ("a", super::util::scalar(&one)),
            ("a", super::util::scalar(&one)),
        ],
        vec![("", super::util::scalar(&one))],
        vec![(
            "a",
            TensorView {
                data: DataView::F32(&two),
                shape: &[3],
            },
        )],
        vec![(
            "a",
            TensorView {
                data: DataView::F32(&two),
                shape: &[usize::MAX, 2],
            },
        )],
        vec![(
            "a",
            TensorView {
                data: DataView::F32(&[]),
                shape: &[0, usize::MAX],
            },
        )],
        vec![(
            "a",
            TensorView {
                data: DataView::F32(&two),
                shape: &[1; 255],
            },
        )],
    ];
    for case in cases {
        let err = write_bundle(&prefix, &case).unwrap_err();
        assert!(
            matches!(
                err,
                CheckpointError::DuplicateTensor { .. } | CheckpointError::InvalidTensor { .. }
            ),
            "{err}"
        );
        assert_eq!(err.path(), dir.path().join("m.index"));
    }
    assert!(dir.file_names().is_empty());
}
