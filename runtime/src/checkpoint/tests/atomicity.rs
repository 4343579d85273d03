//! A save that fails part-way (an injected write error after every possible number of
//! bytes) leaves the previous checkpoint readable and no temporary files behind.

use super::util::{read_all, views, TempDir};
use crate::checkpoint::atomic::FaultPlan;
use crate::checkpoint::writer::write_bundle_with;
use crate::checkpoint::{write_bundle, CheckpointError};
use crate::tensor::Data;

#[test]
fn failing_saves_keep_the_previous_checkpoint() {
    let dir = TempDir::new("atomic-bundle");
    let prefix = dir.path().join("model.ckpt");
    let old = vec![
        ("w", Data::F32(vec![1.0, 2.0, 3.0]), vec![3]),
        ("global_step", Data::I64(vec![1]), vec![]),
    ];
    write_bundle(&prefix, &views(&old)).unwrap();
    let before = read_all(&prefix).unwrap();
    let files = dir.file_names();

    let new = vec![
        ("w", Data::F32(vec![4.0; 12]), vec![3, 4]),
        ("global_step", Data::I64(vec![2]), vec![]),
        ("b", Data::F64(vec![0.5; 5]), vec![5]),
    ];
    let data_len = 12 * 4 + 8 + 5 * 8;
    let mut failures = 0;
    for budget in 0.. {
        match write_bundle_with(&prefix, &views(&new), &FaultPlan::fail_after(budget)) {
            Err(err) => {
                assert!(matches!(err, CheckpointError::Io { .. }), "{err}");
                failures += 1;
                assert_eq!(
                    read_all(&prefix).unwrap(),
                    before,
                    "after failing at byte {budget}"
                );
                assert_eq!(dir.file_names(), files, "after failing at byte {budget}");
            }
            Ok(()) => break,
        }
    }
    // Every byte of both files was a failure point.
    assert!(failures > data_len, "{failures}");
    let after = read_all(&prefix).unwrap();
    assert_eq!(after.len(), 3);
    assert_eq!(after[2].1.data, Data::F32(vec![4.0; 12]));
    assert_eq!(dir.file_names(), files);
}

#[test]
fn failing_first_save_leaves_nothing() {
    let dir = TempDir::new("atomic-first");
    let prefix = dir.path().join("m");
    let tensors = vec![("v", Data::I32(vec![7; 10]), vec![10])];
    for budget in [0, 1, 39, 40, 41, 100] {
        assert!(
            write_bundle_with(&prefix, &views(&tensors), &FaultPlan::fail_after(budget)).is_err()
        );
        assert!(
            dir.file_names().is_empty(),
            "{budget}: {:?}",
            dir.file_names()
        );
    }
}
