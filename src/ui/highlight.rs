//! Syntax highlighting with syntect: the Rego grammar from `assets/` plus
//! syntect's bundled JSON and YAML grammars, turned into egui layout jobs.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use egui::text::{ByteIndex, LayoutJob, LayoutSection, TextFormat};
use egui::{Color32, FontId, Stroke};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::{SyntaxDefinition, SyntaxSet};
use syntect::util::LinesWithEndings;

const REGO_GRAMMAR: &str = include_str!("../../assets/rego.sublime-syntax");

/// Texts longer than this are shown without colours, so a pasted 50 MB
/// document never stalls a frame in the highlighter.
const MAX_HIGHLIGHTED_BYTES: usize = 512 * 1024;

/// Cached layout jobs kept at most; the cache is cleared when full.
const MAX_CACHED_JOBS: usize = 64;

/// Languages the editors show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Rego,
    Json,
    Yaml,
}

impl Language {
    fn syntax_name(self) -> &'static str {
        match self {
            Language::Rego => "Rego",
            Language::Json => "JSON",
            Language::Yaml => "YAML",
        }
    }
}

/// A byte range to decorate on top of the highlighting, such as the line
/// and column of an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoration {
    pub range: std::ops::Range<usize>,
    pub background: Option<Color32>,
    pub underline: Option<Color32>,
}

/// The grammars and themes, shared with the background thread.
struct Grammars {
    syntaxes: SyntaxSet,
    light: Theme,
    dark: Theme,
}

/// Texts up to this size are highlighted on the spot. Larger ones go to a
/// background thread and show uncoloured until it is done, so a long policy
/// never stalls a frame.
const SYNC_HIGHLIGHT_BYTES: usize = 32 * 1024;

/// One text to highlight in the background.
struct HighlightJob {
    key: u64,
    text: String,
    language: Language,
    font: FontId,
    dark_mode: bool,
}

/// The channel pair to the background highlighting thread.
struct Background {
    jobs: Sender<HighlightJob>,
    /// Finished jobs with their text's key and their style key.
    done: Receiver<(u64, u64, LayoutJob)>,
    in_flight: HashSet<u64>,
}

/// Highlighted jobs kept to colour the next edit of their text while the
/// background thread works on it.
const RECENT_JOBS: usize = 4;

/// Holds the grammars and themes and caches highlighted text.
pub struct Highlighter {
    grammars: Arc<Grammars>,
    cache: HashMap<u64, LayoutJob>,
    background: Option<Background>,
    /// The newest highlighted jobs of large texts, each with the hash of
    /// its language, theme and font.
    recent: Vec<(u64, LayoutJob)>,
    /// The job shown for a large text until its highlighting is done: an
    /// earlier job of the same text with the edited part uncoloured.
    provisional: Option<(u64, LayoutJob)>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighter")
            .field("cached", &self.cache.len())
            .finish()
    }
}

impl Default for Highlighter {
    fn default() -> Self {
        Self::new()
    }
}

impl Highlighter {
    /// Loads syntect's default grammars and themes and adds the Rego grammar.
    /// Every text is highlighted on the calling thread.
    pub fn new() -> Self {
        let mut builder = SyntaxSet::load_defaults_newlines().into_builder();
        match SyntaxDefinition::load_from_str(REGO_GRAMMAR, true, None) {
            Ok(definition) => builder.add(definition),
            Err(error) => log::error!("the Rego grammar in assets/ is invalid: {error}"),
        }
        let themes = ThemeSet::load_defaults();
        let grammars = Grammars {
            syntaxes: builder.build(),
            light: themes.themes["InspiredGitHub"].clone(),
            dark: themes.themes["base16-ocean.dark"].clone(),
        };
        Highlighter {
            grammars: Arc::new(grammars),
            cache: HashMap::new(),
            background: None,
            recent: Vec::new(),
            provisional: None,
        }
    }

