//! The documents of a session: policy files, input and data, and loading
//! them from sample folders or paths. No egui here.

pub mod document;
pub mod files;
pub mod loader;
pub mod samples;
pub mod session;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::engine::{EvalOptions, PolicySource};
pub use files::{DataSource, DiskState, Origin};

/// Expected results by query, then by input name.
pub type Expectations =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>;

/// A named input document, kept as the text the user edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedInput {
    pub name: String,
    pub text: String,
}

/// Everything one evaluation needs, as text the user can edit, and the
/// files the text came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workspace {
    /// Shown in the title bar: a sample's title or a folder name.
    pub title: String,
    pub policies: Vec<PolicySource>,
    /// Inputs found next to the policies; the user picks one to edit.
    pub inputs: Vec<NamedInput>,
    pub data: String,
    pub query: String,
    pub options: EvalOptions,
    /// The folder opened, when there is one.
    pub root: Option<PathBuf>,
    /// The origin of each policy, in the order of `policies`.
    pub policy_origins: Vec<Origin>,
    /// The origin of each input, in the order of `inputs`.
    pub input_origins: Vec<Origin>,
    /// The origin of the data pane's text. It has no file when the data
    /// is merged from several files, which makes the pane read-only.
    pub data_origin: Origin,
    /// Every data file of the workspace.
    pub data_sources: Vec<DataSource>,
    /// Expected results by query, then by input name, as JSON text or
    /// `undefined`.
    pub expected: Expectations,
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
            ..Workspace::default()
        }
        .with_origins()
    }

    /// Gives every document an origin, so the origin lists match the
    /// documents. Documents without one exist only in the app, and count
    /// as unsaved once edited.
    pub fn with_origins(mut self) -> Self {
        let fresh = |text: &str| Origin {
            saved: Some(text.to_string()),
            ..Origin::default()
        };
        for index in self.policy_origins.len()..self.policies.len() {
            let origin = fresh(&self.policies[index].text);
            self.policy_origins.push(origin);
        }
        for index in self.input_origins.len()..self.inputs.len() {
            let origin = fresh(&self.inputs[index].text);
            self.input_origins.push(origin);
        }
        self.policy_origins.truncate(self.policies.len());
        self.input_origins.truncate(self.inputs.len());
        self
    }

    /// True when the merged data document is shown, which cannot be saved
    /// back to one file.
    pub fn data_is_merged(&self) -> bool {
        self.data_origin.path.is_none() && !self.data_sources.is_empty()
    }

    /// True when any document differs from its file.
    pub fn has_unsaved_edits(&self) -> bool {
        self.policies
            .iter()
            .zip(&self.policy_origins)
            .any(|(p, o)| o.is_dirty(&p.text))
            || self
                .inputs
                .iter()
                .zip(&self.input_origins)
                .any(|(i, o)| o.is_dirty(&i.text))
            || (self.data_origin.path.is_some() && self.data_origin.is_dirty(&self.data))
    }

    /// Loads a sample folder as [`files::open_paths`] opens any folder, with
    /// the sample's title.
    pub fn load_folder(folder: &Path, title: &str) -> Result<Self> {
        let (mut workspace, skipped) = files::open_paths(&[folder.to_path_buf()])?;
        for reason in skipped {
            log::warn!("not opened: {reason}");
        }
        workspace.title = title.to_string();
        Ok(workspace)
    }
}
