//! Source files and byte spans into them, with line and column lookup for diagnostics.

use std::sync::Arc;

/// Index of a file in a [`Sources`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub source: SourceId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span of `len` bytes from `start` in `source`.
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span {
            source,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The part of this span from byte `from` to byte `to` (both relative to `start`).
    pub fn sub(self, from: usize, to: usize) -> Span {
        let start = (self.start as usize).saturating_add(from);
        let end = (self.start as usize).saturating_add(to);
        Span::new(self.source, start, end)
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// One loaded file: its display path and text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative when it was given relative).
    pub path: String,
    /// The whole text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Position {
            line: line + 1,
            col: col + 1,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of the start of a 1-based line and column (clamped).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        let mut offset = start;
        for (i, (byte, ch)) in rest.char_indices().enumerate() {
            if i + 1 >= col || ch == '\n' {
                return start + byte;
            }
            offset = start + byte + ch.len_utf8();
        }
        offset
    }

    /// The text a span covers, or "" when it is out of range.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Every file loaded for a project, so diagnostics can show their lines.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<Arc<SourceFile>>,
}

impl Sources {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files
            .push(Arc::new(SourceFile::new(path.into(), text.into())));
        id
    }

    /// The file with this id.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).map(|f| &**f)
    }

    /// `path:line:col` of the start of a span.
    pub fn locate(&self, span: Span) -> String {
        match self.get(span.source) {
            Some(file) => {
                let pos = file.position(span.start as usize);
                format!("{}:{}:{}", file.path, pos.line, pos.col)
            }
            None => "<unknown>".to_string(),
        }
    }

    /// Line and column of the start of a span.
    pub fn position(&self, span: Span) -> Option<Position> {
        self.get(span.source)
            .map(|f| f.position(span.start as usize))
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file is loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let mut s = Sources::new();
        let id = s.add("a.yaml", "ab\ncé d\n");
        let file = s.get(id).unwrap();
        assert_eq!(file.position(0), Position { line: 1, col: 1 });
        assert_eq!(file.position(3), Position { line: 2, col: 1 });
        // "é" is two bytes: byte 6 is the space after it, the third character.
        assert_eq!(file.position(6), Position { line: 2, col: 3 });
        assert_eq!(file.line_text(2), "cé d");
        assert_eq!(file.offset_of(2, 3), 6);
        assert_eq!(s.locate(Span::new(id, 7, 8)), "a.yaml:2:4");
    }
}
