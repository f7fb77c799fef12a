//! Finding the sample policies that ship with the app.

use std::fs;
use std::path::{Path, PathBuf};

/// A sample folder and the title from the first heading of its README.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The folder name, such as `kubernetes-admission`.
    pub id: String,
    pub title: String,
    pub folder: PathBuf,
}

/// The sample the window opens with.
pub const DEFAULT_SAMPLE: &str = "kubernetes-admission";

/// Locates `sample-policies/`: the `POLICY_WORKSHOP_SAMPLES` variable, the
/// current folder, the folder of the executable and its parents (for
/// `target/debug`), then the source tree the binary was built from.
pub fn samples_folder() -> Option<PathBuf> {
    if let Some(folder) = std::env::var_os("POLICY_WORKSHOP_SAMPLES") {
        return Some(PathBuf::from(folder));
    }
    let mut candidates = vec![PathBuf::from("sample-policies")];
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(
            exe.ancestors()
                .skip(1)
                .take(4)
                .map(|dir| dir.join("sample-policies")),
        );
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-policies"));
    candidates.into_iter().find(|path| path.is_dir())
}

/// Lists the samples in `folder`, sorted by folder name. A folder counts
/// as a sample when it contains a `.rego` file and is not a drill pack.
pub fn list_samples(folder: &Path) -> Vec<Sample> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut samples: Vec<Sample> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() && holds_rego(path) && !is_drill_pack(path))
        .map(|path| {
            let id = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let title = readme_title(&path).unwrap_or_else(|| id.clone());
            Sample {
                id,
                title,
                folder: path,
            }
        })
        .collect();
    samples.sort_by(|a, b| a.id.cmp(&b.id));
    samples
}

/// A drill pack (such as `sample-policies/drills`) opens in the drill
/// panel, not as a sample.
fn is_drill_pack(folder: &Path) -> bool {
    folder.join(crate::drills::PACK_MANIFEST).is_file()
}

fn holds_rego(folder: &Path) -> bool {
    fs::read_dir(folder).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.path().extension().is_some_and(|e| e == "rego"))
    })
}

fn readme_title(folder: &Path) -> Option<String> {
    let text = fs::read_to_string(folder.join("README.md")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(|title| title.trim().to_string())
}
