//! What `inspect_checkpoint` prints, kept apart from `main` so that `tests/` can call it
//! (`#[path]`-included by both the example and `tests/inspect_checkpoint.rs`).
//!
//! * The listing: one line per variable, sorted by name, `NAME DTYPE [d0,d1,...]`, like
//!   TF's `inspect_checkpoint` tool (`[]` for a scalar).
//! * `--json`: one object `{NAME: {"dtype": ..., "shape": [...], "value": ...}}` with the
//!   value as nested lists (a bare number for a scalar). Floats are Rust's shortest
//!   round-trip form (`{:?}`: `0.1`, `1.0`, `1e-7`), so each parses back to the same
//!   float32/float64; NaN and the infinities, which JSON numbers cannot spell, are the
//!   strings `"NaN"`, `"Infinity"` and `"-Infinity"` (what Python's `float()` and
//!   NumPy accept). Integers are exact decimal (int64 beyond 2^53 too: JSON parsers that
//!   read numbers as doubles, as JavaScript's does, would round them).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use staticflow::checkpoint::{CheckpointError, CheckpointReader};
use staticflow::tensor::{Buffer, DataView};

/// The usage line.
pub const USAGE: &str = "usage: inspect_checkpoint [--json] PREFIX_OR_DIRECTORY";

/// Runs the tool on its arguments (without the program name): the text to print on
/// stdout, or the one-line error for stderr.
pub fn run(args: &[String]) -> Result<String, String> {
    let (json, target) = parse_args(args)?;
    let prefix = resolve_prefix(Path::new(target))?;
    let reader = CheckpointReader::open(&prefix).map_err(|e| one_line(&e.to_string()))?;
    if json {
        to_json(&reader).map_err(|e| one_line(&e.to_string()))
    } else {
        Ok(listing(&reader))
    }
}

/// `(json, target)` from the arguments.
pub fn parse_args(args: &[String]) -> Result<(bool, &str), String> {
    let mut json = false;
    let mut target = None;
    for arg in args {
        match arg.as_str() {
            "--json" => json = true,
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}; {USAGE}"));
            }
            path if target.is_none() => target = Some(path),
            extra => return Err(format!("unexpected argument {extra}; {USAGE}")),
        }
    }
    target.map(|t| (json, t)).ok_or_else(|| USAGE.into())
}

/// The checkpoint prefix for `target`: the latest checkpoint that the `checkpoint` state
/// file names when `target` is a directory, else `target` itself.
pub fn resolve_prefix(target: &Path) -> Result<PathBuf, String> {
    if !target.is_dir() {
        return Ok(target.to_path_buf());
    }
    match staticflow::latest_checkpoint(target) {
        Ok(Some(prefix)) => Ok(prefix),
        Ok(None) => Err(format!(
            "{}: no checkpoint (no `checkpoint` state file naming an existing checkpoint)",
            target.display()
        )),
        Err(e) => Err(one_line(&e.to_string())),
    }
}

/// One line per variable, sorted by name: `NAME DTYPE [d0,d1,...]`.
pub fn listing(reader: &CheckpointReader) -> String {
    let mut out = String::new();
    for (name, dtype, shape) in reader.variables() {
        let _ = writeln!(out, "{name} {dtype} {}", shape_text(&shape));
    }
    out
}

/// `[d0,d1,...]`, `[]` for a scalar.
pub fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(","))
}

/// Every variable with its dtype, shape and value, as one JSON object.
///
/// # Errors
/// The first tensor that cannot be read (bad checksum, truncated data file, ...), or one
/// whose nested lists would be absurdly many (a huge shape with a zero dim).
pub fn to_json(reader: &CheckpointReader) -> Result<String, CheckpointError> {
    let mut out = String::from("{");
    for (i, (name, _, _)) in reader.variables().into_iter().enumerate() {
        let buffer = reader.tensor(&name)?;
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        push_string(&mut out, &name);
        out.push_str(": ");
        tensor_json(&buffer, &mut out).map_err(|reason| CheckpointError::CorruptEntry {
            path: reader.index_path().to_path_buf(),
            tensor: name.clone(),
            reason,
        })?;
    }
    out.push_str("\n}\n");
    Ok(out)
}

