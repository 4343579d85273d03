//! Loading the data sets the examples train on (CSV files with a header row) and the
//! small preprocessing steps the seeds use (`StandardScaler`, a bias column).

use ndarray::{s, Array1, Array2, Axis};
use std::path::{Path, PathBuf};

/// Why a data file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not the expected CSV layout.
    #[error("{path}:{line}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number (1 is the header).
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// A regression data set: features, target and the feature names.
#[derive(Clone, Debug, PartialEq)]
pub struct Regression {
    /// One row per sample.
    pub features: Array2<f64>,
    /// One value per sample.
    pub target: Array1<f64>,
    /// The feature columns' names.
    pub feature_names: Vec<String>,
}

/// Loads a regression CSV whose header names its columns; `target` names the target
/// column and every other numeric column is a feature. Columns holding text (such as
/// `ocean_proximity` in the California housing CSV) are dropped, and so are rows with an
/// empty field (that file's `total_bedrooms` has some).
///
/// # Errors
/// [`DatasetError`] when the file cannot be read, has no `target` column, or holds a
/// malformed number in a numeric column.
pub fn load_regression_csv(path: &Path, target: &str) -> Result<Regression, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format_err = |line: usize, reason: String| DatasetError::Format {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(format_err(1, "the file is empty".into()));
    };
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let Some(target_col) = names.iter().position(|n| *n == target) else {
        return Err(format_err(
            1,
            format!("no column named `{target}` in the header"),
        ));
    };
    let rows: Vec<(usize, Vec<&str>)> = lines
        .map(|(i, l)| (i + 1, l.split(',').map(str::trim).collect()))
        .collect();
    for (line, fields) in &rows {
        if fields.len() != names.len() {
            return Err(format_err(
                *line,
                format!("expected {} fields, found {}", names.len(), fields.len()),
            ));
        }
    }
    // A column is numeric when every non-empty field parses.
    let numeric: Vec<bool> = (0..names.len())
        .map(|c| {
            rows.iter()
                .all(|(_, f)| f[c].is_empty() || f[c].parse::<f64>().is_ok())
        })
        .collect();
    if !numeric[target_col] {
        let line = rows
            .iter()
            .find(|(_, f)| f[target_col].parse::<f64>().is_err())
            .map_or(2, |(l, _)| *l);
        return Err(format_err(
            line,
            format!("column `{target}` is not numeric"),
        ));
    }
    let feature_cols: Vec<usize> = (0..names.len())
        .filter(|&c| c != target_col && numeric[c])
        .collect();
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for (_, f) in &rows {
        let used = feature_cols.iter().chain(std::iter::once(&target_col));
        if used.clone().any(|&c| f[c].is_empty()) {
            continue;
        }
        for &c in &feature_cols {
            features.push(f[c].parse::<f64>().unwrap_or(f64::NAN));
        }
        targets.push(f[target_col].parse::<f64>().unwrap_or(f64::NAN));
    }
    let n = targets.len();
    let features = Array2::from_shape_vec((n, feature_cols.len()), features)
        .map_err(|e| format_err(1, e.to_string()))?;
    Ok(Regression {
        features,
        target: Array1::from(targets),
        feature_names: feature_cols.iter().map(|&c| names[c].to_string()).collect(),
    })
}

/// Loads the diabetes data (`x0..x9`, `target`) as scikit-learn distributes it.
///
/// # Errors
/// As [`load_regression_csv`].
pub fn load_diabetes(path: &Path) -> Result<Regression, DatasetError> {
    load_regression_csv(path, "target")
}

/// Loads a California housing CSV: scikit-learn's layout (target `MedHouseVal`) or the
/// one of *Hands-On Machine Learning* (target `median_house_value`).
///
/// # Errors
/// As [`load_regression_csv`]; also when neither target column is present.
pub fn load_california_housing(path: &Path) -> Result<Regression, DatasetError> {
    match load_regression_csv(path, "MedHouseVal") {
        Err(DatasetError::Format { line: 1, .. }) => {
            load_regression_csv(path, "median_house_value")
        }
        other => other,
    }
}

/// A classification data set: one row of features per sample and a class index.
#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    /// One row per sample.
    pub features: Array2<f32>,
    /// Class indices.
    pub labels: Array1<i32>,
}

impl Classification {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Classification {
        Classification {
            features: self.features.select(Axis(0), indices),
            labels: self.labels.select(Axis(0), indices),
        }
    }

    /// A fixed, seeded split: `test_fraction` of the samples (shuffled by `seed`) for
    /// testing, the rest for training.
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Classification, Classification) {
        let order = permutation(self.len(), seed);
        let n_test = ((self.len() as f64) * test_fraction).round() as usize;
        let (test, train) = order.split_at(n_test.min(order.len()));
        (self.select(train), self.select(test))
    }
}

