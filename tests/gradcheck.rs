//! Every differentiable op's gradient, as the macro builds it, against central finite
//! differences in float64: one table, one row per op.
//!
//! Each row is a graph whose output `out` goes into `loss = reduce_sum(0.5 * out^2 + out)`
//! (so the incoming gradient `out + 1` is not trivial); the gradients of `loss` with
//! respect to each input placeholder are compared with `(loss(x + h) - loss(x - h)) / 2h`.

use staticflow::ndarray::{Array, ArrayD, IxDyn};
use staticflow::prelude::*;

/// Deterministic inputs in [-1, 1], different per input and element.
fn input(shape: &[Option<usize>], salt: f64) -> ArrayD<f64> {
    let dims: Vec<usize> = shape.iter().map(|d| d.unwrap_or(1)).collect();
    let n: usize = dims.iter().product();
    let data = (0..n)
        .map(|i| ((i as f64 + 1.0) * 0.7391 + salt * 1.913).sin())
        .collect();
    Array::from_shape_vec(IxDyn(&dims), data).expect("shape fits")
}

/// Largest error of an analytic gradient against central differences.
fn check(name: &str, analytic: &ArrayD<f64>, numeric: &ArrayD<f64>) {
    assert_eq!(analytic.shape(), numeric.shape(), "{name}: gradient shape");
    for (i, (a, n)) in analytic.iter().zip(numeric.iter()).enumerate() {
        let tol = 1e-6 * (1.0 + n.abs());
        assert!(
            (a - n).abs() <= tol,
            "{name}: element {i}: autodiff {a} vs finite differences {n}"
        );
    }
}

macro_rules! gradcheck {
    ($( $case:ident ( $($x:ident : [$($d:expr),*]),+ ) { $($body:tt)* } )*) => {$(
        #[allow(non_snake_case)]
        mod $case {
            use super::*;

            graph! {
                pub struct Case {
                    $( let $x = placeholder(float64, shape = [$($d),*]); )+
                    let out = $($body)*;
                    let loss = reduce_sum(0.5 * square(out) + out);
                    $( let $x = [$x, gradients(loss, $x)[0]]; )+
                    let init = global_variables_initializer();
                }
            }

            #[test]
            fn matches_finite_differences() -> Result<(), Error> {
                let g = Case::new();
                let graph = g.as_graph();
                let mut sess = Session::new(&g);
                sess.run(&g.init, feed![])?;
                let names = [$(stringify!($x)),+];
                let shapes = [$(g.$x[0].shape()),+];
                let grads = [$(graph.get_tensor_by_name(g.$x[1].name())?),+];
                let inputs = [$(graph.get_tensor_by_name(g.$x[0].name())?),+];
                let mut values: Vec<ArrayD<f64>> =
                    shapes.iter().enumerate().map(|(k, s)| input(s, k as f64 + 1.0)).collect();
                fn feeds<'a>(inputs: &[AnyTensor], values: &'a [ArrayD<f64>]) -> Vec<Feed<'a>> {
                    inputs.iter().zip(values).map(|(h, v)| h.feed(v)).collect()
                }
                for (k, name) in names.iter().enumerate() {
                    let analytic = match sess.run(grads[k], &feeds(&inputs, &values))? {
                        TensorValue::F64(a) => a,
                        other => panic!("gradient of {name} is float64, got {other:?}"),
                    };
                    let mut numeric = ArrayD::zeros(analytic.shape());
                    let h = 1e-6;
                    for e in 0..values[k].len() {
                        let orig = values[k].as_slice().expect("standard layout")[e];
                        values[k].as_slice_mut().expect("standard layout")[e] = orig + h;
                        let up = sess.run(g.loss, &feeds(&inputs, &values))?;
                        values[k].as_slice_mut().expect("standard layout")[e] = orig - h;
                        let down = sess.run(g.loss, &feeds(&inputs, &values))?;
                        values[k].as_slice_mut().expect("standard layout")[e] = orig;
                        numeric.as_slice_mut().expect("standard layout")[e] = (up - down) / (2.0 * h);
                    }
                    check(&format!("{}/{name}", stringify!($case)), &analytic, &numeric);
                }
                Ok(())
            }
        }
    )*};
}

