//! Loading the data sets the examples train on and the small preprocessing steps the
//! seeds use: CSV files with a header row (diabetes, California housing, digits), MNIST's
//! IDX files, `StandardScaler`, a bias column, seeded splits.

mod csv;
mod idx;
mod prep;

pub use csv::{load_california_housing, load_diabetes, load_digits, load_regression_csv};
pub use idx::{load_mnist, read_idx_images, read_idx_labels};
pub use prep::{least_squares, permutation, standardize, with_bias};

use ndarray::{Array1, Array2, Axis};
use std::path::PathBuf;

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

#[cfg(test)]
mod testutil {
    //! Temporary files for the loaders' tests.
    use std::path::PathBuf;

    /// Writes `text` to a per-process temporary file named `name`.
    pub fn write(name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("staticflow-datasets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let p = dir.join(name);
        std::fs::write(&p, text).ok();
        p
    }

    /// A per-process temporary directory.
    pub fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("staticflow-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        dir
    }
}
