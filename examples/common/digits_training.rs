// The training harness both digits examples share: options, one progress bar per
// epoch, TensorBoard logs, a checkpoint. `include!`d by `digits_mlp` and `digits_cnn`,
// whose graphs have the same fields (`X`, `y`, `training_op`, `loss`, `accuracy`,
// `weights`, `init`, `saver`).

struct Options {
    epochs: usize,
    batch_size: usize,
    mnist: Option<PathBuf>,
    logdir: PathBuf,
    ckpt_dir: PathBuf,
}

fn parse_args(program: &str, default_epochs: usize) -> Result<Options, String> {
    let mut options = Options {
        epochs: default_epochs,
        batch_size: 32,
        mnist: None,
        logdir: PathBuf::from("tf_logs"),
        ckpt_dir: PathBuf::from("checkpoints"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--epochs" => options.epochs = value("--epochs")?.parse().map_err(|e| format!("--epochs: {e}"))?,
            "--batch-size" => options.batch_size = value("--batch-size")?.parse().map_err(|e| format!("--batch-size: {e}"))?,
            "--mnist" => options.mnist = Some(PathBuf::from(value("--mnist")?)),
            "--logdir" => options.logdir = PathBuf::from(value("--logdir")?),
            "--ckpt-dir" => options.ckpt_dir = PathBuf::from(value("--ckpt-dir")?),
            other => return Err(format!("unknown argument {other}; usage: {program} [--epochs N] [--batch-size N] [--mnist DIR] [--logdir DIR] [--ckpt-dir DIR]")),
        }
    }
    if options.batch_size == 0 {
        return Err("--batch-size must be positive".into());
    }
    Ok(options)
}

/// Trains for `epochs`, one progress bar per epoch; returns the final test accuracy.
macro_rules! train {
    ($module:ident, $graph:ident, $ckpt:literal, $train:expr, $test:expr, $options:expr) => {{
        let (train, test, options): (&Classification, &Classification, &Options) = ($train, $test, $options);
        let g = $module::$graph::new();
        let mut sess = Session::new(&g);
        sess.run(&g.init, feed![])?;
        let n_batches = train.len().div_ceil(options.batch_size);
        let style = ProgressStyle::with_template("epoch {prefix:>3} [{bar:30}] {pos}/{len} batches")
            .map_err(|e| e.to_string())?
            .progress_chars("=> ");
        let mut accuracy = 0.0;
        let mut writer = FileWriter::new(run_logdir(&options.logdir), Some(g.as_graph()))?;
        let started = Instant::now();
        for epoch in 0..options.epochs {
            let bar = ProgressBar::new(n_batches as u64).with_style(style.clone()).with_prefix(epoch.to_string());
            let order = permutation(train.len(), epoch as u64);
            let mut loss_sum = 0.0;
            for batch in order.chunks(options.batch_size) {
                let x_batch: Array2<f32> = train.features.select(Axis(0), batch);
                let y_batch: Array1<i32> = train.labels.select(Axis(0), batch);
                let (_, loss) = sess.run((&g.training_op, &g.loss), feed![g.X => &x_batch, g.y => &y_batch])?;
                loss_sum += loss;
                bar.inc(1);
            }
            accuracy = sess.run(&g.accuracy, feed![g.X => &test.features, g.y => &test.labels])?;
            bar.finish_and_clear();
            let step = epoch as i64;
            writer.add_scalar("loss", loss_sum / n_batches as f32, step)?;
            writer.add_scalar("accuracy", accuracy, step)?;
            for (w, value) in g.weights.iter().zip(sess.run(&g.weights, feed![])?) {
                if let TensorValue::F32(v) = value {
                    let values: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
                    writer.add_histogram(w.op_name(), &values, step)?;
                }
            }
            println!(
                "epoch {epoch:3}: loss {:.4}  test accuracy {:.2}%",
                loss_sum / n_batches as f32,
                100.0 * accuracy
            );
        }
        let saved = g.saver.save(&sess, options.ckpt_dir.join(stringify!($module)).join($ckpt), Some(options.epochs as i64))?;
        println!("checkpoint: {}", saved.display());
        println!("TensorBoard logs: {}", writer.path().display());
        writer.close()?;
        println!(
            "trained {} epochs in {:.1?} ({} train / {} test samples)",
            options.epochs,
            started.elapsed(),
            train.len(),
            test.len()
        );
        accuracy
    }};
}

/// `run` and `main` for graph types `$graph` in modules `$digits` (8x8) and `$mnist`
/// (28x28).
macro_rules! digits_main {
    ($digits:ident, $mnist:ident, $graph:ident, $program:literal, $epochs:literal, $ckpt:literal) => {
        fn run(options: &Options) -> Result<f32, Box<dyn std::error::Error>> {
            match &options.mnist {
                Some(dir) => {
                    let (train, test) = load_mnist(dir)?;
                    Ok(train!($mnist, $graph, $ckpt, &train, &test, options))
                }
                None => {
                    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/digits.csv");
                    let data = load_digits(&path)?;
                    let (train, test) = data.split(0.2, 42);
                    Ok(train!($digits, $graph, $ckpt, &train, &test, options))
                }
            }
        }

        fn main() -> ExitCode {
            let options = match parse_args($program, $epochs) {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match run(&options) {
                Ok(accuracy) => {
                    println!("final test accuracy: {:.2}%", 100.0 * accuracy);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    };
}
