//! The file names of a checkpoint with prefix `P` (formats.md §1.1; TensorFlow's
//! `tensor_bundle/naming.cc`).

use std::path::{Path, PathBuf};

/// `P.index`: the SSTable of tensor entries; a checkpoint exists iff this file does.
pub(crate) fn index_path(prefix: &Path) -> PathBuf {
    with_suffix(prefix, ".index")
}

/// `P.data-SSSSS-of-NNNNN`: one shard of tensor bytes.
pub(crate) fn data_path(prefix: &Path, shard: i32, num_shards: i32) -> PathBuf {
    with_suffix(prefix, &format!(".data-{shard:05}-of-{num_shards:05}"))
}

/// Appends `suffix` to the prefix's last component (not as an extension, since prefixes
/// such as `model.ckpt-1000` already contain dots).
fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_tf_writes_them() {
        let prefix = Path::new("dir/model.ckpt-1000");
        assert_eq!(index_path(prefix), Path::new("dir/model.ckpt-1000.index"));
        assert_eq!(
            data_path(prefix, 0, 1),
            Path::new("dir/model.ckpt-1000.data-00000-of-00001")
        );
        assert_eq!(
            data_path(prefix, 3, 12),
            Path::new("dir/model.ckpt-1000.data-00003-of-00012")
        );
    }
}
