//! Loading policies and data from paths the way `opa eval -d` does.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value as JsonValue};

use super::document::parse_document;
use crate::engine::PolicySource;

/// Policies and the merged data document read from `-d` paths.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadedFiles {
    pub policies: Vec<PolicySource>,
    /// The base document built from every data file; an empty object when
    /// no data file was given.
    pub data: JsonValue,
}

/// The folder that contains a workspace's named inputs.
pub const INPUTS_FOLDER: &str = "inputs";

/// Returns true when a file name marks an input document (`input.json`,
/// `deny.input.yaml`) rather than data.
pub fn is_input_file(name: &str) -> bool {
    let stem = ["json", "yaml", "yml"]
        .iter()
        .find_map(|extension| name.strip_suffix(extension)?.strip_suffix('.'));
    stem.is_some_and(|stem| stem == "input" || stem.ends_with(".input"))
}

/// Loads `.rego` files as policies and `.json`, `.yaml` and `.yml` files as
/// data. A data file given directly is merged at the root of `data`. A data
/// file found inside a folder is placed under the path of its folder
/// relative to that folder, as `opa eval -d` places it. Inside folders,
/// input documents (see [`is_input_file`] and [`INPUTS_FOLDER`]) are left
/// out, because they are inputs of this workspace, not data.
pub fn load_paths(paths: &[PathBuf]) -> Result<LoadedFiles> {
    let mut loaded = LoadedFiles {
        policies: Vec::new(),
        data: JsonValue::Object(Map::new()),
    };
    for path in paths {
        let metadata =
            fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            load_folder(path, path, &mut loaded)?;
        } else {
            load_file(path, &[], &mut loaded)?;
        }
    }
    Ok(loaded)
}

/// Returns true for a drill pack or drill folder inside a folder being
/// loaded. Such folders are skipped, because a drill's starting policy and
/// solution define the same package and the starting policy is broken on
/// purpose. A drill folder given directly is still loaded.
fn is_drill_folder(folder: &Path) -> bool {
    [crate::drills::PACK_MANIFEST, crate::drills::DRILL_MANIFEST]
        .iter()
        .any(|manifest| folder.join(manifest).is_file())
}

fn load_folder(root: &Path, folder: &Path, loaded: &mut LoadedFiles) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(folder)
        .with_context(|| format!("cannot list {}", folder.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot list {}", folder.display()))?;
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if entry.is_dir() {
            if name != INPUTS_FOLDER && !is_drill_folder(&entry) {
                load_folder(root, &entry, loaded)?;
            }
            continue;
        }
        if is_input_file(name) {
            continue;
        }
        let prefix: Vec<String> = folder
            .strip_prefix(root)
            .unwrap_or(Path::new(""))
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        load_file(&entry, &prefix, loaded)?;
    }
    Ok(())
}

fn load_file(path: &Path, prefix: &[String], loaded: &mut LoadedFiles) -> Result<()> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    match extension {
        "rego" => {
            let text = read_text(path)?;
            loaded
                .policies
                .push(PolicySource::new(path.display().to_string(), text));
        }
        "json" | "yaml" | "yml" => {
            let text = read_text(path)?;
            let parsed =
                parse_document(&text).with_context(|| format!("cannot load {}", path.display()))?;
            let value = parsed.value.unwrap_or(JsonValue::Object(Map::new()));
            let value = nest_under(prefix, value);
            merge_data(&mut loaded.data, value, &mut Vec::new())
                .with_context(|| format!("cannot merge {} into data", path.display()))?;
        }
        _ => {}
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn nest_under(prefix: &[String], value: JsonValue) -> JsonValue {
    prefix.iter().rev().fold(value, |inner, key| {
        let mut object = Map::new();
        object.insert(key.clone(), inner);
        JsonValue::Object(object)
    })
}

/// Merges `value` into `target`; objects merge key by key, and any other
/// value may not replace an existing one.
pub fn merge_data(target: &mut JsonValue, value: JsonValue, path: &mut Vec<String>) -> Result<()> {
    match (target, value) {
        (JsonValue::Object(target), JsonValue::Object(source)) => {
            for (key, value) in source {
                path.push(key.clone());
                match target.get_mut(&key) {
                    Some(existing) => merge_data(existing, value, path)?,
                    None => {
                        target.insert(key, value);
                    }
                }
                path.pop();
            }
            Ok(())
        }
        (_, _) if path.is_empty() => bail!("the data document must be an object at the top level"),
        (_, _) => bail!("data.{} is defined twice", path.join(".")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn folder_data_nested_by_path() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("teams/web")).unwrap();
        fs::write(
            dir.path().join("teams/web/data.json"),
            r#"{"owner": "ann"}"#,
        )
        .unwrap();
        fs::write(dir.path().join("roles.yaml"), "admin: [read, write]\n").unwrap();
        fs::write(dir.path().join("p.rego"), "package p\n").unwrap();
        let loaded = load_paths(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(loaded.policies.len(), 1);
        assert_eq!(
            loaded.data,
            json!({"teams": {"web": {"owner": "ann"}}, "admin": ["read", "write"]})
        );
    }

    #[test]
    fn inputs_not_loaded_as_data() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("inputs")).unwrap();
        fs::write(dir.path().join("inputs/a.json"), "[1]").unwrap();
        fs::write(dir.path().join("inputs/b.json"), "[2]").unwrap();
        fs::write(dir.path().join("input.json"), "{\"x\": 1}").unwrap();
        fs::write(dir.path().join("deny.input.yaml"), "x: 1\n").unwrap();
        fs::write(dir.path().join("data.json"), "{\"y\": 2}").unwrap();
        let loaded = load_paths(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(loaded.data, json!({"y": 2}));
    }

    #[test]
    fn input_file_names() {
        assert!(is_input_file("input.json"));
        assert!(is_input_file("privileged.input.yaml"));
        assert!(!is_input_file("inputs.json"));
        assert!(!is_input_file("data.json"));
    }

    #[test]
    fn conflicting_data_rejected() {
        let mut data = json!({"a": {"b": 1}});
        let error = merge_data(&mut data, json!({"a": {"b": 2}}), &mut Vec::new()).unwrap_err();
        assert!(error.to_string().contains("data.a.b"), "{error}");
    }

    #[test]
    fn missing_path_named() {
        let error = load_paths(&[PathBuf::from("/nonexistent/p.rego")]).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/p.rego"), "{error}");
    }
}
