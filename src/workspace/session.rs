//! A whole session as one JSON file: exported by the user, and written
//! every few seconds as a recovery file while edits are unsaved. Settings
//! such as recent workspaces. All of it lives in the platform's data
//! directory, never next to the user's policies, except an export the user
//! places.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::files::{Origin, read_document, save_atomic};
use super::{NamedInput, Workspace};
use crate::engine::{EvalOptions, PolicySource};

/// Environment variable that moves the data directory, for tests and
/// portable installs.
pub const DATA_DIR_VARIABLE: &str = "POLICY_WORKSHOP_DATA_DIR";

/// Recent workspaces kept in the File menu.
const RECENT_LIMIT: usize = 8;

/// Returns the platform's data directory for this app: `$XDG_DATA_HOME` or
/// `~/.local/share` on Linux, `~/Library/Application Support` on macOS and
/// `%APPDATA%` on Windows, each with `policy-workshop` appended.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_VARIABLE) {
        return Some(PathBuf::from(dir));
    }
    dirs::data_dir().map(|dir| dir.join("policy-workshop"))
}

/// One document of a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDocument {
    pub name: String,
    /// The file it belongs to, if any.
    pub path: Option<PathBuf>,
    pub text: String,
}

/// Everything needed to restore a session: documents, query and options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Format version, so a later app can read older files.
    pub version: u32,
    /// Seconds since 1970 when the session was written.
    pub saved_at: u64,
    pub title: String,
    pub root: Option<PathBuf>,
    pub policies: Vec<SessionDocument>,
    pub inputs: Vec<SessionDocument>,
    pub data: SessionDocument,
    pub query: String,
    pub options: EvalOptions,
    #[serde(default)]
    pub active_input: usize,
    /// Expected results of the scenarios, by input name.
    #[serde(default)]
    pub expected: super::Expectations,
}

impl Session {
    /// Captures the workspace's documents as they are in the app.
    pub fn capture(workspace: &Workspace, active_input: usize) -> Self {
        let document = |name: &str, origin: Option<&Origin>, text: &str| SessionDocument {
            name: name.to_string(),
            path: origin.and_then(|o| o.path.clone()),
            text: text.to_string(),
        };
        Session {
            version: 1,
            saved_at: now(),
            title: workspace.title.clone(),
            root: workspace.root.clone(),
            policies: workspace
                .policies
                .iter()
                .enumerate()
                .map(|(i, p)| document(&p.path, workspace.policy_origins.get(i), &p.text))
                .collect(),
            inputs: workspace
                .inputs
                .iter()
                .enumerate()
                .map(|(i, input)| {
                    document(&input.name, workspace.input_origins.get(i), &input.text)
                })
                .collect(),
            data: document("data", Some(&workspace.data_origin), &workspace.data),
            query: workspace.query.clone(),
            options: workspace.options.clone(),
            active_input,
            expected: workspace.expected.clone(),
        }
    }

    /// Rebuilds a workspace. Documents with a file compare with what the
    /// file has now, so edits the session carries show as unsaved.
    pub fn restore(&self, base: &Workspace) -> Workspace {
        let origin = |doc: &SessionDocument| match &doc.path {
            Some(path) => Origin {
                path: Some(path.clone()),
                saved: read_document(path).ok(),
                disk: if path.exists() {
                    super::DiskState::InSync
                } else {
                    super::DiskState::Deleted
                },
            },
            None => Origin::default(),
        };
        Workspace {
            title: self.title.clone(),
            policies: self
                .policies
                .iter()
                .map(|d| PolicySource::new(d.name.clone(), d.text.clone()))
                .collect(),
            policy_origins: self.policies.iter().map(origin).collect(),
            inputs: self
                .inputs
                .iter()
                .map(|d| NamedInput {
                    name: d.name.clone(),
                    text: d.text.clone(),
                })
                .collect(),
            input_origins: self.inputs.iter().map(origin).collect(),
            data: self.data.text.clone(),
            data_origin: origin(&self.data),
            data_sources: if self.root == base.root {
                base.data_sources.clone()
            } else {
                Vec::new()
            },
            query: self.query.clone(),
            options: self.options.clone(),
            root: self.root.clone(),
            expected: if self.expected.is_empty() {
                base.expected.clone()
            } else {
                self.expected.clone()
            },
        }
    }

