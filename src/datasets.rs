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
    fn least_squares_recovers_an_exact_fit() {
        let x = with_bias(&array![[1.0], [2.0], [3.0], [4.0]]);
        let y = array![3.0, 5.0, 7.0, 9.0];
        let theta = least_squares(&x, &y).expect("solvable");
        assert!((theta[0] - 1.0).abs() < 1e-12 && (theta[1] - 2.0).abs() < 1e-12);
        let z = standardize(&array![[1.0, 5.0], [3.0, 5.0]]);
        assert_eq!(z, array![[-1.0, 0.0], [1.0, 0.0]]);
    }
}
