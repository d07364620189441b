//! Writing JSON strings exactly as Python's `json.dumps` does, without a serializer.
//!
//! The signer builds a policy straight into one buffer, on the hot path, and writes every
//! string in it through this one function, so the policy is byte-identical to boto3's.

use std::fmt::Write as _;

/// Appends `value` as a JSON string literal with `ensure_ascii` escaping: `"` and `\`
/// escaped, `\n \r \t \b \f` by name, other control characters, DEL and all non-ASCII as
/// lowercase `\uXXXX` (UTF-16 surrogate pairs beyond the BMP).
pub(crate) fn push_python_json_string(out: &mut String, value: &str) {
    out.push('"');
    // The common case, nothing to escape, is checked without branching per byte (the
    // compiler vectorizes the fold) and copied at once.
    if !value
        .bytes()
        .fold(false, |any, byte| any | needs_escape(byte))
    {
        out.push_str(value);
        out.push('"');
        return;
    }
    let mut rest = value;
    // Printable ASCII other than `"` and `\` is copied in runs; only the rest is looked at
    // character by character.
    while let Some(at) = rest.bytes().position(needs_escape) {
        out.push_str(&rest[..at]);
        let ch = rest[at..].chars().next().expect("`at` starts a character");
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
        rest = &rest[at + ch.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Whether a byte starts something `json.dumps` does not copy as is: a control character,
/// `"`, `\`, DEL or a non-ASCII character.
fn needs_escape(byte: u8) -> bool {
    !(b' '..=b'~').contains(&byte) | (byte == b'"') | (byte == b'\\')
}

#[cfg(test)]
mod tests {
    use super::push_python_json_string;

    /// Expected values are what Python 3.11's `json.dumps` prints for the same strings.
    #[test]
    fn matches_python_json_dumps() {
        let cases = [
            ("plain/key.txt", r#""plain/key.txt""#),
            ("quote\"back\\slash", r#""quote\"back\\slash""#),
            (
                "tab\tnl\ncr\rbs\u{8}ff\u{c}\u{1}\u{7f}",
                r#""tab\tnl\ncr\rbs\bff\f\u0001\u007f""#,
            ),
            (
                "été 🎉 ключ",
                r#""\u00e9t\u00e9 \ud83c\udf89 \u043a\u043b\u044e\u0447""#,
            ),
            ("", r#""""#),
        ];
        for (value, expected) in cases {
            let mut out = String::new();
            push_python_json_string(&mut out, value);
            assert_eq!(out, expected, "{value:?}");
        }
    }
}
