//! Documents that live in files: where each came from, what it was when
//! last read or written, and what happened to it on disk since. Opening
//! folders and files, and saving with atomic writes.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Map, Value as JsonValue};

use super::document::parse_document;
use super::loader::{INPUTS_FOLDER, is_input_file, merge_data};
use super::{NamedInput, Workspace};
use crate::engine::{EvalOptions, PolicySource, package_query};

/// The state of a document's file since the app last read or wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DiskState {
    /// The file has the text the app last read or wrote.
    #[default]
    InSync,
    /// The file changed on disk while the document had unsaved edits; the
    /// new text on disk is kept until the user chooses.
    Changed(String),
    /// The file was deleted or moved away.
    Deleted,
}

/// The file a document came from, and its state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// The file, or `None` for a document that exists only in the app.
    pub path: Option<PathBuf>,
    /// The text as last read from or written to the file.
    pub saved: Option<String>,
    pub disk: DiskState,
}

impl Origin {
    /// Makes the origin of text just read from `path`.
    pub fn file(path: &Path, text: &str) -> Self {
        Origin {
            path: Some(path.to_path_buf()),
            saved: Some(text.to_string()),
            disk: DiskState::InSync,
        }
    }

    /// True when `text` differs from what the file holds, or when there is
    /// no file yet and the text is not empty.
    pub fn is_dirty(&self, text: &str) -> bool {
        match &self.saved {
            Some(saved) => saved != text,
            None => self.path.is_some() || !text.is_empty(),
        }
    }
}

/// A data file and where `opa eval -d` places it under `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSource {
    pub path: PathBuf,
    /// Keys under `data`, from the file's folder relative to the opened one.
    pub mount: Vec<String>,
}

/// A file that could not be opened, with the reason in plain words.
pub type Skipped = String;

/// Opens folders and files the way `opa eval -d` reads them. Every `.rego`
/// file is a policy. `input.json`, `input.yaml`, files named
/// `*.input.json` or `*.input.yaml` and files under an `inputs/` folder are
/// inputs. Other JSON and YAML files are data, placed under the path of
/// their folder. Files that cannot be read are skipped and listed.
pub fn open_paths(paths: &[PathBuf]) -> Result<(Workspace, Vec<Skipped>)> {
    anyhow::ensure!(!paths.is_empty(), "nothing to open");
    let mut found = Found::default();
    for path in paths {
        let metadata =
            fs::metadata(path).with_context(|| format!("cannot open {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, path, false, &mut found)?;
        } else {
            let parent = path.parent().unwrap_or(Path::new("."));
            classify(parent, path, false, &mut found);
        }
    }
    anyhow::ensure!(
        !found.policies.is_empty(),
        "{} holds no .rego file",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Policies at the top of the folder first, tests last, so the first tab
    // and the default query are the main policy's.
    found.policies.sort_by_key(|(name, _, _)| {
        (
            name.ends_with("_test.rego"),
            name.matches(std::path::MAIN_SEPARATOR).count(),
            name.clone(),
        )
    });
    found.inputs.sort_by_key(|(name, _, _)| name.clone());

    let root = match paths {
        [single] if single.is_dir() => Some(single.clone()),
        _ => paths[0].parent().map(Path::to_path_buf),
    };
    let title = root.as_deref().and_then(Path::file_name).map_or_else(
        || "Workspace".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );

    let (data, data_origin, data_sources) = build_data(&found.data, &mut found.skipped);
    let query = package_query(&found.policies[0].2).unwrap_or_else(|| "data".to_string());
    let workspace = Workspace {
        title,
        policy_origins: found
            .policies
            .iter()
            .map(|(_, path, text)| Origin::file(path, text))
            .collect(),
        policies: found
            .policies
            .into_iter()
            .map(|(name, _, text)| PolicySource::new(name, text))
            .collect(),
        input_origins: found
            .inputs
            .iter()
            .map(|(_, path, text)| Origin::file(path, text))
            .collect(),
        inputs: found
            .inputs
            .into_iter()
            .map(|(name, _, text)| NamedInput { name, text })
            .collect(),
        data,
        data_origin,
        data_sources,
        query,
        options: EvalOptions::default(),
        root,
        expected: Default::default(),
    };
    Ok((workspace, found.skipped))
}

#[derive(Default)]
struct Found {
    /// Name shown (path relative to the opened folder), path, text.
    policies: Vec<(String, PathBuf, String)>,
    inputs: Vec<(String, PathBuf, String)>,
    data: Vec<(DataSource, String)>,
    skipped: Vec<Skipped>,
}

fn walk(root: &Path, folder: &Path, in_inputs: bool, found: &mut Found) -> Result<()> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if folder != root => {
            found.skipped.push(format!(
                "{}: cannot list the folder ({error})",
                folder.display()
            ));
            return Ok(());
        }
        Err(error) => {
            return Err(error).with_context(|| format!("cannot list {}", folder.display()));
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, in_inputs || name == INPUTS_FOLDER, found)?;
        } else {
            classify(root, &path, in_inputs, found);
        }
    }
    Ok(())
}

