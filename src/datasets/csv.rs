//! CSV data sets with a header row: regression targets, the digits images.

use super::{Classification, DatasetError, Regression};
use ndarray::{Array1, Array2};
use std::path::Path;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::testutil::write;
    use ndarray::array;

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
}