    /// Like [`Highlighter::new`], but texts over 32 KiB are highlighted on a
    /// background thread that calls `notify` when one is ready.
    pub fn with_background(notify: impl Fn() + Send + 'static) -> Self {
        let mut highlighter = Self::new();
        let (job_sender, job_receiver) = mpsc::channel::<HighlightJob>();
        let (done_sender, done_receiver) = mpsc::channel();
        let grammars = highlighter.grammars.clone();
        let spawned = std::thread::Builder::new()
            .name("highlighter".to_string())
            .spawn(move || {
                while let Ok(mut job) = job_receiver.recv() {
                    // Only the newest text matters while the user types.
                    while let Ok(newer) = job_receiver.try_recv() {
                        job = newer;
                    }
                    let layout =
                        highlight(&grammars, &job.text, job.language, &job.font, job.dark_mode);
                    let style = style_key(job.language, &job.font, job.dark_mode);
                    if done_sender.send((job.key, style, layout)).is_err() {
                        return;
                    }
                    notify();
                }
            });
        match spawned {
            Ok(_) => {
                highlighter.background = Some(Background {
                    jobs: job_sender,
                    done: done_receiver,
                    in_flight: HashSet::new(),
                });
            }
            Err(error) => log::warn!("cannot start the highlighting thread: {error}"),
        }
        highlighter
    }

    /// Returns a coloured layout job for `text`, with `decorations` drawn on top.
    pub fn layout_job(
        &mut self,
        text: &str,
        language: Language,
        font: &FontId,
        dark_mode: bool,
        decorations: &[Decoration],
    ) -> LayoutJob {
        self.collect_finished();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (text, language, dark_mode, font.size.to_bits()).hash(&mut hasher);
        let key = hasher.finish();
        let style = style_key(language, font, dark_mode);
        let mut job = match self.cache.get(&key) {
            Some(job) => job.clone(),
            None if text.len() > SYNC_HIGHLIGHT_BYTES && self.background.is_some() => {
                self.request_background(key, text, language, font, dark_mode);
                match &self.provisional {
                    Some((provisional_key, job)) if *provisional_key == key => job.clone(),
                    _ => {
                        let job = self
                            .recent
                            .iter()
                            .filter(|(recent_style, _)| *recent_style == style)
                            .map(|(_, recent)| recent)
                            .max_by_key(|recent| shared_ends(&recent.text, text))
                            .map(|recent| patch_job(recent, text, font, dark_mode))
                            .unwrap_or_else(|| plain_job(text, font, dark_mode));
                        self.provisional = Some((key, job.clone()));
                        job
                    }
                }
            }
            None => {
                if self.cache.len() >= MAX_CACHED_JOBS {
                    self.cache.clear();
                }
                let job = highlight(&self.grammars, text, language, font, dark_mode);
                self.cache.insert(key, job.clone());
                job
            }
        };
        decorate(&mut job, decorations);
        job
    }

    fn collect_finished(&mut self) {
        let Some(background) = self.background.as_mut() else {
            return;
        };
        while let Ok((key, style, job)) = background.done.try_recv() {
            background.in_flight.remove(&key);
            if self.cache.len() >= MAX_CACHED_JOBS {
                self.cache.clear();
            }
            if self.recent.len() >= RECENT_JOBS {
                self.recent.remove(0);
            }
            self.recent.push((style, job.clone()));
            self.cache.insert(key, job);
        }
    }

    fn request_background(
        &mut self,
        key: u64,
        text: &str,
        language: Language,
        font: &FontId,
        dark_mode: bool,
    ) {
        let Some(background) = self.background.as_mut() else {
            return;
        };
        if !background.in_flight.insert(key) {
            return;
        }
        let job = HighlightJob {
            key,
            text: text.to_string(),
            language,
            font: font.clone(),
            dark_mode,
        };
        if background.jobs.send(job).is_err() {
            log::warn!("the highlighting thread has stopped; large texts stay uncoloured");
            self.background = None;
        }
    }
}

fn plain_color(dark_mode: bool) -> Color32 {
    if dark_mode {
        Color32::LIGHT_GRAY
    } else {
        Color32::from_gray(30)
    }
}

fn plain_job(text: &str, font: &FontId, dark_mode: bool) -> LayoutJob {
    let color = plain_color(dark_mode);
    let mut job = LayoutJob::simple(text.to_string(), font.clone(), color, f32::INFINITY);
    job.wrap.max_width = f32::INFINITY;
    job
}

