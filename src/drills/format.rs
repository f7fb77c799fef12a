//! The drill and pack formats: TOML manifests read into [`Drill`] and
//! [`Pack`], with every referenced file read and errors that name the
//! drill and the file.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;

use crate::engine::PolicySource;

/// File name of a drill's manifest.
pub const DRILL_MANIFEST: &str = "drill.toml";

/// File name of a pack's manifest.
pub const PACK_MANIFEST: &str = "pack.toml";

/// How much Rego a learner needs to know before trying a drill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    /// Returns the lowercase name used in manifests.
    pub fn name(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// The decision a scenario expects from the query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Expected {
    /// Exactly this value. Arrays compare without regard to order, because
    /// Rego sets come out as arrays.
    Value(JsonValue),
    /// No value at all: the query is undefined.
    Undefined,
    /// An array, set or object with this many items.
    Count(usize),
}

/// A named input and the decision the query should reach for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    /// The input file, relative to the drill folder; `None` for no input.
    pub input_file: Option<String>,
    /// The text of the input file.
    pub input: Option<String>,
    /// A query for this scenario only, in place of the drill's query.
    pub query: Option<String>,
    pub expected: Expected,
}

/// Everything needed to check an attempt, with every file already read,
/// so it can cross to the worker process as one message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DrillSpec {
    /// The file name the learner edits, such as `policy.rego`.
    pub policy_file: String,
    pub query: String,
    /// The text of the data document, when the drill has one.
    pub data: Option<String>,
    pub scenarios: Vec<Scenario>,
    /// Hidden `test_` rules run against the learner's policy.
    pub checks: Option<PolicySource>,
}

/// A scenario the learner predicts before the first evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Predict {
    /// The name of a scenario of the drill.
    pub scenario: String,
    /// The question shown; a default question names the query and scenario.
    pub question: Option<String>,
}

/// A drill with every file it references read.
#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub topic: String,
    pub story: String,
    pub goal: String,
    pub hints: Vec<String>,
    pub explanation: String,
    pub predict: Option<Predict>,
    /// The drill's folder.
    pub folder: PathBuf,
    /// The policy the learner starts from.
    pub starting_policy: String,
    /// The reference solution.
    pub solution: String,
    /// The file name of the solution, for error messages.
    pub solution_file: String,
    pub spec: DrillSpec,
}

/// A folder of drills with its manifest. A drill that cannot be loaded
/// stays in the list as its error, so one broken drill does not hide the
/// others while a facilitator fixes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pack {
    /// The folder name, used to key progress.
    pub id: String,
    pub title: String,
    pub author: String,
    pub folder: PathBuf,
    pub drills: Vec<Result<Drill, DrillError>>,
}

impl Pack {
    /// Returns the drills that loaded.
    pub fn loaded(&self) -> impl Iterator<Item = &Drill> {
        self.drills.iter().filter_map(|drill| drill.as_ref().ok())
    }
}

