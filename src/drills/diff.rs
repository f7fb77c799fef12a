//! A line diff between the learner's policy and the solution, from the
//! longest common subsequence of lines.

/// Whether a line is in both texts, only the old one or only the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffKind {
    Same,
    Removed,
    Added,
}

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// Texts longer than this many lines get a plain remove-all, add-all diff,
/// because the table below grows with the product of the line counts.
const MAX_LINES: usize = 2_000;

/// Returns the lines of `old` and `new` in order, each marked as kept,
/// removed or added.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let line = |kind, text: &str| DiffLine {
        kind,
        text: text.to_string(),
    };
    if old.len() > MAX_LINES || new.len() > MAX_LINES {
        return old
            .iter()
            .map(|text| line(DiffKind::Removed, text))
            .chain(new.iter().map(|text| line(DiffKind::Added, text)))
            .collect();
    }

    // common[i][j] is the length of the longest common subsequence of
    // old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }

    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            lines.push(line(DiffKind::Same, old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            lines.push(line(DiffKind::Removed, old[i]));
            i += 1;
        } else {
            lines.push(line(DiffKind::Added, new[j]));
            j += 1;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(diff: &[DiffLine]) -> Vec<(DiffKind, &str)> {
        diff.iter().map(|l| (l.kind, l.text.as_str())).collect()
    }

    #[test]
    fn changed_line_is_removed_then_added() {
        let diff = line_diff("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            kinds(&diff),
            [
                (DiffKind::Same, "a"),
                (DiffKind::Removed, "b"),
                (DiffKind::Added, "B"),
                (DiffKind::Same, "c"),
            ]
        );
    }

    #[test]
    fn identical_texts_are_all_same() {
        let diff = line_diff("x\ny", "x\ny");
        assert!(diff.iter().all(|l| l.kind == DiffKind::Same));
    }

    #[test]
    fn empty_old_is_all_added() {
        let diff = line_diff("", "x\ny");
        assert_eq!(
            kinds(&diff),
            [(DiffKind::Added, "x"), (DiffKind::Added, "y")]
        );
    }
}
