//! The Rust half of `scripts/tf_interop.sh`: checkpoints that TensorFlow must read, and
//! TensorFlow's checkpoints that staticflow must read.
//!
//! ```sh
//! cargo run --release --example interop_write -- DIR          # write
//! cargo run --release --example interop_write -- --read DIR   # read TF's
//! ```
//!
//! Writing trains the graph below for 5 Adam steps (with a global step), sets the
//! float64, int64 and bool variables to values that probe exactness (1/3, 2^53 + 1, a
//! pattern), saves it with `Saver()` to `DIR/model.ckpt-5`, and dumps every variable's
//! value to `DIR/values.json` (the format of `inspect_checkpoint --json`), and all
//! variables to `DIR/model.safetensors`.
//!
//! Reading restores the newest checkpoint in `DIR` (written by TF's Saver into the same
//! graph built in Python) and compares every variable, bit for bit, with
//! `DIR/values.txt`, which TF writes: one line per variable, `NAME<TAB>DTYPE<TAB>d0,d1
//! <TAB>little-endian bytes in hex`; if Python also wrote `DIR/model.safetensors`
//! (`safetensors.numpy.save_file`), it loads that into a fresh session and compares
//! again. Prints `PASS ...` or `FAIL ...` per check; exits 1 if any failed.

#[allow(dead_code)] // the example uses only the JSON part
#[path = "inspect_checkpoint/format.rs"]
mod format;

use staticflow::prelude::*;
use staticflow::tensor::{Buffer, Data};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

graph! {
    /// float32 matrices, a 3-D tensor, a float64, int32 and int64 scalars, a bool vector,
    /// trained with Adam and a global step. `scripts/tf_interop.py` builds the same graph
    /// in TF1 Python.
    pub struct Interop {
        let X = constant([[1.0, 2.0, 0.5], [3.0, -1.0, 2.0], [0.0, 1.5, -2.0], [2.0, 2.0, 1.0]]);
        let y = constant([[1.0], [0.0], [2.0], [-1.0]]);
        with variable_scope("dense") {
            let kernel = get_variable("kernel", [3, 2], initializer = random_uniform_initializer(-1.0, 1.0, seed = 1));
            let bias = Variable(zeros([2]), name = "bias");
        }
        with name_scope("output") {
            let out_kernel = Variable(random_uniform([2, 1], -1.0, 1.0, seed = 3), name = "kernel");
        }
        let cube = Variable(random_uniform([2, 2, 3], -1.0, 1.0, seed = 5), name = "cube");
        let wide = Variable(0.0, name = "wide", dtype = float64, trainable = False);
        let count = Variable(0, name = "count", trainable = False);
        let big = Variable(0, name = "big", dtype = int64, trainable = False);
        let flags = Variable([False, False, False, False], name = "flags", trainable = False);

        let hidden = nn.relu(matmul(X, kernel) + bias);
        let loss = reduce_mean(square(matmul(hidden, out_kernel) - y)) + 0.01 * reduce_sum(square(cube));
        let global_step = train.get_or_create_global_step();
        let train_op = train.AdamOptimizer(0.01).minimize(loss, global_step = global_step);
        let tick = assign_add(count, 1);

        let wide_in = placeholder(float64, shape = [], name = "wide_in");
        let big_in = placeholder(int64, shape = [], name = "big_in");
        let flags_in = placeholder(bool, shape = [4], name = "flags_in");
        let set_wide = assign(wide, wide_in);
        let set_big = assign(big, big_in);
        let set_flags = assign(flags, flags_in);

        let saver = Saver();
        let init = global_variables_initializer();
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, dir] if flag == "--read" => read(Path::new(dir)),
        [dir] if !dir.starts_with('-') => write(Path::new(dir)).map(|()| true),
        _ => Err("usage: interop_write DIR | interop_write --read DIR".to_string()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("interop_write: {}", format::one_line(&message));
            ExitCode::FAILURE
        }
    }
}

/// Trains, saves, and dumps the values as JSON and safetensors.
fn write(dir: &Path) -> Result<(), String> {
    let g = Interop::new();
    let mut sess = Session::new(&g);
    let run = |e: Error| e.to_string();
    sess.run(&g.init, feed![]).map_err(run)?;
    for _ in 0..5 {
        sess.run((&g.train_op, &g.tick), feed![]).map_err(run)?;
    }
    sess.run(&g.set_wide, feed![g.wide_in => 1.0 / 3.0])
        .map_err(run)?;
    sess.run(&g.set_big, feed![g.big_in => (1i64 << 53) + 1])
        .map_err(run)?;
    let flags = staticflow::ndarray::array![true, false, true, true];
    sess.run(&g.set_flags, feed![g.flags_in => &flags])
        .map_err(run)?;

    let step = g.global_step.eval(&mut sess).map_err(run)?;
    let path = g
        .saver
        .save(&sess, dir.join("model.ckpt"), Some(step))
        .map_err(run)?;
    let values = variable_values(&g, &mut sess)?;
    let mut json = String::from("{");
    for (i, (name, buffer)) in values.iter().enumerate() {
        json.push_str(if i == 0 { "\n  " } else { ",\n  " });
        format::push_string(&mut json, name);
        json.push_str(": ");
        format::tensor_json(buffer, &mut json)?;
    }
    json.push_str("\n}\n");
    let json_path = dir.join("values.json");
    std::fs::write(&json_path, json).map_err(|e| format!("{}: {e}", json_path.display()))?;
    sess.save_safetensors(dir.join("model.safetensors"))
        .map_err(run)?;
    println!(
        "wrote {} ({} variables), values.json and model.safetensors",
        path.display(),
        values.len()
    );
    Ok(())
}

