//! The `inspect_checkpoint` example's output (its logic, `examples/inspect_checkpoint/
//! format.rs`, is included here): the listing of TF's fixture, directories resolved
//! through the state file, JSON whose every float parses back to the same bits, and
//! one-line errors.

#[path = "../examples/inspect_checkpoint/format.rs"]
mod format;

use staticflow::checkpoint::write_bundle;
use staticflow::tensor::{Buffer, Data, TensorView};
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tf_ckpt")
}

fn run(args: &[&str]) -> Result<String, String> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    format::run(&args)
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("staticflow-inspect-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn lists_the_tensorflow_fixture_as_tf_inspect_checkpoint_does() {
    let prefix = fixture_dir().join("model.ckpt");
    let listing = run(&[prefix.to_str().expect("utf-8 path")]).expect("listing");
    assert_eq!(
        listing,
        "counter int32 []\n\
         deep/cube float32 [2,2,2]\n\
         dense/bias float32 [2]\n\
         dense/kernel float32 [3,2]\n\
         scale float32 []\n"
    );
    // A directory means its latest checkpoint.
    let dir = fixture_dir();
    assert_eq!(run(&[dir.to_str().expect("utf-8 path")]), Ok(listing));
}

#[test]
fn json_of_the_fixture_holds_every_value() {
    let dir = fixture_dir();
    let text = run(&["--json", dir.to_str().expect("utf-8 path")]).expect("json");
    let Json::Object(fields) = parse(&text) else {
        panic!("not an object: {text}")
    };
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "counter",
            "deep/cube",
            "dense/bias",
            "dense/kernel",
            "scale"
        ]
    );
    assert_eq!(
        field(&fields, "counter"),
        &parse(r#"{"dtype": "int32", "shape": [], "value": 42}"#)
    );
    assert_eq!(
        field(&fields, "dense/kernel"),
        &parse(
            r#"{"dtype": "float32", "shape": [3, 2], "value": [[-1.0, -0.5], [0.0, 0.5], [1.0, 1.5]]}"#
        )
    );
    let Json::Object(cube) = field(&fields, "deep/cube") else {
        panic!("cube")
    };
    let values: Vec<f32> = flatten(field(cube, "value"))
        .iter()
        .map(|n| n.parse().expect("a float"))
        .collect();
    // linspace(-4/3, 1, 8) as float32, as the fixture's README lists it.
    assert_eq!(
        values,
        [
            -1.333_333_4,
            -1.0,
            -0.666_666_7,
            -0.333_333_34,
            0.0,
            0.333_333_34,
            0.666_666_7,
            1.0
        ]
    );
}

