//! MNIST's IDX files.

use super::{Classification, DatasetError};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

/// Loads MNIST from the four IDX files in `dir` (`train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, or the
/// same names with `.idx` before the type), pixels scaled to 0..1: `(train, test)`.
///
/// # Errors
/// A missing or malformed file ([`DatasetError`]); gzipped files must be unpacked first.
pub fn load_mnist(dir: &Path) -> Result<(Classification, Classification), DatasetError> {
    let find = |stem: &str, kind: &str| -> PathBuf {
        let plain = dir.join(format!("{stem}-{kind}"));
        let dotted = dir.join(format!("{stem}.{kind}"));
        if !plain.exists() && dotted.exists() {
            dotted
        } else {
            plain
        }
    };
    let train = Classification {
        features: read_idx_images(&find("train-images", "idx3-ubyte"))?,
        labels: read_idx_labels(&find("train-labels", "idx1-ubyte"))?,
    };
    let test = Classification {
        features: read_idx_images(&find("t10k-images", "idx3-ubyte"))?,
        labels: read_idx_labels(&find("t10k-labels", "idx1-ubyte"))?,
    };
    for (set, name) in [(&train, "train"), (&test, "t10k")] {
        if set.features.nrows() != set.labels.len() {
            return Err(DatasetError::Format {
                path: dir.join(name),
                line: 0,
                reason: format!(
                    "{} images but {} labels",
                    set.features.nrows(),
                    set.labels.len()
                ),
            });
        }
    }
    Ok((train, test))
}

fn read_idx(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>), DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| DatasetError::Format {
        path: path.to_path_buf(),
        line: 0,
        reason,
    };
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(bad("a gzip file: unpack it first (gunzip)".into()));
    }
    let word = |i: usize| -> Option<u32> {
        let b = bytes.get(i * 4..i * 4 + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match word(0) {
        Some(m) if m == magic => {}
        Some(m) => {
            return Err(bad(format!(
                "magic number {m:#010x}, expected {magic:#010x}"
            )))
        }
        None => return Err(bad("shorter than an IDX header".into())),
    }
    let rank = (magic & 0xff) as usize;
    let mut dims = Vec::with_capacity(rank);
    for i in 0..rank {
        dims.push(word(1 + i).ok_or_else(|| bad("truncated IDX header".into()))? as usize);
    }
    let count = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad("IDX dims overflow".into()))?;
    let start = 4 * (1 + rank);
    let data = bytes.get(start..).unwrap_or(&[]);
    if data.len() != count {
        return Err(bad(format!(
            "holds {} bytes of data, its header says {count}",
            data.len()
        )));
    }
    Ok((dims, data.to_vec()))
}

/// Reads an IDX3 image file (`0x00000803`) as one row of pixels in 0..1 per image.
///
/// # Errors
/// A missing file, a bad magic number, or a size that disagrees with the header.
pub fn read_idx_images(path: &Path) -> Result<Array2<f32>, DatasetError> {
    let (dims, data) = read_idx(path, 0x0000_0803)?;
    let (n, pixels) = (dims[0], dims[1] * dims[2]);
    let values = data.iter().map(|&p| f32::from(p) / 255.0).collect();
    Array2::from_shape_vec((n, pixels), values).map_err(|e| DatasetError::Format {
        path: path.to_path_buf(),
        line: 0,
        reason: e.to_string(),
    })
}

/// Reads an IDX1 label file (`0x00000801`).
///
/// # Errors
/// A missing file, a bad magic number, or a size that disagrees with the header.
pub fn read_idx_labels(path: &Path) -> Result<Array1<i32>, DatasetError> {
    let (_, data) = read_idx(path, 0x0000_0801)?;
    Ok(data.iter().map(|&l| i32::from(l)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::testutil;
    use ndarray::array;

    #[test]
    fn idx_files_round_trip_and_bad_ones_are_errors() {
        let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
        images.extend([0, 255, 51, 102, 1, 2, 3, 4]);
        let dir = testutil::dir("idx");
        std::fs::write(dir.join("train-images-idx3-ubyte"), &images).ok();
        std::fs::write(dir.join("t10k-images.idx3-ubyte"), &images).ok();
        let labels = [0u8, 0, 8, 1, 0, 0, 0, 2, 7, 3];
        std::fs::write(dir.join("train-labels-idx1-ubyte"), labels).ok();
        std::fs::write(dir.join("t10k-labels.idx1-ubyte"), labels).ok();
        let (train, test) = load_mnist(&dir).expect("loads");
        assert_eq!(train.features.dim(), (2, 4));
        assert_eq!(train.features[[0, 1]], 1.0);
        assert_eq!(train.features[[0, 2]], 0.2);
        assert_eq!(test.labels, array![7, 3]);
        std::fs::write(dir.join("train-labels-idx1-ubyte"), &labels[..9]).ok();
        assert!(matches!(load_mnist(&dir), Err(DatasetError::Format { .. })));
        std::fs::write(dir.join("train-labels-idx1-ubyte"), [0x1f, 0x8b, 0]).ok();
        let err = load_mnist(&dir).expect_err("gzip");
        assert!(err.to_string().contains("gunzip"), "{err}");
    }
}