/// Hashes what, besides the text, decides the colours of a job.
fn style_key(language: Language, font: &FontId, dark_mode: bool) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (language, dark_mode, font.size.to_bits()).hash(&mut hasher);
    hasher.finish()
}

/// Returns the lengths in bytes of the common start and the common end of
/// `old` and `new`, not overlapping and on character boundaries.
fn common_ends(old: &str, new: &str) -> (usize, usize) {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    while !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    (prefix, suffix)
}

/// Counts the bytes of `old` that the edit making `new` left in place.
fn shared_ends(old: &str, new: &str) -> usize {
    let (prefix, suffix) = common_ends(old, new);
    prefix + suffix
}

/// Colours `text`, an edit of the text of the highlighted `old` job, with
/// the sections of `old`: those before and after the edited part kept, and
/// the edited part plain. Lines the edit did not touch keep the same
/// sections, so egui reuses their cached layout.
fn patch_job(old: &LayoutJob, text: &str, font: &FontId, dark_mode: bool) -> LayoutJob {
    let (prefix, suffix) = common_ends(&old.text, text);
    let old_tail = old.text.len() - suffix;
    let new_tail = text.len() - suffix;
    let mut sections = Vec::with_capacity(old.sections.len() + 1);
    for section in &old.sections {
        let range = section.byte_range.clone();
        if range.start.0 < prefix {
            let mut kept = section.clone();
            kept.byte_range = range.start..ByteIndex(range.end.0.min(prefix));
            sections.push(kept);
        }
    }
    if new_tail > prefix {
        let format = TextFormat::simple(font.clone(), plain_color(dark_mode));
        sections.push(LayoutSection {
            leading_space: 0.0,
            byte_range: ByteIndex(prefix)..ByteIndex(new_tail),
            format,
        });
    }
    for section in &old.sections {
        let range = section.byte_range.clone();
        if range.end.0 > old_tail {
            let mut kept = section.clone();
            let start = range.start.0.max(old_tail) - old_tail + new_tail;
            let end = range.end.0 - old_tail + new_tail;
            kept.byte_range = ByteIndex(start)..ByteIndex(end);
            kept.leading_space = if range.start.0 >= old_tail {
                section.leading_space
            } else {
                0.0
            };
            sections.push(kept);
        }
    }
    let mut job = old.clone();
    job.text = text.to_string();
    job.sections = sections;
    job
}

/// Colours `text` with the grammar of `language`; plain text when it is
/// too large or the grammar fails.
fn highlight(
    grammars: &Grammars,
    text: &str,
    language: Language,
    font: &FontId,
    dark_mode: bool,
) -> LayoutJob {
    if text.len() > MAX_HIGHLIGHTED_BYTES {
        return plain_job(text, font, dark_mode);
    }
    let Some(syntax) = grammars
        .syntaxes
        .find_syntax_by_name(language.syntax_name())
    else {
        return plain_job(text, font, dark_mode);
    };
    let theme = if dark_mode {
        &grammars.dark
    } else {
        &grammars.light
    };
    let mut lines = HighlightLines::new(syntax, theme);
    let mut job = LayoutJob {
        text: text.to_string(),
        ..LayoutJob::default()
    };
    job.wrap.max_width = f32::INFINITY;
    let mut offset = 0;
    for line in LinesWithEndings::from(text) {
        let Ok(regions) = lines.highlight_line(line, &grammars.syntaxes) else {
            return plain_job(text, font, dark_mode);
        };
        for (style, piece) in regions {
            let fg = style.foreground;
            let color = Color32::from_rgb(fg.r, fg.g, fg.b);
            job.sections.push(LayoutSection {
                leading_space: 0.0,
                byte_range: ByteIndex(offset)..ByteIndex(offset + piece.len()),
                format: TextFormat {
                    font_id: font.clone(),
                    color,
                    italics: style.font_style.contains(FontStyle::ITALIC),
                    ..TextFormat::default()
                },
            });
            offset += piece.len();
        }
    }
    job
}

/// Decorations checked before each piece of text, in start order.
const NEARBY_DECORATIONS: usize = 8;

