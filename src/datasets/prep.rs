//! Preprocessing the seeds use: standardization, a bias column, seeded permutations,
//! and the float64 least-squares reference.

use ndarray::{s, Array1, Array2, Axis};

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
    use crate::datasets::Classification;
    use ndarray::array;

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