gradcheck! {
    neg(A: [3, 4]) { -A }
    square(A: [3, 4]) { square(A) }
    sqrt(A: [3, 4]) { sqrt(square(A) + 0.5) }
    exp(A: [3, 4]) { exp(A) }
    log(A: [3, 4]) { log(square(A) + 0.5) }
    abs(A: [3, 4]) { abs(A) }
    relu(A: [3, 4]) { nn.relu(A) }
    sigmoid(A: [3, 4]) { sigmoid(A) }
    tanh(A: [3, 4]) { tanh(A) }
    identity(A: [3, 4]) { identity(A) }
    add_broadcast(A: [3, 4], B: [4]) { A + B }
    add_fn_outer(A: [3, 1], B: [1, 4]) { tf.add(A, B) }
    sub(A: [3, 4], B: [3, 4]) { A - B }
    sub_scalar(A: [3, 4]) { 2.0 - A }
    mul_column(A: [3, 4], B: [3, 1]) { A * B }
    div(A: [3, 4], B: [4]) { A / (square(B) + 0.5) }
    pow(A: [3, 4], B: [3, 4]) { pow(square(A) + 0.5, B) }
    maximum(A: [3, 4], B: [3, 4]) { maximum(A, B) }
    minimum(A: [3, 4], B: [4]) { minimum(A, B) }
    matmul(A: [3, 4], B: [4, 2]) { matmul(A, B) }
    matmul_ta(A: [4, 3], B: [4, 2]) { matmul(A, B, transpose_a = True) }
    matmul_tb(A: [3, 4], B: [2, 4]) { matmul(A, B, transpose_b = True) }
    matmul_tab(A: [4, 3], B: [2, 4]) { matmul(A, B, transpose_a = True, transpose_b = True) }
    transpose(A: [3, 4]) { transpose(A) }
    transpose_perm(A: [2, 3, 4]) { transpose(A, perm = [1, 2, 0]) }
    reshape(A: [3, 4]) { reshape(A, [2, -1]) }
    concat(A: [3, 4], B: [3, 2]) { concat([A, B], 1) }
    matrix_inverse(A: [3, 3]) { matrix_inverse(A + constant([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]], dtype = float64)) }
    reduce_sum(A: [3, 4]) { reduce_sum(A, axis = 1) }
    reduce_sum_all(A: [3, 4]) { reduce_sum(A) }
    reduce_mean_keep(A: [3, 4]) { reduce_mean(A, axis = 0, keepdims = True) }
    reduce_max(A: [3, 4]) { reduce_max(A, axis = 1) }
    add_n(A: [3, 4], B: [3, 4]) { add_n([A, B, A]) }
    softmax(A: [3, 4]) { softmax(A) }
    log_softmax(A: [3, 4]) { nn.log_softmax(A) }
    bias_add(A: [3, 4], B: [4]) { nn.bias_add(A, B) }
    softmax_xent(A: [3, 4]) {
        nn.softmax_cross_entropy_with_logits_v2(
            labels = constant([[0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]], dtype = float64),
            logits = A)
    }
    sparse_xent(A: [3, 4]) {
        nn.sparse_softmax_cross_entropy_with_logits(labels = constant([1, 0, 3]), logits = A)
    }
    sigmoid_xent(A: [3, 4]) {
        nn.sigmoid_cross_entropy_with_logits(labels = constant(0.3, shape = [3, 4], dtype = float64), logits = A)
    }
    l2_loss(A: [3, 4]) { nn.l2_loss(A) }
    mean_squared_error(A: [3, 4]) { losses.mean_squared_error(labels = constant(0.25, shape = [3, 4], dtype = float64), predictions = A) }
    dense(A: [3, 4]) { layers.dense(A, 2, activation = tanh) }
    chain(A: [3, 4], B: [4, 2]) { reduce_mean(square(nn.relu(matmul(A, B)) - 1.0), axis = 0) }
    conv2d_same(A: [2, 5, 4, 3], B: [3, 3, 3, 2]) { nn.conv2d(A, B, strides = [1, 1, 1, 1], padding = "SAME") }
    conv2d_valid_strided(A: [2, 7, 5, 3], B: [3, 2, 3, 4]) { nn.conv2d(A, B, strides = [1, 2, 2, 1], padding = "VALID") }
    max_pool(A: [2, 4, 4, 3]) { nn.max_pool(A, ksize = [1, 2, 2, 1], strides = [1, 2, 2, 1], padding = "SAME") }
    avg_pool(A: [2, 5, 5, 2]) { nn.avg_pool(A, ksize = [1, 3, 3, 1], strides = [1, 2, 2, 1], padding = "SAME") }
    batch_norm_training(A: [5, 3]) { layers.batch_normalization(A, training = True) }
    conv_layers(A: [2, 6, 6, 1]) {
        layers.flatten(layers.max_pooling2d(layers.conv2d(A, 4, 3, padding = "same", activation = tanh), 2, 2))
    }
}
