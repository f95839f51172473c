//! Request format v1 is a contract: every request the first 0.1.0 accepted stays accepted. The
//! corpus (tests/v1-corpus/requests, made by tests/v1-corpus/generate.py with that first build)
//! holds the shipped examples and their variants over every provider, layer stack and option,
//! every spelling of "unset" (`""`, `-`, `none`) and names of every kind. Each must parse,
//! validate, plan (a plan with or without a chosen strategy), and be valid by the JSON Schema.

use volclone_core::schema::{Document, schema};
use volclone_core::{CloneRequest, planner};

fn corpus() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/v1-corpus/requests");
    let mut all: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    all.sort();
    all
}

#[test]
fn every_request_the_first_release_accepted_is_accepted() {
    let all = corpus();
    assert!(all.len() >= 400, "the corpus is there: {} requests", all.len());
    let mut refused = Vec::new();
    for (name, text) in &all {
        match planner::plan_json(text) {
            Ok(plan) => {
                // A request no command may be given names is planned with every strategy rejected.
                if plan.chosen.is_none() {
                    assert!(!plan.rejected.is_empty(), "{name}: no strategy and no reason");
                }
            }
            Err(e) => refused.push(format!("{name}: {e}")),
        }
    }
    assert!(refused.is_empty(), "{} v1 requests refused:\n{}", refused.len(), refused.join("\n"));
}

#[test]
fn the_unset_spellings_read_as_absent() {
    for (name, text) in corpus() {
        let req = CloneRequest::from_json(&text).unwrap();
        for (side, v) in [("source", &req.source), ("target", &req.target)] {
            if let Some(z) = &v.zfs {
                for (field, value) in [("encryption_root", &z.encryption_root), ("key_location", &z.key_location)] {
                    assert!(!matches!(value.as_deref(), Some("" | "-")), "{name}: {side}.zfs.{field} kept an unset spelling");
                }
                assert_ne!(z.key_location.as_deref(), Some("none"), "{name}: keylocation none is not a location");
            }
            assert!(!matches!(v.device_path.as_deref(), Some("" | "-")), "{name}: {side}.device_path");
        }
        assert!(!matches!(req.options.zfs_version.as_deref(), Some("" | "-")), "{name}: options.zfs_version");
    }
}

#[test]
fn the_schema_takes_every_v1_request() {
    let v = jsonschema::validator_for(&schema(Document::Request)).unwrap();
    for (name, text) in corpus() {
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}
