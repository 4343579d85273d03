//! A reader for the protobuf text format, limited to the one message a checkpoint
//! directory holds in it: `CheckpointState` (formats.md §1.7).
//!
//! Accepts what protobuf's text parser accepts for that message: fields in any order,
//! separated by whitespace, `,` or `;`; `#` comments; double- or single-quoted strings
//! with C escapes, adjacent strings concatenated; `[a, b]` lists for repeated fields; the
//! timestamp fields 3 and 4 as numbers (checked, then dropped). Unknown fields and a
//! repeated singular field are errors, with protobuf's wording.

use super::state::CheckpointState;

/// The fields of `CheckpointState`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    ModelCheckpointPath,
    AllModelCheckpointPaths,
    AllModelCheckpointTimestamps,
    LastPreservedTimestamp,
}

impl Field {
    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "model_checkpoint_path" => Field::ModelCheckpointPath,
            "all_model_checkpoint_paths" => Field::AllModelCheckpointPaths,
            "all_model_checkpoint_timestamps" => Field::AllModelCheckpointTimestamps,
            "last_preserved_timestamp" => Field::LastPreservedTimestamp,
            _ => return None,
        })
    }

    fn is_repeated(self) -> bool {
        matches!(
            self,
            Field::AllModelCheckpointPaths | Field::AllModelCheckpointTimestamps
        )
    }

    fn is_string(self) -> bool {
        matches!(
            self,
            Field::ModelCheckpointPath | Field::AllModelCheckpointPaths
        )
    }
}

/// Parses a `CheckpointState`; `Err` is `line N: what went wrong`.
pub(crate) fn parse_state(text: &[u8]) -> Result<CheckpointState, String> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        line: 1,
    };
    let mut state = CheckpointState::default();
    let mut seen_singular: Vec<Field> = Vec::new();
    while let Some(token) = lexer.next()? {
        let Token::Word(name) = token else {
            return Err(lexer.error(format!("expected a field name, found {}", token.describe())));
        };
        let field = Field::from_name(&name).ok_or_else(|| {
            lexer.error(format!(
                "Message type \"tensorflow.CheckpointState\" has no field named \"{name}\""
            ))
        })?;
        if !field.is_repeated() {
            if seen_singular.contains(&field) {
                return Err(lexer.error(format!(
                    "Message type \"tensorflow.CheckpointState\" should not have multiple \"{name}\" fields"
                )));
            }
            seen_singular.push(field);
        }
        match lexer.next()? {
            Some(Token::Punct(b':')) => {}
            other => {
                return Err(lexer.error(format!(
                    "expected \":\" after {name}, found {}",
                    other.map_or_else(|| "the end".into(), |t| t.describe())
                )))
            }
        }
        let list = field.is_repeated() && lexer.peek_punct(b'[');
        if list {
            lexer.next()?;
            if lexer.peek_punct(b']') {
                lexer.next()?;
            } else {
                loop {
                    parse_value(&mut lexer, field, &mut state)?;
                    match lexer.next()? {
                        Some(Token::Punct(b',')) => continue,
                        Some(Token::Punct(b']')) => break,
                        _ => return Err(lexer.error("expected \",\" or \"]\" in a list".into())),
                    }
                }
            }
        } else {
            parse_value(&mut lexer, field, &mut state)?;
        }
        if lexer.peek_punct(b',') || lexer.peek_punct(b';') {
            lexer.next()?;
        }
    }
    Ok(state)
}

/// Parses one value of `field` and stores it.
fn parse_value(
    lexer: &mut Lexer<'_>,
    field: Field,
    state: &mut CheckpointState,
) -> Result<(), String> {
    if field.is_string() {
        let mut bytes = match lexer.next()? {
            Some(Token::Str(bytes)) => bytes,
            other => {
                return Err(lexer.error(format!(
                    "expected a string, found {}",
                    other.map_or_else(|| "the end".into(), |t| t.describe())
                )))
            }
        };
        // Adjacent string literals are one value, as in C.
        while lexer.peek_string() {
            if let Some(Token::Str(more)) = lexer.next()? {
                bytes.extend_from_slice(&more);
            }
        }
        let value = String::from_utf8(bytes)
            .map_err(|_| lexer.error("string is not valid UTF-8".into()))?;
        match field {
            Field::ModelCheckpointPath => state.model_checkpoint_path = value,
            _ => state.all_model_checkpoint_paths.push(value),
        }
    } else {
        match lexer.next()? {
            Some(Token::Word(word)) if parse_double(&word).is_some() => {}
            other => {
                return Err(lexer.error(format!(
                    "expected a number, found {}",
                    other.map_or_else(|| "the end".into(), |t| t.describe())
                )))
            }
        }
    }
    Ok(())
}

/// A text-format `double`: a decimal or exponent number with an optional `f` suffix,
/// or `inf`/`infinity`/`nan` in any case, each optionally negated.
fn parse_double(word: &str) -> Option<f64> {
    let (negative, body) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let lower = body.to_ascii_lowercase();
    let value = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            let digits = lower.strip_suffix('f').unwrap_or(&lower);
            if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                return None;
            }
            digits.parse::<f64>().ok()?
        }
    };
    Some(if negative { -value } else { value })
}