#[test]
fn every_float_parses_back_to_the_same_bits() {
    let f32s: Vec<f32> = vec![
        0.0,
        -0.0,
        0.1,
        1.0 / 3.0,
        -2.5e-8,
        1e30,
        f32::MIN_POSITIVE,
        f32::from_bits(1), // the smallest subnormal
        f32::MAX,
        f32::MIN,
        f32::EPSILON,
        16_777_217.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        std::f32::consts::PI,
    ];
    let f64s: Vec<f64> = vec![
        0.1,
        -0.0,
        1.0 / 3.0,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        f64::MAX,
        -1e-300,
        9_007_199_254_740_993.0,
        f64::NAN,
        f64::NEG_INFINITY,
    ];
    let i64s = vec![i64::MIN, -1, 0, i64::MAX, 9_007_199_254_740_993];
    let i32s = vec![i32::MIN, i32::MAX, 0, -7];
    let bools = vec![true, false, false, true];
    let dir = scratch("exact");
    let prefix = dir.join("m.ckpt");
    let tensors: Vec<(&str, Data, Vec<usize>)> = vec![
        ("a/f32", Data::F32(f32s.clone()), vec![2, 2, 4]),
        ("b/f64", Data::F64(f64s.clone()), vec![5, 2]),
        ("c/i64", Data::I64(i64s.clone()), vec![5]),
        ("d/i32", Data::I32(i32s.clone()), vec![2, 1, 2]),
        ("e/bool", Data::Bool(bools.clone()), vec![4]),
        ("f/empty", Data::F32(vec![]), vec![3, 0]),
        ("g \"quoted\"\\name", Data::F64(vec![2.0]), vec![]),
    ];
    let views: Vec<(&str, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s)| {
            (
                *n,
                TensorView {
                    data: d.view(),
                    shape: s,
                },
            )
        })
        .collect();
    write_bundle(&prefix, &views).expect("write");
    let text = run(&["--json", prefix.to_str().expect("utf-8 path")]).expect("json");
    let Json::Object(fields) = parse(&text) else {
        panic!("not an object: {text}")
    };
    let values = |name: &str| {
        let Json::Object(tensor) = field(&fields, name) else {
            panic!("{name}")
        };
        flatten(field(tensor, "value"))
    };
    let back32: Vec<u32> = values("a/f32")
        .iter()
        .map(|n| float_text(n).parse::<f32>().expect("f32").to_bits())
        .collect();
    let bits32: Vec<u32> = f32s.iter().map(|x| x.to_bits()).collect();
    assert_eq!(back32, bits32);
    let back64: Vec<u64> = values("b/f64")
        .iter()
        .map(|n| float_text(n).parse::<f64>().expect("f64").to_bits())
        .collect();
    let bits64: Vec<u64> = f64s.iter().map(|x| x.to_bits()).collect();
    assert_eq!(back64, bits64);
    let back: Vec<i64> = values("c/i64").iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(back, i64s);
    let back: Vec<i32> = values("d/i32").iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(back, i32s);
    let back: Vec<bool> = values("e/bool").iter().map(|n| n == "true").collect();
    assert_eq!(back, bools);
    assert_eq!(
        field(&fields, "f/empty"),
        &parse(r#"{"dtype": "float32", "shape": [3, 0], "value": [[], [], []]}"#)
    );
    assert!(text.contains(r#""g \"quoted\"\\name": {"dtype": "float64""#));
    // The listing prints the same names and shapes.
    let listing = run(&[prefix.to_str().expect("utf-8 path")]).expect("listing");
    assert!(listing.starts_with("a/f32 float32 [2,2,4]\nb/f64 float64 [5,2]\n"));
    assert!(listing.contains("\nf/empty float32 [3,0]\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_are_one_line() {
    let missing = run(&["/nonexistent/dir\nwith newline/model.ckpt"]).expect_err("missing");
    assert!(missing.contains("/nonexistent/dir"), "{missing}");
    assert!(!missing.contains('\n'), "{missing}");
    assert_eq!(run(&[]), Err(format::USAGE.to_string()));
    let unknown = run(&["--yaml", "x"]).expect_err("unknown flag");
    assert!(unknown.starts_with("unknown option --yaml"), "{unknown}");
    let no_state = run(&[env!("CARGO_MANIFEST_DIR")]).expect_err("no state file");
    assert!(no_state.contains("no checkpoint"), "{no_state}");

    // A corrupt data file: the listing works (it reads only the index), the JSON fails.
    let dir = scratch("corrupt");
    std::fs::create_dir_all(&dir).expect("dir");
    for name in ["model.ckpt.index", "model.ckpt.data-00000-of-00001"] {
        let mut bytes = std::fs::read(fixture_dir().join(name)).expect("fixture");
        if name.contains("data") {
            bytes[3] ^= 0x40;
        }
        std::fs::write(dir.join(name), bytes).expect("write");
    }
    let prefix = dir.join("model.ckpt");
    let prefix = prefix.to_str().expect("utf-8 path");
    assert!(run(&[prefix]).is_ok());
    let err = run(&["--json", prefix]).expect_err("checksum");
    assert!(err.contains("Checksum does not match"), "{err}");
    assert!(!err.contains('\n'), "{err}");
    let _ = std::fs::remove_dir_all(&dir);

    // An empty tensor with a huge leading dim would print billions of `[]`.
    let absurd = Buffer {
        data: Data::F32(vec![]),
        shape: vec![1 << 40, 0],
    };
    let mut out = String::new();
    let err = format::tensor_json(&absurd, &mut out).expect_err("absurd");
    assert!(err.contains("nested lists"), "{err}");
}

// A small JSON reader, enough to check the output's structure; numbers stay text so that
// each is parsed by the element type it came from.

#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

fn parse(text: &str) -> Json {
    let mut chars = text.chars().peekable();
    let value = parse_value(&mut chars);
    skip_ws(&mut chars);
    assert_eq!(chars.next(), None, "trailing text");
    value
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_ws(chars: &mut Chars<'_>) {
    while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
        chars.next();
    }
}

fn parse_value(chars: &mut Chars<'_>) -> Json {
    skip_ws(chars);
    match chars.peek().copied() {
        Some('{') => {
            chars.next();
            let mut fields = Vec::new();
            loop {
                skip_ws(chars);
                if chars.peek() == Some(&'}') && fields.is_empty() {
                    chars.next();
                    return Json::Object(fields);
                }
                let Json::String(key) = parse_value(chars) else {
                    panic!("object key is not a string")
                };
                skip_ws(chars);
                assert_eq!(chars.next(), Some(':'));
                fields.push((key, parse_value(chars)));
                skip_ws(chars);
                match chars.next() {
                    Some(',') => {}
                    Some('}') => return Json::Object(fields),
                    other => panic!("expected , or }} in object, got {other:?}"),
                }
            }
        }
        Some('[') => {
            chars.next();
            let mut items = Vec::new();
            loop {
                skip_ws(chars);
                if chars.peek() == Some(&']') && items.is_empty() {
                    chars.next();
                    return Json::Array(items);
                }
                items.push(parse_value(chars));
                skip_ws(chars);
                match chars.next() {
                    Some(',') => {}
                    Some(']') => return Json::Array(items),
                    other => panic!("expected , or ] in array, got {other:?}"),
                }
            }
        }
        Some('"') => {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next().expect("unterminated string") {
                    '"' => return Json::String(s),
                    '\\' => match chars.next().expect("escape") {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'u' => {
                            let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                            let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                            s.push(char::from_u32(code).expect("a char"));
                        }
                        c => s.push(c),
                    },
                    c => {
                        assert!(u32::from(c) >= 0x20, "raw control character in string");
                        s.push(c);
                    }
                }
            }
        }
        Some('t' | 'f' | 'n') => {
            let word: String =
                std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_alphabetic())).collect();
            match word.as_str() {
                "true" => Json::Bool(true),
                "false" => Json::Bool(false),
                "null" => Json::Null,
                other => panic!("bad literal {other}"),
            }
        }
        _ => {
            let number: String = std::iter::from_fn(|| {
                chars.next_if(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
            })
            .collect();
            assert!(is_json_number(&number), "not a JSON number: {number:?}");
            Json::Number(number)
        }
    }
}

/// RFC 8259's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    let int_ok = int == "0" || (digits(int) && !int.starts_with('0'));
    let frac_ok = frac.is_none_or(digits);
    let exp_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    int_ok && frac_ok && exp_ok
}

fn field<'a>(fields: &'a [(String, Json)], name: &str) -> &'a Json {
    &fields
        .iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .1
}

/// The leaves of nested arrays, in order, as text (numbers as printed, strings and
/// bools as their text).
fn flatten(json: &Json) -> Vec<String> {
    match json {
        Json::Array(items) => items.iter().flat_map(flatten).collect(),
        Json::Number(n) => vec![n.clone()],
        Json::String(s) => vec![s.clone()],
        Json::Bool(b) => vec![b.to_string()],
        Json::Null => vec!["null".into()],
        Json::Object(_) => panic!("object inside a value"),
    }
}

/// A JSON float's text as Rust parses it (`"NaN"`, `"Infinity"` are strings in the JSON).
fn float_text(s: &str) -> &str {
    match s {
        "Infinity" => "inf",
        "-Infinity" => "-inf",
        other => other,
    }
}
