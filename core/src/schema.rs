//! JSON Schemas (draft 2020-12) of the two documents callers exchange with volclone: the clone
//! request they send and the plan they get back. Generated from the same types serde reads and
//! writes, so they cannot drift from the code.

use serde_json::Value;

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// The request (`volclone plan`, `volclone run`, `volclone_plan_json`).
    Request,
    /// The plan (`volclone plan --json`, `volclone_plan_json`'s output).
    Plan,
}

impl Document {
    /// Parses `request` or `plan`; the error names the value and the choices.
    pub fn parse(name: &str) -> crate::error::Result<Self> {
        match name {
            "request" => Ok(Document::Request),
            "plan" => Ok(Document::Plan),
            other => Err(crate::Error::InvalidArgument(format!("schema {other:?}: give request or plan"))),
        }
    }
}

/// Lets the enum schema `def` also take the strings `extra` (serde aliases schemars cannot see).
fn widen_enum(def: &mut Value, extra: &[&str]) {
    let unset = serde_json::json!({ "enum": extra, "type": "string", "description": "unset, as `zfs get` prints it (-) or as an empty string" });
    match def.get_mut("oneOf").and_then(|o| o.as_array_mut()) {
        Some(one_of) => one_of.push(unset),
        None => {
            let old = def.take();
            *def = serde_json::json!({ "anyOf": [old, unset] });
        }
    }
}

/// The schema of `doc`, with its `$id` and a title naming volclone's version.
pub fn schema(doc: Document) -> Value {
    let (mut s, name) = match doc {
        Document::Request => (schemars::schema_for!(crate::CloneRequest), "request"),
        Document::Plan => (schemars::schema_for!(crate::plan::Plan), "plan"),
    };
    if doc == Document::Request {
        // serde's alias is invisible to schemars: a request may name BLOCK_COPY by LINSTOR's name.
        if let Some(one_of) = s.get_mut("$defs").and_then(|d| d.get_mut("Strategy")).and_then(|st| st.get_mut("oneOf")).and_then(|o| o.as_array_mut()) {
            one_of.push(serde_json::json!({ "const": "DD", "description": "LINSTOR's name of BLOCK_COPY.", "type": "string" }));
        }
        // "Unset" as ZFS prints it (`-`) or 0.1.0's callers sent it (""): see request::unset.
        for name in ["KeyStatus", "DrbdMetadata"] {
            if let Some(def) = s.get_mut("$defs").and_then(|d| d.get_mut(name)) {
                widen_enum(def, &["-", ""]);
            }
        }
    }
    s.insert("$id".into(), format!("https://volclone.invalid/schema/{}/{name}.schema.json", crate::VERSION).into());
    s.insert("title".into(), format!("volclone {} {name}", crate::VERSION).into());
    s.to_value()
}