/// Applies decorations to the sections they overlap in one pass, splitting
/// sections at decoration edges. Later decorations win where they overlap,
/// so an error mark shows over a coverage colour.
fn decorate(job: &mut LayoutJob, decorations: &[Decoration]) {
    if decorations.is_empty() {
        return;
    }
    let length = job.text.len();
    let ranges: Vec<std::ops::Range<usize>> = decorations
        .iter()
        .map(|d| d.range.start.min(length)..d.range.end.min(length))
        .collect();
    let mut by_start: Vec<usize> = (0..ranges.len()).collect();
    by_start.sort_by_key(|&index| ranges[index].start);
    let mut edges: Vec<usize> = ranges.iter().flat_map(|r| [r.start, r.end]).collect();
    edges.sort_unstable();
    edges.dedup();

    let mut sections = Vec::with_capacity(job.sections.len() + edges.len());
    for section in job.sections.drain(..) {
        let (start, end) = (section.byte_range.start.0, section.byte_range.end.0);
        let first = edges.partition_point(|&edge| edge <= start);
        let inner = edges[first..].iter().take_while(|&&edge| edge < end);
        let mut cuts = vec![start];
        cuts.extend(inner);
        cuts.push(end);
        for pair in cuts.windows(2) {
            let mut piece = section.clone();
            piece.byte_range = ByteIndex(pair[0])..ByteIndex(pair[1]);
            // The decorations that can contain this piece start at or before
            // it. Only the few nearest are checked, because marks on one line
            // overlap at most a handful of others.
            let before = by_start.partition_point(|&index| ranges[index].start <= pair[0]);
            let mut covering: Vec<usize> = by_start
                [before.saturating_sub(NEARBY_DECORATIONS)..before]
                .iter()
                .copied()
                .filter(|&index| pair[1] <= ranges[index].end && !ranges[index].is_empty())
                .collect();
            covering.sort_unstable();
            for index in covering {
                let decoration = &decorations[index];
                if let Some(background) = decoration.background {
                    piece.format.background = background;
                }
                if let Some(underline) = decoration.underline {
                    piece.format.underline = Stroke::new(2.0, underline);
                }
            }
            sections.push(piece);
        }
    }
    job.sections = sections;
}

/// The start of every line of a text, found once, so that looking up
/// many lines of a long text does not scan it again for each one.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(index, _)| index + 1));
        Lines { text, starts }
    }

    /// Returns the byte range of a 1-based line, without its line break.
    pub fn range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        Some(start..end)
    }

    /// Returns the byte range of the character at a 1-based line and
    /// column, or of the line's end when the column is past it.
    pub fn char_range(&self, line: usize, column: usize) -> Option<std::ops::Range<usize>> {
        let line_span = self.range(line)?;
        let content = &self.text[line_span.clone()];
        let mut chars = content.char_indices().skip(column.saturating_sub(1));
        match chars.next() {
            Some((index, c)) => {
                Some(line_span.start + index..line_span.start + index + c.len_utf8())
            }
            None if !content.is_empty() => {
                let (index, c) = content.char_indices().last()?;
                Some(line_span.start + index..line_span.start + index + c.len_utf8())
            }
            None => None,
        }
    }
}

/// Returns the byte range of a 1-based line, without its line break.
pub fn line_range(text: &str, line: usize) -> Option<std::ops::Range<usize>> {
    Lines::new(text).range(line)
}

