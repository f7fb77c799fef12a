//! The documents of a session: policy files, input and data, and loading
//! them from sample folders or paths. No egui here.

pub mod document;
pub mod loader;
pub mod samples;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::engine::{EvalOptions, PolicySource, package_query};

/// A named input document, kept as the text the user edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedInput {
    pub name: String,
    pub text: String,
}

/// Everything one evaluation needs, as text the user can edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// Shown in the title bar: a sample's title or a folder name.
    pub title: String,
    pub policies: Vec<PolicySource>,
    /// Inputs found next to the policies; the user picks one to edit.
    pub inputs: Vec<NamedInput>,
    pub data: String,
    pub query: String,
    pub options: EvalOptions,
}

impl Workspace {
    /// Returns a small starter workspace, used when no sample could be loaded.
    pub fn scratch() -> Self {
        let text = "package play\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.user.role == \"admin\"\n";
        Workspace {
            title: "Scratch".to_string(),
            policies: vec![PolicySource::new("policy.rego", text)],
            inputs: vec![NamedInput {
                name: "input.json".to_string(),
                text: "{\n  \"user\": {\"name\": \"ann\", \"role\": \"admin\"}\n}\n".to_string(),
            }],
            data: "{}\n".to_string(),
            query: "data.play".to_string(),
            options: EvalOptions::default(),
        }
    }

    /// Loads a sample folder: every `.rego` file (main policies before
    /// `_test.rego` files), `data.json` or `data.yaml`, and inputs from
    /// `input.json`, `input.yaml` and the `inputs/` folder.
    pub fn load_folder(folder: &Path, title: &str) -> Result<Self> {
        let mut policies = Vec::new();
        for path in sorted_files(folder)? {
            if path.extension().is_some_and(|e| e == "rego") {
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                policies.push(PolicySource::new(file_name(&path), text));
            }
        }
        policies.sort_by_key(|p| (p.path.ends_with("_test.rego"), p.path.clone()));
        anyhow::ensure!(
            !policies.is_empty(),
            "{} holds no .rego file",
            folder.display()
        );

        let data = ["data.json", "data.yaml", "data.yml"]
            .iter()
            .map(|name| folder.join(name))
            .find(|path| path.is_file())
            .map(|path| {
                fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
            })
            .transpose()?
            .unwrap_or_else(|| "{}\n".to_string());

        let inputs = load_inputs(folder)?;
        let query = package_query(&policies[0].text).unwrap_or_else(|| "data".to_string());
        Ok(Workspace {
            title: title.to_string(),
            policies,
            inputs,
            data,
            query,
            options: EvalOptions::default(),
        })
    }
}

fn load_inputs(folder: &Path) -> Result<Vec<NamedInput>> {
    let mut candidates: Vec<PathBuf> = ["input.json", "input.yaml", "input.yml"]
        .iter()
        .map(|name| folder.join(name))
        .filter(|path| path.is_file())
        .collect();
    let inputs_folder = folder.join("inputs");
    if inputs_folder.is_dir() {
        candidates.extend(sorted_files(&inputs_folder)?.into_iter().filter(|path| {
            path.extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
        }));
    }
    candidates
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Ok(NamedInput {
                name: file_name(&path),
                text,
            })
        })
        .collect()
}

fn sorted_files(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .with_context(|| format!("cannot list {}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
