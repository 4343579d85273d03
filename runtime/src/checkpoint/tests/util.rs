//! Helpers for the checkpoint tests: scratch directories, the TF fixture, a seeded RNG.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The checkpoint real TensorFlow 2.21 wrote (tests/fixtures/tf_ckpt, see its README).
pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tf_ckpt")
}

/// The fixture checkpoint's prefix.
pub(crate) fn fixture_prefix() -> PathBuf {
    fixture_dir().join("model.ckpt")
}

/// A fresh directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        TempDir::under(&std::env::temp_dir(), tag)
    }

    /// A fresh directory on a RAM file system (`/dev/shm`) where there is one, for the
    /// loops that rewrite small files thousands of times: on a disk with online discard
    /// each rewrite costs about a millisecond, which would dominate the loop.
    pub(crate) fn in_memory(tag: &str) -> TempDir {
        TempDir::try_under(Path::new("/dev/shm"), tag).unwrap_or_else(|| TempDir::new(tag))
    }

    fn under(base: &Path, tag: &str) -> TempDir {
        TempDir::try_under(base, tag).expect("create a temp dir")
    }

    fn try_under(base: &Path, tag: &str) -> Option<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = base.join(format!(
            "staticflow-ckpt-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).ok()?;
        Some(TempDir(path))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// The names of the directory's entries, sorted.
    pub(crate) fn file_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .expect("list the temp dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// SplitMix64: a tiny seeded generator, so the fuzz loop is reproducible without a
/// dependency.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub(crate) fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
}

use crate::tensor::{Buffer, Data, DataView, TensorView};

/// What the fixture holds, per its README: `(name, data, shape)`, sorted by name.
pub(crate) fn fixture_tensors() -> Vec<(&'static str, Data, Vec<usize>)> {
    vec![
        ("counter", Data::I32(vec![42]), vec![]),
        (
            "deep/cube",
            Data::F32(vec![
                -1.333_333_4,
                -1.0,
                -0.666_666_7,
                -0.333_333_34,
                0.0,
                0.333_333_34,
                0.666_666_7,
                1.0,
            ]),
            vec![2, 2, 2],
        ),
        ("dense/bias", Data::F32(vec![0.25, -0.125]), vec![2]),
        (
            "dense/kernel",
            Data::F32(vec![-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]),
            vec![3, 2],
        ),
        ("scale", Data::F32(vec![3.5]), vec![]),
    ]
}

/// Borrows `(name, data, shape)` triples as `write_bundle` takes them.
pub(crate) fn views<'a>(
    tensors: &'a [(&'a str, Data, Vec<usize>)],
) -> Vec<(&'a str, TensorView<'a>)> {
    tensors
        .iter()
        .map(|(name, data, shape)| {
            (
                *name,
                TensorView {
                    data: data.view(),
                    shape,
                },
            )
        })
        .collect()
}

/// An owned buffer, for comparing with what a reader returns.
pub(crate) fn buffer(data: &Data, shape: &[usize]) -> Buffer {
    Buffer {
        data: data.clone(),
        shape: shape.to_vec(),
    }
}

/// A one-element view of a float, for quick writes.
pub(crate) fn scalar(value: &f32) -> TensorView<'_> {
    TensorView {
        data: DataView::F32(std::slice::from_ref(value)),
        shape: &[],
    }
}

/// Copies the fixture checkpoint (index, data, state file) into `dir`.
pub(crate) fn copy_fixture(dir: &Path) {
    for name in [
        "model.ckpt.index",
        "model.ckpt.data-00000-of-00001",
        "checkpoint",
    ] {
        std::fs::copy(fixture_dir().join(name), dir.join(name)).expect("copy fixture");
    }
    // The fixture files are read-only; copies must be writable for the tests to mutate.
    for name in [
        "model.ckpt.index",
        "model.ckpt.data-00000-of-00001",
        "checkpoint",
    ] {
        let path = dir.join(name);
        let mut perms = std::fs::metadata(&path).expect("metadata").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).expect("make writable");
    }
}

/// Reads every tensor of a checkpoint: `Err` if opening or any read fails.
pub(crate) fn read_all(prefix: &Path) -> crate::checkpoint::Result<Vec<(String, Buffer)>> {
    let reader = crate::checkpoint::CheckpointReader::open(prefix)?;
    reader
        .variables()
        .into_iter()
        .map(|(name, _, _)| reader.tensor(&name).map(|b| (name, b)))
        .collect()
}