/// Returns the byte range of the character at a 1-based line and column,
/// or of the line's end when the column is past it.
pub fn char_range(text: &str, line: usize, column: usize) -> Option<std::ops::Range<usize>> {
    Lines::new(text).char_range(line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ends_stay_on_characters() {
        assert_eq!(common_ends("abcdef", "abXdef"), (2, 3));
        assert_eq!(common_ends("aaa", "aaaa"), (3, 0));
        assert_eq!(common_ends("aaaa", "aa"), (2, 0));
        // "é" and "è" share their first byte, which is not a boundary.
        assert_eq!(common_ends("xéy", "xèy"), (1, 1));
    }

    #[test]
    fn patched_job_keeps_colours_around_an_edit() {
        let highlighter = Highlighter::new();
        let font = FontId::monospace(14.0);
        let old_text = "package p\n\nallow if input.user == \"ann\"\n";
        let new_text = "package p\n\nallow if input.username == \"ann\"\n";
        let old = highlight(&highlighter.grammars, old_text, Language::Rego, &font, true);
        let patched = patch_job(&old, new_text, &font, true);
        let fresh = highlight(&highlighter.grammars, new_text, Language::Rego, &font, true);
        assert_eq!(patched.text, new_text);
        // The sections cover the text in order, without gaps.
        let mut end = 0;
        for section in &patched.sections {
            assert_eq!(section.byte_range.start.0, end);
            end = section.byte_range.end.0;
        }
        assert_eq!(end, new_text.len());
        // The first line and the string at the end keep their colours.
        let color_at = |job: &LayoutJob, byte: usize| {
            job.sections
                .iter()
                .find(|s| s.byte_range.start.0 <= byte && byte < s.byte_range.end.0)
                .map(|s| s.format.color)
        };
        assert_eq!(color_at(&patched, 0), color_at(&fresh, 0));
        let string = new_text.find('"').unwrap();
        assert_eq!(color_at(&patched, string), color_at(&fresh, string));
    }

    #[test]
    fn rego_grammar_loads() {
        let highlighter = Highlighter::new();
        assert!(
            highlighter
                .grammars
                .syntaxes
                .find_syntax_by_name("Rego")
                .is_some()
        );
    }

    #[test]
    fn keyword_coloured_apart() {
        let mut highlighter = Highlighter::new();
        let font = FontId::monospace(14.0);
        let job = highlighter.layout_job(
            "package p\n\nallow if true\n",
            Language::Rego,
            &font,
            false,
            &[],
        );
        let colors: std::collections::HashSet<_> =
            job.sections.iter().map(|s| s.format.color).collect();
        assert!(colors.len() > 1, "expected several colours, got {colors:?}");
    }

    #[test]
    fn decoration_splits_sections() {
        let mut highlighter = Highlighter::new();
        let font = FontId::monospace(14.0);
        let text = "{\"a\": 1}\n";
        let decoration = Decoration {
            range: 1..4,
            background: Some(Color32::RED),
            underline: None,
        };
        let job = highlighter.layout_job(text, Language::Json, &font, false, &[decoration]);
        let covered: usize = job
            .sections
            .iter()
            .filter(|s| s.format.background == Color32::RED)
            .map(|s| s.byte_range.end.0 - s.byte_range.start.0)
            .sum();
        assert_eq!(covered, 3);
    }

    #[test]
    fn later_decoration_wins() {
        let mut highlighter = Highlighter::new();
        let font = FontId::monospace(14.0);
        let text = "a := 1\nb := 2\nc := 3\n";
        let line = |range: std::ops::Range<usize>, color| Decoration {
            range,
            background: Some(color),
            underline: None,
        };
        let decorations = [
            line(0..6, Color32::GREEN),
            line(7..13, Color32::GREEN),
            line(14..20, Color32::GREEN),
            line(7..13, Color32::RED),
        ];
        let job = highlighter.layout_job(text, Language::Rego, &font, false, &decorations);
        let background_at = |byte: usize| {
            job.sections
                .iter()
                .find(|s| s.byte_range.start.0 <= byte && byte < s.byte_range.end.0)
                .map(|s| s.format.background)
        };
        assert_eq!(background_at(2), Some(Color32::GREEN));
        assert_eq!(background_at(9), Some(Color32::RED));
        assert_eq!(background_at(16), Some(Color32::GREEN));
    }

    #[test]
    fn ranges_of_line_and_char() {
        let text = "ab\ncdé\n";
        assert_eq!(line_range(text, 2), Some(3..7));
        assert_eq!(line_range(text, 0), None);
        let lines = Lines::new("a\n\nb\n");
        assert_eq!(lines.range(1), Some(0..1));
        assert_eq!(lines.range(2), Some(2..2));
        assert_eq!(lines.range(3), Some(3..4));
        assert_eq!(lines.range(4), Some(5..5));
        assert_eq!(lines.range(5), None);
        assert_eq!(char_range(text, 2, 3), Some(5..7));
        assert_eq!(char_range(text, 2, 9), Some(5..7));
    }
}