/// Reads one file and files it as a policy, input or data document.
fn classify(root: &Path, path: &Path, in_inputs: bool, found: &mut Found) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let is_document = matches!(extension, "json" | "yaml" | "yml");
    if extension != "rego" && !is_document {
        return;
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let shown = relative.display().to_string();
    let text = match read_document(path) {
        Ok(text) => text,
        Err(reason) => {
            found.skipped.push(format!("{shown}: {reason}"));
            return;
        }
    };
    if extension == "rego" {
        found.policies.push((shown, path.to_path_buf(), text));
    } else if in_inputs || is_input_file(name) {
        // Inputs under the top `inputs/` folder are named by their file.
        let shown = relative
            .strip_prefix(INPUTS_FOLDER)
            .map_or(shown, |rest| rest.display().to_string());
        found.inputs.push((shown, path.to_path_buf(), text));
    } else {
        let mount = relative
            .parent()
            .map(|parent| {
                parent
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        found.data.push((
            DataSource {
                path: path.to_path_buf(),
                mount,
            },
            text,
        ));
    }
}

/// Reads a text file, saying in plain words why it cannot be used.
pub fn read_document(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".to_string(),
        std::io::ErrorKind::NotFound => "no longer exists".to_string(),
        _ => format!("cannot be read ({error})"),
    })?;
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "is not UTF-8 text (invalid byte at offset {}), so it was not opened",
            error.utf8_error().valid_up_to()
        )
    })
}

/// The data pane's document: the one data file when there is a single one
/// at the top of the folder, editable and saved back to it; otherwise the
/// merged document, read-only, built as `opa eval -d` builds it.
fn build_data(
    files: &[(DataSource, String)],
    skipped: &mut Vec<Skipped>,
) -> (String, Origin, Vec<DataSource>) {
    let sources: Vec<DataSource> = files.iter().map(|(source, _)| source.clone()).collect();
    match files {
        [] => ("{}\n".to_string(), Origin::default(), sources),
        [(source, text)] if source.mount.is_empty() => {
            (text.clone(), Origin::file(&source.path, text), sources)
        }
        _ => (merged_data(files, skipped), Origin::default(), sources),
    }
}

