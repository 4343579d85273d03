//! Writing a V2 checkpoint: [`write_bundle`] (TF's `BundleWriter`, as `SaveV2` uses it).

use std::path::Path;

use prost::Message;

use super::atomic::{AtomicFile, FaultPlan};
use super::bundle::{self, BundleEntryProto, Dim, TensorShapeProto};
use super::coding::mask;
use super::elements::for_each_chunk;
use super::error::{CheckpointError, Result};
use super::naming::{data_path, index_path};
use super::sstable::TableBuilder;
use crate::tensor::TensorView;

/// TF's `TensorShape::MaxDimensions()`.
const MAX_RANK: usize = 254;

/// Writes `PREFIX.index` and `PREFIX.data-00000-of-00001`, byte for byte as TF's
/// `BundleWriter` would for the same tensors.
///
/// Tensors are stored in sorted-name order (the order of `tensors` does not matter); the
/// header, entries, checksums and SSTable layout are TF's. Both files are written to
/// temporary names in the prefix's directory and fsynced before either is renamed into
/// place, data file first and index last, so a failure while writing leaves any previous
/// checkpoint with the same prefix intact and no temporary files behind. The prefix's
/// directory is created if missing, as `BundleWriter` does.
///
/// # Errors
/// [`CheckpointError::InvalidTensor`] for an empty name, more than 254 dims or data whose
/// length does not match its shape; [`CheckpointError::DuplicateTensor`] for a repeated
/// name; [`CheckpointError::Io`] if a file cannot be written.
///
/// # Example
/// ```
/// use staticflow_runtime::checkpoint::{write_bundle, CheckpointReader};
/// use staticflow_runtime::tensor::{DataView, TensorView};
///
/// let kernel = [1.0f32, 2.0, 3.0, 4.0];
/// let step = [1000i64];
/// let prefix = std::env::temp_dir().join(format!("doc-{}/model.ckpt-1000", std::process::id()));
/// write_bundle(
///     &prefix,
///     &[
///         ("dense/kernel", TensorView { data: DataView::F32(&kernel), shape: &[2, 2] }),
///         ("global_step", TensorView { data: DataView::I64(&step), shape: &[] }),
///     ],
/// )?;
/// let reader = CheckpointReader::open(&prefix)?;
/// assert_eq!(reader.tensor("dense/kernel")?.shape, [2, 2]);
/// # std::fs::remove_dir_all(prefix.parent().unwrap()).unwrap();
/// # Ok::<(), staticflow_runtime::checkpoint::CheckpointError>(())
/// ```
pub fn write_bundle(prefix: impl AsRef<Path>, tensors: &[(&str, TensorView<'_>)]) -> Result<()> {
    write_bundle_with(prefix.as_ref(), tensors, &FaultPlan::default())
}

/// [`write_bundle`] with injected faults (the test seam).
pub(crate) fn write_bundle_with(
    prefix: &Path,
    tensors: &[(&str, TensorView<'_>)],
    faults: &FaultPlan,
) -> Result<()> {
    let index_path = index_path(prefix);
    let data_path = data_path(prefix, 0, 1);
    let sorted = sorted_and_checked(tensors, &index_path)?;

    if let Some(dir) = prefix.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CheckpointError::io(dir, e))?;
    }

    let mut data = AtomicFile::create(&data_path, faults)?;
    let mut table = TableBuilder::default();
    table.add(b"", &bundle::header().encode_to_vec());
    let mut offset = 0u64;
    for (name, view) in sorted {
        let mut crc = 0u32;
        let mut size = 0u64;
        for_each_chunk(view.data, |chunk| {
            crc = crc32c::crc32c_append(crc, chunk);
            size += chunk.len() as u64;
            data.write_all(chunk)
        })?;
        let entry = BundleEntryProto {
            dtype: bundle::tf_dtype(view.dtype()),
            shape: Some(TensorShapeProto {
                dim: view
                    .shape
                    .iter()
                    .map(|&size| Dim {
                        size: size as i64,
                        name: String::new(),
                    })
                    .collect(),
                unknown_rank: false,
            }),
            shard_id: 0,
            offset: offset as i64,
            size: size as i64,
            crc32c: mask(crc),
            slices: Vec::new(),
        };
        table.add(name.as_bytes(), &entry.encode_to_vec());
        offset += size;
    }
    data.sync()?;

    let mut index = AtomicFile::create(&index_path, faults)?;
    index.write_all(&table.finish())?;
    index.sync()?;
    // Both files are complete and on disk; only now replace the old ones, data first so
    // that a new index never points into an old data file.
    data.commit()?;
    index.commit()
}

/// The tensors sorted by name, after checking names, ranks and lengths.
fn sorted_and_checked<'t, 'v>(
    tensors: &'t [(&'t str, TensorView<'v>)],
    index_path: &Path,
) -> Result<Vec<&'t (&'t str, TensorView<'v>)>> {
    let invalid = |name: &str, reason: String| CheckpointError::InvalidTensor {
        path: index_path.to_path_buf(),
        tensor: name.to_owned(),
        reason,
    };
    let mut sorted: Vec<_> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for pair in sorted.windows(2) {
        if let [a, b] = pair {
            if a.0 == b.0 {
                return Err(CheckpointError::DuplicateTensor {
                    path: index_path.to_path_buf(),
                    tensor: a.0.to_owned(),
                });
            }
        }
    }
    for (name, view) in &sorted {
        if name.is_empty() {
            return Err(invalid(
                name,
                "the empty name is reserved for the bundle header".into(),
            ));
        }
        if view.shape.len() > MAX_RANK {
            return Err(invalid(
                name,
                format!("{} dims; at most {MAX_RANK} are allowed", view.shape.len()),
            ));
        }
        if view.shape.iter().any(|&d| i64::try_from(d).is_err()) {
            return Err(invalid(
                name,
                format!("shape {:?} has a dim that does not fit int64", view.shape),
            ));
        }
        let elements = view.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let bytes = elements.and_then(|n| n.checked_mul(bundle::element_size(view.dtype())));
        if bytes.is_none_or(|b| i64::try_from(b).is_err()) {
            return Err(invalid(
                name,
                format!("shape {:?} is too large", view.shape),
            ));
        }
        if elements != Some(view.data.len()) {
            return Err(invalid(
                name,
                format!(
                    "shape {:?} needs {} elements, but the data has {}",
                    view.shape,
                    elements.unwrap_or_default(),
                    view.data.len()
                ),
            ));
        }
    }
    Ok(sorted)
}
