//! The checkpoint real TensorFlow 2.21 wrote: we read every value it holds, and writing
//! the same tensors gives the same bytes.

use staticflow_ir::DType;

use super::util::{buffer, fixture_dir, fixture_prefix, fixture_tensors, views, TempDir};
use crate::checkpoint::{write_bundle, CheckpointError, CheckpointReader};
use crate::tensor::Data;

#[test]
fn reads_every_variable_of_the_tf_fixture() {
    let reader = CheckpointReader::open(fixture_prefix()).unwrap();
    let expected = fixture_tensors();
    let listed = reader.variables();
    let want: Vec<(String, DType, Vec<usize>)> = expected
        .iter()
        .map(|(name, data, shape)| (name.to_string(), data.dtype(), shape.clone()))
        .collect();
    assert_eq!(listed, want);
    let names: Vec<&String> = listed.iter().map(|(n, _, _)| n).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "variables() sorted");
    for (name, data, shape) in &expected {
        let got = reader.tensor(name).unwrap();
        assert_eq!(got, buffer(data, shape), "{name}");
    }
    // The README's values, spelled as TF computed them.
    let cube = reader.tensor("deep/cube").unwrap();
    // numpy.linspace(-4/3, 1, 8): start + i * step in float64, the last one exactly 1.
    let start = -4.0f64 / 3.0;
    let step = (1.0 - start) / 7.0;
    let linspace: Vec<f32> = (0..8)
        .map(|i| {
            if i == 7 {
                1.0
            } else {
                (f64::from(i) * step + start) as f32
            }
        })
        .collect();
    assert_eq!(cube.data, Data::F32(linspace));
    assert!(reader.contains("scale"));
    assert!(!reader.contains("dense"));
}

#[test]
fn missing_tensor_names_the_file_and_the_tensor() {
    let reader = CheckpointReader::open(fixture_prefix()).unwrap();
    let err = reader.tensor("dense/kernel/Adam").unwrap_err();
    assert!(
        matches!(&err, CheckpointError::MissingTensor { tensor, .. } if tensor == "dense/kernel/Adam")
    );
    assert_eq!(err.path(), fixture_dir().join("model.ckpt.index"));
    let message = err.to_string();
    assert!(
        message.contains("model.ckpt.index")
            && message.contains("Key dense/kernel/Adam not found in checkpoint"),
        "{message}"
    );
}

#[test]
fn writing_the_fixture_tensors_reproduces_tf_bytes() {
    let dir = TempDir::new("fixture-bytes");
    let tensors = fixture_tensors();
    // Unsorted on purpose: the writer sorts, as TF's does.
    let mut input = views(&tensors);
    input.reverse();
    write_bundle(dir.path().join("model.ckpt"), &input).unwrap();
    let ours_data = std::fs::read(dir.path().join("model.ckpt.data-00000-of-00001")).unwrap();
    let tf_data = std::fs::read(fixture_dir().join("model.ckpt.data-00000-of-00001")).unwrap();
    assert_eq!(ours_data, tf_data, "data file");
    let ours_index = std::fs::read(dir.path().join("model.ckpt.index")).unwrap();
    let tf_index = std::fs::read(fixture_dir().join("model.ckpt.index")).unwrap();
    // The header entry first: `00 00 06` then TF's header proto.
    assert_eq!(ours_index[..9], tf_index[..9]);
    assert_eq!(&tf_index[3..9], [0x08, 0x01, 0x1a, 0x02, 0x08, 0x01]);
    assert_eq!(ours_index, tf_index, "index file");
    assert_eq!(
        dir.file_names(),
        ["model.ckpt.data-00000-of-00001", "model.ckpt.index"]
    );
}