/// A seeded permutation of `0..n` (Fisher-Yates over a SplitMix64 stream), the same on
/// every platform.
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// Loads the handwritten digits CSV (`p0..p63` pixels 0..16, `label`), pixels scaled to
/// 0..1 as scikit-learn's examples do.
///
/// # Errors
/// As [`load_regression_csv`]; also labels outside 0..9.
pub fn load_digits(path: &Path) -> Result<Classification, DatasetError> {
    let data = load_regression_csv(path, "label")?;
    let labels: Vec<i32> = data.target.iter().map(|&l| l as i32).collect();
    if let Some((i, l)) = labels
        .iter()
        .enumerate()
        .find(|(_, l)| !(0..10).contains(*l))
    {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            line: i + 2,
            reason: format!("label {l} is not a digit"),
        });
    }
    Ok(Classification {
        features: data.features.mapv(|p| (p / 16.0) as f32),
        labels: Array1::from(labels),
    })
}

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

/// scikit-learn's `StandardScaler().fit_transform`: zero mean, unit (population)
/// variance per column; constant columns are only centred.
pub fn standardize(x: &Array2<f64>) -> Array2<f64> {
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let std = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 0.0 { s } else { 1.0 });
    (x - &mean) / &std
}

/// `np.c_[np.ones((m, 1)), x]`: a leading column of ones.
pub fn with_bias(x: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::ones((x.nrows(), x.ncols() + 1));
    out.slice_mut(s![.., 1..]).assign(x);
    out
}

/// The float64 least-squares solution `(X^T X)^-1 X^T y`, solved by Gaussian elimination
/// with partial pivoting: the reference the normal-equation examples compare against.
/// `None` when `X^T X` is singular.
pub fn least_squares(x: &Array2<f64>, y: &Array1<f64>) -> Option<Array1<f64>> {
    let n = x.ncols();
    let xtx = x.t().dot(x);
    let xty = x.t().dot(y);
    let mut a = Array2::zeros((n, n + 1));
    a.slice_mut(s![.., ..n]).assign(&xtx);
    a.slice_mut(s![.., n]).assign(&xty);
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[[i, col]].abs().total_cmp(&a[[j, col]].abs()))?;
        if a[[pivot, col]].abs() < 1e-12 {
            return None;
        }
        for k in 0..=n {
            a.swap([col, k], [pivot, k]);
        }
        for row in 0..n {
            if row != col {
                let f = a[[row, col]] / a[[col, col]];
                for k in col..=n {
                    a[[row, k]] -= f * a[[col, k]];
                }
            }
        }
    }
    Some(Array1::from_shape_fn(n, |i| a[[i, n]] / a[[i, i]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("staticflow-datasets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let p = dir.join(name);
        std::fs::write(&p, text).ok();
        p
    }

    #[test]
    fn reads_both_california_layouts_and_drops_text_and_gaps() {
        let sk = write(
            "sk.csv",
            "MedInc,HouseAge,MedHouseVal\n1.5,20,2.5\n2.0,30,3.0\n",
        );
        let r = load_california_housing(&sk).expect("loads");
        assert_eq!(r.feature_names, ["MedInc", "HouseAge"]);
        assert_eq!(r.target, array![2.5, 3.0]);
        let homl = write(
            "homl.csv",
            "longitude,total_bedrooms,median_house_value,ocean_proximity\n-122.2,129,452600,NEAR BAY\n-122.3,,358500,NEAR BAY\n",
        );
        let r = load_california_housing(&homl).expect("loads");
        assert_eq!(r.feature_names, ["longitude", "total_bedrooms"]);
        assert_eq!(r.features, array![[-122.2, 129.0]]);
    }

    #[test]
    fn reports_missing_target_and_ragged_rows() {
        let p = write("bad.csv", "a,b\n1,2\n");
        assert!(matches!(
            load_regression_csv(&p, "target"),
            Err(DatasetError::Format { line: 1, .. })
        ));
        let p = write("ragged.csv", "a,target\n1,2\n3\n");
        assert!(matches!(
            load_regression_csv(&p, "target"),
            Err(DatasetError::Format { line: 3, .. })
        ));
        let missing = Path::new("/nonexistent/staticflow.csv");
        assert!(matches!(
            load_diabetes(missing),
            Err(DatasetError::Io { .. })
        ));
    }

    #[test]
    fn idx_files_round_trip_and_bad_ones_are_errors() {
        let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
        images.extend([0, 255, 51, 102, 1, 2, 3, 4]);
        let dir = std::env::temp_dir().join(format!("staticflow-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
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

    #[test]
    fn seeded_split_is_a_partition() {
        let data = Classification {
            features: Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as f32),
            labels: (0..10).collect(),
        };
        let (train, test) = data.split(0.2, 7);
        assert_eq!((train.len(), test.len()), (8, 2));
        let mut all: Vec<i32> = train
            .labels
            .iter()
            .chain(test.labels.iter())
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(data.split(0.2, 7), (train, test));
    }

    #[test]
    fn least_squares_recovers_an_exact_fit() {
        let x = with_bias(&array![[1.0], [2.0], [3.0], [4.0]]);
        let y = array![3.0, 5.0, 7.0, 9.0];
        let theta = least_squares(&x, &y).expect("solvable");
        assert!((theta[0] - 1.0).abs() < 1e-12 && (theta[1] - 2.0).abs() < 1e-12);
        let z = standardize(&array![[1.0, 5.0], [3.0, 5.0]]);
        assert_eq!(z, array![[-1.0, 0.0], [1.0, 0.0]]);
    }
}
