//! Writing JSON strings exactly as Python's `json.dumps` does, without a serializer.
//!
//! Both the signer (which builds the policy straight into one buffer, on the hot path) and
//! [`super::PolicyDocument::to_json`] write strings through this one function.

use std::fmt::Write as _;

/// Appends `value` as a JSON string literal with `ensure_ascii` escaping: `"` and `\`
/// escaped, `\n \r \t \b \f` by name, other control characters, DEL and all non-ASCII as
/// lowercase `\uXXXX` (UTF-16 surrogate pairs beyond the BMP).
pub(crate) fn push_python_json_string(out: &mut String, value: &str) {
    out.push('"');
    let mut start = 0;
    for (index, ch) in value.char_indices() {
        let escaped = match ch {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            ' '..='~' => continue,
            _ => None,
        };
        out.push_str(&value[start..index]);
        match escaped {
            Some(text) => out.push_str(text),
            None => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
        start = index + ch.len_utf8();
    }
    out.push_str(&value[start..]);
    out.push('"');
}