/// Appends `{"dtype": ..., "shape": [...], "value": ...}` for one tensor.
///
/// # Errors
/// A shape whose nested lists would outnumber the elements by far (only an empty tensor
/// such as `[4294967296, 0]` can do that), or data that does not fill the shape.
pub fn tensor_json(buffer: &Buffer, out: &mut String) -> Result<(), String> {
    let shape = &buffer.shape;
    let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if elements != Some(buffer.data.len()) {
        return Err(format!(
            "{} elements do not fill shape {}",
            buffer.data.len(),
            shape_text(shape)
        ));
    }
    // The lists to print: one per index prefix. For a non-empty tensor they are at most
    // rank × elements; an empty one could ask for billions of `[]`.
    let mut lists = 0usize;
    let mut prefix = 1usize;
    for &d in shape {
        lists = lists.saturating_add(prefix);
        prefix = prefix.saturating_mul(d);
    }
    if lists > (shape.len().saturating_mul(buffer.data.len())).max(1 << 16) {
        return Err(format!(
            "shape {} would print {lists} nested lists",
            shape_text(shape)
        ));
    }
    let _ = write!(
        out,
        "{{\"dtype\": \"{}\", \"shape\": {}, \"value\": ",
        buffer.data.dtype(),
        shape_text(shape).replace(',', ", ")
    );
    match buffer.data.view() {
        DataView::F32(v) => nested(out, shape, v, &|out, x| push_f32(out, *x)),
        DataView::F64(v) => nested(out, shape, v, &|out, x| push_f64(out, *x)),
        DataView::I32(v) => nested(out, shape, v, &|out, x| {
            let _ = write!(out, "{x}");
        }),
        DataView::I64(v) => nested(out, shape, v, &|out, x| {
            let _ = write!(out, "{x}");
        }),
        DataView::Bool(v) => nested(out, shape, v, &|out, x| {
            out.push_str(if *x { "true" } else { "false" });
        }),
    }
    out.push('}');
    Ok(())
}

/// Row-major `values` as nested lists of `shape`; `values` fills the shape exactly.
fn nested<T>(out: &mut String, shape: &[usize], values: &[T], element: &dyn Fn(&mut String, &T)) {
    let Some((&n, rest)) = shape.split_first() else {
        if let Some(x) = values.first() {
            element(out, x);
        }
        return;
    };
    let stride: usize = rest.iter().product();
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        let start = i.saturating_mul(stride);
        let chunk = values
            .get(start..start.saturating_add(stride))
            .unwrap_or(&[]);
        nested(out, rest, chunk, element);
    }
    out.push(']');
}

/// A float32 that parses back to itself, or a string for NaN and the infinities.
pub fn push_f32(out: &mut String, x: f32) {
    push_float(
        out,
        x.is_nan(),
        x.is_infinite(),
        x < 0.0,
        format_args!("{x:?}"),
    );
}

/// A float64 that parses back to itself, or a string for NaN and the infinities.
pub fn push_f64(out: &mut String, x: f64) {
    push_float(
        out,
        x.is_nan(),
        x.is_infinite(),
        x < 0.0,
        format_args!("{x:?}"),
    );
}

fn push_float(
    out: &mut String,
    nan: bool,
    infinite: bool,
    negative: bool,
    finite: std::fmt::Arguments<'_>,
) {
    match (nan, infinite, negative) {
        (true, _, _) => out.push_str("\"NaN\""),
        (_, true, false) => out.push_str("\"Infinity\""),
        (_, true, true) => out.push_str("\"-Infinity\""),
        _ => {
            let _ = out.write_fmt(finite);
        }
    }
}

/// A JSON string literal (RFC 8259 escapes).
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An error message on one line (a path may hold a newline).
pub fn one_line(message: &str) -> String {
    message.replace('\n', "\\n")
}
