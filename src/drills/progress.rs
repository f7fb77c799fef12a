//! A learner's progress through drills, kept as JSON in the platform's
//! data directory and written atomically (a temporary file, then a rename),
//! so a crash mid-write never leaves a half-written file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::check::{Actual, values_equal};

/// Environment variable that overrides the data directory, for tests and
/// portable installs.
pub const DATA_DIR_ENV: &str = "POLICY_WORKSHOP_DATA_DIR";

/// File name of the progress file inside the data directory.
pub const PROGRESS_FILE: &str = "progress.json";

/// A learner's status on one drill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    NotStarted,
    InProgress,
    Solved,
}

impl Status {
    /// Returns the status in words, as the drill list shows it.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "not started",
            Status::InProgress => "in progress",
            Status::Solved => "solved",
        }
    }
}

/// A learner's prediction of a scenario's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Predicted {
    True,
    False,
    Undefined,
    /// A value typed by the learner, read as JSON when it parses and as a
    /// string otherwise.
    Value(String),
}

impl Predicted {
    /// Returns true when the prediction is what the scenario produced.
    pub fn matches(&self, actual: &Actual) -> bool {
        match (self, actual) {
            (Predicted::True, Actual::Value(value)) => value == &serde_json::Value::Bool(true),
            (Predicted::False, Actual::Value(value)) => value == &serde_json::Value::Bool(false),
            (Predicted::Undefined, Actual::Undefined) => true,
            (Predicted::Value(text), Actual::Value(value)) => {
                let typed = serde_json::from_str(text.trim())
                    .unwrap_or_else(|_| serde_json::Value::String(text.trim().to_string()));
                values_equal(&typed, value)
            }
            _ => false,
        }
    }

    /// Describes the prediction in a word or a value.
    pub fn describe(&self) -> String {
        match self {
            Predicted::True => "true".to_string(),
            Predicted::False => "false".to_string(),
            Predicted::Undefined => "undefined".to_string(),
            Predicted::Value(text) => text.trim().to_string(),
        }
    }
}

/// A prediction and, once the scenario was evaluated, whether it was right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    pub scenario: String,
    pub predicted: Predicted,
    /// `None` until the first evaluation after the prediction.
    pub correct: Option<bool>,
    /// The scenario's actual decision, in words.
    pub actual: Option<String>,
}

/// Progress on one drill.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DrillProgress {
    pub status: Status,
    /// How many hints the learner has unlocked.
    pub hints_used: usize,
    /// The learner's policy as last edited; `None` before any edit.
    pub last_policy: Option<String>,
    pub prediction: Option<Prediction>,
    /// True once the learner gave up and looked at the solution.
    pub gave_up: bool,
}

/// Progress on every drill, keyed by [`progress_key`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    pub drills: BTreeMap<String, DrillProgress>,
}

/// Returns the key of a drill in [`Progress`]: the pack's folder name and
/// the drill's id, so two packs may use the same drill id.
pub fn progress_key(pack_id: &str, drill_id: &str) -> String {
    format!("{pack_id}/{drill_id}")
}

/// A progress file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid progress file: {source}")]
    Invalid {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The progress file of one data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressStore {
    path: PathBuf,
}

impl ProgressStore {
    /// Returns the store in `dir`.
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        ProgressStore {
            path: dir.as_ref().join(PROGRESS_FILE),
        }
    }

    /// Returns the store in [`DATA_DIR_ENV`] when it is set. Otherwise it
    /// is in the platform's data directory, such as
    /// `~/.local/share/policy-workshop` on Linux, or `None` on a platform
    /// without one.
    pub fn default_location() -> Option<Self> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
            return Some(Self::in_dir(PathBuf::from(dir)));
        }
        dirs::data_dir().map(|dir| Self::in_dir(dir.join("policy-workshop")))
    }

    /// Returns the path of the progress file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the progress; a missing file is empty progress.
    pub fn load(&self) -> Result<Progress, ProgressError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Progress::default());
            }
            Err(source) => {
                return Err(ProgressError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|source| ProgressError::Invalid {
            path: self.path.clone(),
            source,
        })
    }

    /// Writes the progress to a temporary file beside the progress file,
    /// then renames it over the old one.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let write_error = |source| ProgressError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(write_error)?;
        let text = serde_json::to_string_pretty(progress).map_err(|error| {
            write_error(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
        })?;
        let temporary = dir.join(format!(".{PROGRESS_FILE}.{}.tmp", std::process::id()));
        let written = fs::File::create(&temporary).and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        });
        if let Err(source) = written.and_then(|()| fs::rename(&temporary, &self.path)) {
            let _ = fs::remove_file(&temporary);
            return Err(write_error(source));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn progress_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path().join("nested"));
        let mut progress = Progress::default();
        progress.drills.insert(
            progress_key("pack", "drill"),
            DrillProgress {
                status: Status::InProgress,
                hints_used: 2,
                last_policy: Some("package p\n".to_string()),
                prediction: Some(Prediction {
                    scenario: "guest".to_string(),
                    predicted: Predicted::Undefined,
                    correct: Some(true),
                    actual: Some("undefined".to_string()),
                }),
                gave_up: false,
            },
        );
        store.save(&progress).unwrap();
        assert_eq!(store.load().unwrap(), progress);
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("nested"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, [PROGRESS_FILE]);
    }

    #[test]
    fn missing_file_is_empty_progress() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        assert_eq!(store.load().unwrap(), Progress::default());
    }

    #[test]
    fn corrupt_file_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::in_dir(dir.path());
        fs::write(store.path(), "{not json").unwrap();
        let error = store.load().unwrap_err().to_string();
        assert!(error.contains(PROGRESS_FILE), "{error}");
    }

    #[test]
    fn predicted_value_parses_as_json() {
        let actual = Actual::Value(json!(["a"]));
        assert!(Predicted::Value("[\"a\"]".to_string()).matches(&actual));
        assert!(!Predicted::Undefined.matches(&actual));
        assert!(Predicted::Value("ann".to_string()).matches(&Actual::Value(json!("ann"))));
        assert!(!Predicted::False.matches(&Actual::Undefined));
    }
}
