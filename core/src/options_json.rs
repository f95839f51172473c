//! Options given as JSON by the C and Java bindings (copy options, execution options): one
//! parser, strict the same way for every front-end. The text must be one JSON object (not an
//! array, a number or `null`), nested option groups objects too, and an unknown field is an
//! error naming it: a misspelt `"verfy"` must not quietly turn verification off.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The largest options text accepted (real ones are under 1 KiB).
pub const MAX_OPTIONS_BYTES: usize = 64 * 1024;

/// Parses `text` as the JSON object `what` describes; `groups` are the fields that must be
/// objects themselves when present.
pub(crate) fn parse_object_with<T: DeserializeOwned>(text: &str, what: &str, groups: &[&str]) -> Result<T> {
    let bad = |msg: String| Error::InvalidArgument(format!("{what}: {msg}"));
    if text.len() > MAX_OPTIONS_BYTES {
        return Err(bad(format!("{} bytes, over the {MAX_OPTIONS_BYTES}-byte limit", text.len())));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err(bad(format!("{} is not a JSON object: give {{...}} with the fields to set", kind(&value))));
    };
    for g in groups {
        if let Some(v) = obj.get(*g)
            && !v.is_object()
        {
            return Err(bad(format!("\"{g}\" is {}, not an object: give \"{g}\": {{...}}", kind(v))));
        }
    }
    serde_json::from_value(value).map_err(|e| bad(format!("{e}: fix or remove the field")))
}

/// Parses `text` as the JSON object `what` describes (no nested groups).
pub(crate) fn parse_object<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    parse_object_with(text, what, &[])
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