    /// Returns true when the session has the same documents as the workspace.
    pub fn matches(&self, workspace: &Workspace) -> bool {
        let now = Session::capture(workspace, self.active_input);
        self.policies == now.policies && self.inputs == now.inputs && self.data == now.data
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).context("cannot encode the session")?;
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
        }
        save_atomic(path, &text)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text =
            read_document(path).map_err(|reason| anyhow::anyhow!("{} {reason}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a Policy Workshop session", path.display()))
    }

    /// Formats the time it was written, as `HH:MM:SS UTC` with the date when it is
    /// not today.
    pub fn saved_at_text(&self) -> String {
        time_text(self.saved_at)
    }
}

/// Seconds since 1970.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Formats a UTC time as `HH:MM:SS UTC`, with the date `YYYY-MM-DD` in front when
/// it is not today.
pub fn time_text(seconds: u64) -> String {
    let day = seconds / 86_400;
    let clock = seconds % 86_400;
    let time = format!(
        "{:02}:{:02}:{:02} UTC",
        clock / 3600,
        clock / 60 % 60,
        clock % 60
    );
    if day == now() / 86_400 {
        return time;
    }
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = day as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {time}")
}

/// Returns the recovery file of a workspace: one per opened folder, or per title
/// for a workspace without one.
pub fn recovery_path(data_dir: &Path, workspace: &Workspace) -> PathBuf {
    let key = match &workspace.root {
        Some(root) => root.display().to_string(),
        None => format!("untitled {}", workspace.title),
    };
    // FNV-1a: a stable short name for any path.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    data_dir.join("recovery").join(format!("{hash:016x}.json"))
}

/// Returns the file that keeps the expected results of a workspace's scenarios.
pub fn expectations_path(data_dir: &Path, workspace: &Workspace) -> PathBuf {
    let recovery = recovery_path(data_dir, workspace);
    data_dir
        .join("expected")
        .join(recovery.file_name().unwrap_or_default())
}

/// Settings kept between runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Folders and files opened, newest first.
    #[serde(default)]
    pub recent: Vec<Vec<PathBuf>>,
}

impl Settings {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("settings.json")
    }

    /// Reads the settings; missing or unreadable settings are the defaults.
    pub fn load(data_dir: &Path) -> Self {
        read_document(&Self::path(data_dir))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, data_dir: &Path) -> Result<()> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let text = serde_json::to_string_pretty(self).context("cannot encode the settings")?;
        save_atomic(&Self::path(data_dir), &text)
    }

    /// Puts `paths` first in the recent list.
    pub fn remember(&mut self, paths: &[PathBuf]) {
        self.recent.retain(|entry| entry != paths);
        self.recent.insert(0, paths.to_vec());
        self.recent.truncate(RECENT_LIMIT);
    }

    /// Returns the workspace opened last, when it still exists.
    pub fn last(&self) -> Option<&Vec<PathBuf>> {
        self.recent
            .first()
            .filter(|paths| paths.iter().all(|p| p.exists()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_round_trip_keeps_documents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.rego");
        fs::write(&file, "package p\n").unwrap();
        let (mut workspace, _) =
            super::super::files::open_paths(&[dir.path().to_path_buf()]).unwrap();
        workspace.policies[0].text.push_str("allow := true\n");
        let session = Session::capture(&workspace, 0);
        let path = dir.path().join("session.json");
        session.write(&path).unwrap();
        let read = Session::read(&path).unwrap();
        assert_eq!(read, session);
        let restored = read.restore(&workspace);
        assert_eq!(restored.policies, workspace.policies);
        // The file still has the old text, so the edit is unsaved.
        assert!(restored.has_unsaved_edits());
    }

    #[test]
    fn recent_list_keeps_newest_first_without_repeats() {
        let mut settings = Settings::default();
        let a = vec![PathBuf::from("/a")];
        let b = vec![PathBuf::from("/b")];
        settings.remember(&a);
        settings.remember(&b);
        settings.remember(&a);
        assert_eq!(settings.recent, vec![a, b]);
    }

    #[test]
    fn times_read_as_utc() {
        assert_eq!(time_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time_text(1_000_000_000), "2001-09-09 01:46:40 UTC");
    }
}