/// Merges data files into one pretty-printed JSON document. A file that
/// does not parse or clashes with another is left out and listed.
pub fn merged_data(files: &[(DataSource, String)], skipped: &mut Vec<Skipped>) -> String {
    let mut merged = JsonValue::Object(Map::new());
    for (source, text) in files {
        let parsed = match parse_document(text) {
            Ok(parsed) => parsed.value.unwrap_or(JsonValue::Object(Map::new())),
            Err(error) => {
                skipped.push(format!("{}: {error}", source.path.display()));
                continue;
            }
        };
        let nested = source.mount.iter().rev().fold(parsed, |inner, key| {
            let mut object = Map::new();
            object.insert(key.clone(), inner);
            JsonValue::Object(object)
        });
        let mut candidate = merged.clone();
        match merge_data(&mut candidate, nested, &mut Vec::new()) {
            Ok(()) => merged = candidate,
            Err(error) => skipped.push(format!("{}: {error:#}", source.path.display())),
        }
    }
    let mut text = serde_json::to_string_pretty(&merged).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// Writes `text` to `path` so that a crash never leaves a half-written file:
/// the text goes to a temporary file in the same folder, is flushed to
/// disk, and then replaces the file in one rename.
pub fn save_atomic(path: &Path, text: &str) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "document".into(), |n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{name}.{}.saving", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(metadata) = fs::metadata(path) {
            fs::set_permissions(&temporary, metadata.permissions())?;
        }
        fs::rename(&temporary, path)
    })();
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot save {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn write(root: &Path, name: &str, text: &[u8]) -> PathBuf {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn folder_opens_as_opa_eval_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "policy.rego", b"package app\n");
        write(root, "lib/util.rego", b"package lib\n");
        write(root, "policy_test.rego", b"package app\n");
        write(root, "teams/web/data.json", br#"{"owner": "ann"}"#);
        write(root, "roles.yaml", b"admin: [read]\n");
        write(root, "input.json", br#"{"a": 1}"#);
        write(root, "deny.input.yaml", b"a: 2\n");
        write(root, "inputs/third.json", br#"{"a": 3}"#);
        write(root, "README.md", b"# not a document\n");
        let (workspace, skipped) = open_paths(&[root.to_path_buf()]).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let names: Vec<&str> = workspace.policies.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(names, ["policy.rego", "lib/util.rego", "policy_test.rego"]);
        let inputs: Vec<&str> = workspace.inputs.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(inputs, ["deny.input.yaml", "input.json", "third.json"]);
        assert!(workspace.data_is_merged());
        let data: JsonValue = serde_json::from_str(&workspace.data).unwrap();
        assert_eq!(
            data,
            json!({"admin": ["read"], "teams": {"web": {"owner": "ann"}}})
        );
        assert_eq!(workspace.query, "data.app");
        assert_eq!(
            workspace.policy_origins[0].path,
            Some(root.join("policy.rego"))
        );
        assert!(!workspace.has_unsaved_edits());
    }

    #[test]
    fn single_data_file_is_editable() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "p.rego", b"package p\n");
        let data = write(dir.path(), "data.yaml", b"limit: 3\n");
        let (workspace, _) = open_paths(&[dir.path().to_path_buf()]).unwrap();
        assert!(!workspace.data_is_merged());
        assert_eq!(workspace.data, "limit: 3\n");
        assert_eq!(workspace.data_origin.path, Some(data));
    }

    #[test]
    fn unreadable_files_skipped_with_reason() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "p.rego", b"package p\n");
        write(dir.path(), "latin1.rego", b"package q\n# caf\xe9\n");
        let locked = write(dir.path(), "locked.json", b"{}");
        let mut permissions = fs::metadata(&locked).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o000);
        fs::set_permissions(&locked, permissions).unwrap();
        let (workspace, skipped) = open_paths(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(workspace.policies.len(), 1);
        assert!(
            skipped
                .iter()
                .any(|s| s.contains("latin1.rego") && s.contains("not UTF-8")),
            "{skipped:?}"
        );
        // Root can read any file; everyone else gets the permission error.
        let readable = fs::read(&locked).is_ok();
        assert_eq!(
            skipped
                .iter()
                .any(|s| s.contains("locked.json") && s.contains("permission denied")),
            !readable,
            "{skipped:?}"
        );
    }

    #[test]
    fn input_of_50_mb_opens() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "p.rego", b"package p\n");
        let mut big = String::from("{\"items\": [");
        while big.len() < 50_000_000 {
            big.push_str("{\"name\": \"item\", \"size\": 12345, \"tags\": [\"a\", \"b\"]},");
        }
        big.push_str("{}]}");
        write(dir.path(), "inputs/big.json", big.as_bytes());
        let (workspace, _) = open_paths(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(workspace.inputs[0].text.len(), big.len());
    }

    #[test]
    fn folder_without_rego_rejected() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "data.json", b"{}");
        let error = open_paths(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(error.to_string().contains("holds no .rego file"), "{error}");
    }

    #[test]
    fn saving_replaces_the_file_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.rego", b"package old\n");
        save_atomic(&path, "package new\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "package new\n");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["p.rego"]);
        // A file that cannot be written is reported and left as it was.
        let missing = dir.path().join("no/such/folder/p.rego");
        let error = save_atomic(&missing, "x").unwrap_err();
        assert!(format!("{error:#}").contains("cannot save"), "{error:#}");
    }
}
