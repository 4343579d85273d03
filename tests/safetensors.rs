//! Safetensors export and import of a session's variables: a round trip through a file
//! with every dtype, TF names, and the errors.

use staticflow::ndarray::{Array2, Array3};
use staticflow::prelude::*;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("staticflow-st-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

graph! {
    /// Every dtype, several ranks, scoped names and an optimizer's slots.
    pub struct AllDtypes {
        let X = constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let y = constant([[1.0], [2.0], [3.0]]);
        with variable_scope("dense") {
            let kernel = Variable([[0.1], [0.2]], name = "kernel");
        }
        let cube = Variable(random_uniform([2, 3, 4], -1.0, 1.0, seed = 7), name = "cube");
        let wide = Variable(0.25, name = "wide", dtype = float64);
        let count = Variable(7, name = "count");
        let big = Variable(0, name = "big", dtype = int64);
        let flags = Variable([True, False, True], name = "flags");
        let loss = reduce_mean(square(matmul(X, kernel) - y));
        let global_step = train.get_or_create_global_step();
        let train_op = train.AdamOptimizer(0.01).minimize(loss, global_step = global_step);
        let init = global_variables_initializer();
    }
}

graph! {
    /// `dense/kernel` with another shape than the file's.
    pub struct OtherShape {
        with variable_scope("dense") {
            let kernel = Variable([[0.1, 0.2]], name = "kernel");
        }
    }
}

graph! {
    /// A variable the file does not hold.
    pub struct Absent {
        let count = Variable(0, name = "count");
        let nowhere = Variable(1.0, name = "nowhere");
    }
}

type Values = (Array2<f32>, Array3<f32>, f64, i32, i64, Vec<bool>, i64);

fn values(g: &AllDtypes, sess: &mut Session) -> Result<Values, Error> {
    Ok((
        g.kernel.eval(sess)?,
        g.cube.eval(sess)?,
        g.wide.eval(sess)?,
        g.count.eval(sess)?,
        g.big.eval(sess)?,
        g.flags.eval(sess)?.to_vec(),
        g.global_step.eval(sess)?,
    ))
}

#[test]
fn round_trips_every_variable_through_a_file() -> Result<(), Error> {
    let g = AllDtypes::new();
    let mut sess = Session::new(&g);
    sess.run(&g.init, feed![])?;
    for _ in 0..3 {
        sess.run(&g.train_op, feed![])?;
    }
    let dir = scratch("round-trip");
    let path = dir.join("weights.safetensors");
    sess.save_safetensors(&path)?;
    // Saving again replaces the file, leaving no temporary file behind.
    sess.save_safetensors(&path)?;
    let names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::NotFound(e.to_string()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["weights.safetensors"]);

    // The header names every variable by its TF name with the safetensors dtype.
    let bytes = std::fs::read(&path).map_err(|e| Error::NotFound(e.to_string()))?;
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).expect("utf-8 header");
    for expected in [
        r#""dense/kernel":{"dtype":"F32","shape":[2,1]"#,
        r#""dense/kernel/Adam_1":{"dtype":"F32","shape":[2,1]"#,
        r#""cube":{"dtype":"F32","shape":[2,3,4]"#,
        r#""wide":{"dtype":"F64","shape":[]"#,
        r#""count":{"dtype":"I32","shape":[]"#,
        r#""big":{"dtype":"I64","shape":[]"#,
        r#""flags":{"dtype":"BOOL","shape":[3]"#,
        r#""global_step":{"dtype":"I64","shape":[]"#,
        r#""beta1_power":{"dtype":"F32","shape":[]"#,
    ] {
        assert!(header.contains(expected), "{expected} not in {header}");
    }

    // A fresh session needs no initializer; a trained one is overwritten.
    let before = values(&g, &mut sess)?;
    assert_eq!(before.3, 7);
    assert_eq!(before.5, [true, false, true]);
    assert_eq!(before.6, 3);
    let mut fresh = Session::new(&g);
    fresh.load_safetensors(&path)?;
    assert_eq!(values(&g, &mut fresh)?, before);
    sess.run(&g.train_op, feed![])?;
    assert_ne!(values(&g, &mut sess)?, before);
    sess.load_safetensors(&path)?;
    assert_eq!(values(&g, &mut sess)?, before);
    // Training resumes from the restored optimizer state exactly as it would have.
    sess.run(&g.train_op, feed![])?;
    fresh.run(&g.train_op, feed![])?;
    assert_eq!(values(&g, &mut sess)?, values(&g, &mut fresh)?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn errors_name_the_file_and_leave_the_session_unchanged() -> Result<(), Error> {
    let g = AllDtypes::new();
    let mut sess = Session::new(&g);
    let dir = scratch("errors");
    let path = dir.join("w.safetensors");
    let err = sess.save_safetensors(&path).expect_err("uninitialized");
    assert!(matches!(err, Error::Uninitialized { .. }), "{err}");
    assert!(!path.exists());
    sess.run(&g.init, feed![])?;
    sess.save_safetensors(&path)?;

    let other = OtherShape::new();
    let mut other_sess = Session::new(&other);
    let err = other_sess
        .load_safetensors(&path)
        .expect_err("shape differs");
    assert!(
        matches!(err, Error::RestoreMismatch { ref tensor, ref got, .. }
            if tensor == "dense/kernel" && got == "float32 [2,1]"),
        "{err}"
    );

    let absent = Absent::new();
    let mut absent_sess = Session::new(&absent);
    let err = absent_sess.load_safetensors(&path).expect_err("missing");
    let text = err.to_string();
    assert!(matches!(err, Error::Safetensors { .. }), "{err}");
    assert!(
        text.contains("nowhere") && text.contains("w.safetensors"),
        "{text}"
    );
    assert!(
        absent.count.eval(&mut absent_sess).is_err(),
        "nothing loaded on error"
    );

    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"\xff\xff\xff\xff\xff\xff\xff\xffnot json")
        .map_err(|e| Error::NotFound(e.to_string()))?;
    let err = sess.load_safetensors(&garbage).expect_err("garbage");
    assert!(err.to_string().contains("garbage.safetensors"), "{err}");
    let err = sess
        .load_safetensors(dir.join("none.safetensors"))
        .expect_err("no file");
    assert!(err.to_string().contains("none.safetensors"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