/// Restores TF's checkpoint and compares every variable with TF's dump.
fn read(dir: &Path) -> Result<bool, String> {
    let g = Interop::new();
    let mut sess = Session::new(&g);
    let prefix = staticflow::latest_checkpoint(dir)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: no checkpoint", dir.display()))?;
    let mut passed = true;
    let mut check = |ok: bool, what: String| {
        println!("{} {what}", if ok { "PASS" } else { "FAIL" });
        passed &= ok;
    };
    match g.saver.restore(&mut sess, &prefix) {
        Ok(()) => check(
            true,
            format!("staticflow restores TF's {}", prefix.display()),
        ),
        Err(e) => {
            check(false, format!("staticflow restores TF's checkpoint: {e}"));
            return Ok(false);
        }
    }
    let dump_path = dir.join("values.txt");
    let dump =
        std::fs::read_to_string(&dump_path).map_err(|e| format!("{}: {e}", dump_path.display()))?;
    let mut expected: BTreeMap<&str, (&str, &str, &str)> = BTreeMap::new();
    for line in dump.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [name, dtype, shape, hex] = fields[..] {
            expected.insert(name, (dtype, shape, hex));
        }
    }
    let values = variable_values(&g, &mut sess)?;
    compare(&values, &expected, "TF -> staticflow", &mut check);

    // The same values exported by Python's `safetensors.numpy.save_file`, if it ran.
    let exported = dir.join("model.safetensors");
    if exported.exists() {
        let mut fresh = Session::new(&g);
        match fresh.load_safetensors(&exported) {
            Ok(()) => {
                check(true, "staticflow loads Python's model.safetensors".into());
                let values = variable_values(&g, &mut fresh)?;
                compare(
                    &values,
                    &expected,
                    "Python safetensors -> staticflow",
                    &mut check,
                );
            }
            Err(e) => check(
                false,
                format!("staticflow loads Python's model.safetensors: {e}"),
            ),
        }
    }
    Ok(passed)
}

/// Compares every variable with TF's dump (dtype, shape, bytes), one check each.
fn compare(
    values: &[(String, Buffer)],
    expected: &BTreeMap<&str, (&str, &str, &str)>,
    label: &str,
    check: &mut impl FnMut(bool, String),
) {
    check(
        values.len() == expected.len(),
        format!(
            "{label}: TF dumped {} variables, the graph has {}",
            expected.len(),
            values.len()
        ),
    );
    for (name, buffer) in values {
        let dims: Vec<String> = buffer.shape.iter().map(usize::to_string).collect();
        let got = (
            buffer.data.dtype().name(),
            dims.join(","),
            hex(&buffer.data),
        );
        match expected.get(name.as_str()) {
            Some(&(dtype, shape, bytes)) if (dtype, shape, bytes) == (got.0, &got.1, &got.2) => {
                check(
                    true,
                    format!("{label}: {name} {dtype} [{shape}] bit-identical"),
                );
            }
            Some(want) => check(
                false,
                format!("{label}: {name}: TF saved {want:?}, staticflow has {got:?}"),
            ),
            None => check(false, format!("{label}: {name} is not in TF's dump")),
        }
    }
}

/// Every variable's value, by name, sorted.
fn variable_values(g: &Interop, sess: &mut Session) -> Result<Vec<(String, Buffer)>, String> {
    let graph = g.as_graph();
    let mut values = Vec::new();
    for name in graph.variable_names() {
        let tensor = graph
            .get_tensor_by_name(&format!("{name}:0"))
            .map_err(|e| e.to_string())?;
        let value = sess.run(&tensor, feed![]).map_err(|e| e.to_string())?;
        let buffer = match value {
            TensorValue::F32(a) => buffer(Data::F32(a.iter().copied().collect()), a.shape()),
            TensorValue::F64(a) => buffer(Data::F64(a.iter().copied().collect()), a.shape()),
            TensorValue::I32(a) => buffer(Data::I32(a.iter().copied().collect()), a.shape()),
            TensorValue::I64(a) => buffer(Data::I64(a.iter().copied().collect()), a.shape()),
            TensorValue::Bool(a) => buffer(Data::Bool(a.iter().copied().collect()), a.shape()),
        };
        values.push((name.to_string(), buffer));
    }
    values.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(values)
}

fn buffer(data: Data, shape: &[usize]) -> Buffer {
    Buffer {
        data,
        shape: shape.to_vec(),
    }
}

/// The elements' little-endian bytes in lower-case hex (bool: one byte, 0 or 1).
fn hex(data: &Data) -> String {
    let bytes: Vec<u8> = match data {
        Data::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Data::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Data::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Data::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Data::Bool(v) => v.iter().map(|&b| u8::from(b)).collect(),
    };
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