/// One token of the text format.
#[derive(Debug)]
enum Token {
    /// A field name, number or `inf`/`nan`: a run of `[A-Za-z0-9_.+-]`.
    Word(String),
    /// A string literal, unescaped.
    Str(Vec<u8>),
    /// `:`, `,`, `;`, `[`, `]` or any other single byte.
    Punct(u8),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("\"{w}\""),
            Token::Str(_) => "a string".into(),
            Token::Punct(b) if b.is_ascii_graphic() => format!("\"{}\"", char::from(*b)),
            Token::Punct(b) => format!("byte {b:#04x}"),
        }
    }
}

struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lexer<'_> {
    fn error(&self, message: String) -> String {
        format!("line {}: {message}", self.line)
    }

    fn byte(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_space_and_comments(&mut self) {
        while let Some(b) = self.byte() {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'#' => {
                    while self.byte().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek_punct(&mut self, punct: u8) -> bool {
        self.skip_space_and_comments();
        self.byte() == Some(punct)
    }

    fn peek_string(&mut self) -> bool {
        self.skip_space_and_comments();
        matches!(self.byte(), Some(b'"' | b'\''))
    }

    fn next(&mut self) -> Result<Option<Token>, String> {
        self.skip_space_and_comments();
        let Some(b) = self.byte() else {
            return Ok(None);
        };
        if is_word_byte(b) {
            let start = self.pos;
            while self.byte().is_some_and(is_word_byte) {
                self.pos += 1;
            }
            let word = self.text.get(start..self.pos).unwrap_or_default();
            return Ok(Some(Token::Word(
                String::from_utf8_lossy(word).into_owned(),
            )));
        }
        self.pos += 1;
        if b == b'"' || b == b'\'' {
            return self.string(b).map(|s| Some(Token::Str(s)));
        }
        Ok(Some(Token::Punct(b)))
    }

    /// The rest of a string literal opened by `quote`.
    fn string(&mut self, quote: u8) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        loop {
            let Some(b) = self.byte() else {
                return Err(self.error("unterminated string".into()));
            };
            self.pos += 1;
            match b {
                b'\n' => return Err(self.error("newline in a string".into())),
                b'\\' => self.escape(&mut out)?,
                _ if b == quote => return Ok(out),
                _ => out.push(b),
            }
        }
    }

    /// One escape sequence after a backslash.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let Some(b) = self.byte() else {
            return Err(self.error("unterminated string".into()));
        };
        self.pos += 1;
        let simple = match b {
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => Some(b),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            return Ok(());
        }
        match b {
            b'0'..=b'7' => {
                let mut value = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.byte() {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                let byte = u8::try_from(value)
                    .map_err(|_| self.error(format!("octal escape \\{value:o} is over 255")))?;
                out.push(byte);
            }
            b'x' => {
                let value = self.hex_digits(1, 2)?;
                // At most two hex digits: always fits a byte.
                out.push(u8::try_from(value).unwrap_or(u8::MAX));
            }
            b'u' | b'U' => {
                let n = if b == b'u' { 4 } else { 8 };
                let value = self.hex_digits(n, n)?;
                let c = char::from_u32(value).ok_or_else(|| {
                    self.error(format!(
                        "\\{} escape {value:#x} is not a character",
                        char::from(b)
                    ))
                })?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            _ => {
                return Err(self.error(format!(
                    "invalid escape sequence \\{}",
                    char::from(b).escape_default()
                )))
            }
        }
        Ok(())
    }

    /// Between `min` and `max` hex digits.
    fn hex_digits(&mut self, min: usize, max: usize) -> Result<u32, String> {
        let mut value = 0u32;
        let mut count = 0;
        while count < max {
            match self.byte().and_then(|b| char::from(b).to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    self.pos += 1;
                    count += 1;
                }
                None => break,
            }
        }
        if count < min {
            return Err(self.error("escape needs more hex digits".into()));
        }
        Ok(value)
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_tf_writes_and_more() {
        let text = br#"
            # written by a newer TF
            all_model_checkpoint_paths: "model.ckpt-5"
            model_checkpoint_path: 'model.ckpt-7'
            all_model_checkpoint_paths: "model." "ckpt-7";
            all_model_checkpoint_timestamps: 1.7e9
            all_model_checkpoint_timestamps: [1700000001.5, -inf, nan]
            last_preserved_timestamp: 1700000000.25f,
            all_model_checkpoint_paths: ["a\tb\101\x41\u00e9", '\'q\'']
            all_model_checkpoint_paths: []
        "#;
        let state = parse_state(text).unwrap();
        assert_eq!(state.model_checkpoint_path, "model.ckpt-7");
        assert_eq!(
            state.all_model_checkpoint_paths,
            ["model.ckpt-5", "model.ckpt-7", "a\tbAAé", "'q'"]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_state(b"model_checkpoint_path: \"a\"\n\nbogus: 1\n").unwrap_err();
        assert_eq!(
            err,
            "line 3: Message type \"tensorflow.CheckpointState\" has no field named \"bogus\""
        );
        for bad in [
            &b"model_checkpoint_path: \"\\400\""[..],
            b"model_checkpoint_path: \"\\q\"",
            b"model_checkpoint_path: \"\\x\"",
            b"model_checkpoint_path: \"\\ud800\"",
            b"model_checkpoint_path: \"a\" \"unterminated",
            b"model_checkpoint_path: [\"a\"]",
            b"all_model_checkpoint_paths: [\"a\" \"b\"",
            b"last_preserved_timestamp: 1 last_preserved_timestamp: 2",
            b"last_preserved_timestamp: abc",
            b"last_preserved_timestamp:",
            b"model_checkpoint_path:",
            b": \"a\"",
            b"\"a\"",
        ] {
            assert!(
                parse_state(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