/// A drill or pack that cannot be loaded, naming the drill and the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct DrillError {
    /// The drill's folder name, or `None` for an error in the pack itself.
    pub drill: Option<String>,
    /// The file at fault.
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for DrillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.drill {
            Some(drill) => write!(
                f,
                "drill \"{drill}\": {}: {}",
                self.file.display(),
                self.message
            ),
            None => write!(f, "pack: {}: {}", self.file.display(), self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DrillManifest {
    id: String,
    title: String,
    level: Level,
    topic: String,
    story: String,
    goal: String,
    query: String,
    #[serde(default = "default_policy")]
    policy: String,
    #[serde(default = "default_solution")]
    solution: String,
    checks: Option<String>,
    data: Option<String>,
    #[serde(default)]
    hints: Vec<String>,
    explanation: String,
    predict: Option<PredictManifest>,
    #[serde(default)]
    scenarios: Vec<ScenarioManifest>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictManifest {
    scenario: String,
    question: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioManifest {
    name: String,
    input: Option<String>,
    query: Option<String>,
    expect: Option<toml::Value>,
    #[serde(default)]
    expect_undefined: bool,
    expect_count: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackManifest {
    title: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    order: Vec<String>,
}

fn default_policy() -> String {
    "policy.rego".to_string()
}

fn default_solution() -> String {
    "solution.rego".to_string()
}

/// Reads the files of one drill: its folder name names it in errors.
struct DrillReader<'a> {
    name: String,
    folder: &'a Path,
}

impl DrillReader<'_> {
    fn error(&self, file: impl AsRef<Path>, message: impl Into<String>) -> DrillError {
        DrillError {
            drill: Some(self.name.clone()),
            file: self.folder.join(file),
            message: message.into(),
        }
    }

    fn read(&self, file: &str) -> Result<String, DrillError> {
        if Path::new(file).is_absolute() || file.split(['/', '\\']).any(|part| part == "..") {
            return Err(self.error(
                DRILL_MANIFEST,
                format!("\"{file}\" must be a path inside the drill folder"),
            ));
        }
        let path = self.folder.join(file);
        fs::read_to_string(&path).map_err(|error| {
            let message = if error.kind() == std::io::ErrorKind::NotFound {
                format!("the file is missing, but {DRILL_MANIFEST} refers to it")
            } else {
                format!("cannot read the file: {error}")
            };
            self.error(file, message)
        })
    }
}

/// Loads the drill in `folder`, reading its manifest and every file it
/// names.
pub fn load_drill(folder: &Path) -> Result<Drill, DrillError> {
    let reader = DrillReader {
        name: folder_name(folder),
        folder,
    };
    let text = reader.read(DRILL_MANIFEST)?;
    let manifest: DrillManifest = toml::from_str(&text)
        .map_err(|error| reader.error(DRILL_MANIFEST, format!("invalid manifest: {error}")))?;

    for (field, value) in [
        ("id", &manifest.id),
        ("title", &manifest.title),
        ("goal", &manifest.goal),
        ("query", &manifest.query),
        ("explanation", &manifest.explanation),
    ] {
        if value.trim().is_empty() {
            return Err(reader.error(DRILL_MANIFEST, format!("`{field}` is empty")));
        }
    }
    if manifest.scenarios.is_empty() {
        return Err(reader.error(
            DRILL_MANIFEST,
            "the drill has no [[scenarios]]; add at least one",
        ));
    }

    let mut scenarios = Vec::new();
    for scenario in &manifest.scenarios {
        scenarios.push(read_scenario(&reader, scenario, &scenarios)?);
    }
    let predict = manifest
        .predict
        .map(|predict| {
            if !scenarios.iter().any(|s| s.name == predict.scenario) {
                return Err(reader.error(
                    DRILL_MANIFEST,
                    format!(
                        "[predict] names the scenario \"{}\", which is not among the [[scenarios]]",
                        predict.scenario
                    ),
                ));
            }
            Ok(Predict {
                scenario: predict.scenario,
                question: predict.question,
            })
        })
        .transpose()?;

    let starting_policy = reader.read(&manifest.policy)?;
    let solution = reader.read(&manifest.solution)?;
    let checks = manifest
        .checks
        .as_deref()
        .map(|file| reader.read(file).map(|text| PolicySource::new(file, text)))
        .transpose()?;
    let data = manifest
        .data
        .as_deref()
        .map(|f| reader.read(f))
        .transpose()?;

    Ok(Drill {
        id: manifest.id,
        title: manifest.title,
        level: manifest.level,
        topic: manifest.topic,
        story: join_lines(&manifest.story),
        goal: join_lines(&manifest.goal),
        hints: manifest.hints,
        explanation: join_lines(&manifest.explanation),
        predict,
        folder: folder.to_path_buf(),
        starting_policy,
        solution,
        solution_file: manifest.solution,
        spec: DrillSpec {
            policy_file: manifest.policy,
            query: manifest.query,
            data,
            scenarios,
            checks,
        },
    })
}

fn read_scenario(
    reader: &DrillReader<'_>,
    scenario: &ScenarioManifest,
    earlier: &[Scenario],
) -> Result<Scenario, DrillError> {
    let name = scenario.name.trim();
    if name.is_empty() {
        return Err(reader.error(DRILL_MANIFEST, "a scenario has an empty `name`"));
    }
    if earlier.iter().any(|s| s.name == name) {
        return Err(reader.error(
            DRILL_MANIFEST,
            format!("two scenarios are named \"{name}\"; give each a distinct name"),
        ));
    }
    let expected = match (
        &scenario.expect,
        scenario.expect_undefined,
        scenario.expect_count,
    ) {
        (Some(value), false, None) => Expected::Value(toml_to_json(value)),
        (None, true, None) => Expected::Undefined,
        (None, false, Some(count)) => Expected::Count(count),
        _ => {
            return Err(reader.error(
                DRILL_MANIFEST,
                format!(
                    "scenario \"{name}\" needs exactly one of `expect`, \
                     `expect_undefined = true` and `expect_count`"
                ),
            ));
        }
    };
    let input = scenario
        .input
        .as_deref()
        .map(|f| reader.read(f))
        .transpose()?;
    Ok(Scenario {
        name: name.to_string(),
        input_file: scenario.input.clone(),
        input,
        query: scenario.query.clone(),
        expected,
    })
}

/// Joins the lines of each paragraph with spaces, so text wrapped in the
/// manifest wraps to the width of the panel instead. A blank line still
/// separates paragraphs.
fn join_lines(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn toml_to_json(value: &toml::Value) -> JsonValue {
    match value {
        toml::Value::String(text) => JsonValue::String(text.clone()),
        toml::Value::Integer(number) => JsonValue::from(*number),
        toml::Value::Float(number) => JsonValue::from(*number),
        toml::Value::Boolean(flag) => JsonValue::Bool(*flag),
        toml::Value::Datetime(datetime) => JsonValue::String(datetime.to_string()),
        toml::Value::Array(items) => JsonValue::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => JsonValue::Object(
            table
                .iter()
                .map(|(key, value)| (key.clone(), toml_to_json(value)))
                .collect(),
        ),
    }
}

/// Loads a pack: the folder's `pack.toml`, then each drill folder, first
/// those its `order` lists, then the others by folder name. A folder with
/// only a `drill.toml` loads as a pack of that one drill.
pub fn load_pack(folder: &Path) -> Result<Pack, DrillError> {
    let pack_error = |file: &str, message: String| DrillError {
        drill: None,
        file: folder.join(file),
        message,
    };
    if !folder.join(PACK_MANIFEST).is_file() && folder.join(DRILL_MANIFEST).is_file() {
        let drill = load_drill(folder);
        let title = drill
            .as_ref()
            .map_or_else(|_| folder_name(folder), |d| d.title.clone());
        return Ok(Pack {
            id: folder_name(folder),
            title,
            author: String::new(),
            folder: folder.to_path_buf(),
            drills: vec![drill],
        });
    }
    let text = fs::read_to_string(folder.join(PACK_MANIFEST)).map_err(|error| {
        pack_error(
            PACK_MANIFEST,
            format!(
                "cannot read it ({error}); a pack folder needs a {PACK_MANIFEST} \
                 and a drill folder a {DRILL_MANIFEST}"
            ),
        )
    })?;
    let manifest: PackManifest = toml::from_str(&text)
        .map_err(|error| pack_error(PACK_MANIFEST, format!("invalid manifest: {error}")))?;

    let mut folders: Vec<String> = fs::read_dir(folder)
        .map_err(|error| pack_error(".", format!("cannot list the folder: {error}")))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join(DRILL_MANIFEST).is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();

    let mut drills = Vec::new();
    for name in &manifest.order {
        if folders.contains(name) {
            drills.push(load_drill(&folder.join(name)));
        } else {
            drills.push(Err(DrillError {
                drill: Some(name.clone()),
                file: folder.join(PACK_MANIFEST),
                message: format!(
                    "`order` lists \"{name}\", but there is no folder {name}/ with a {DRILL_MANIFEST}"
                ),
            }));
        }
    }
    for name in folders.iter().filter(|name| !manifest.order.contains(name)) {
        drills.push(load_drill(&folder.join(name)));
    }
    reject_duplicate_ids(&mut drills);
    Ok(Pack {
        id: folder_name(folder),
        title: manifest.title,
        author: manifest.author,
        folder: folder.to_path_buf(),
        drills,
    })
}

/// Turns the second drill with an id already taken into an error, since
/// progress is kept by id.
fn reject_duplicate_ids(drills: &mut [Result<Drill, DrillError>]) {
    let mut seen: Vec<String> = Vec::new();
    for entry in drills.iter_mut() {
        let Ok(drill) = entry else {
            continue;
        };
        if seen.contains(&drill.id) {
            *entry = Err(DrillError {
                drill: Some(folder_name(&drill.folder)),
                file: drill.folder.join(DRILL_MANIFEST),
                message: format!(
                    "another drill of the pack already has the id \"{}\"",
                    drill.id
                ),
            });
            continue;
        }
        seen.push(drill.id.clone());
    }
}

fn folder_name(folder: &Path) -> String {
    folder
        .canonicalize()
        .unwrap_or_else(|_| folder.to_path_buf())
        .file_name()
        .map_or_else(
            || folder.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
}
