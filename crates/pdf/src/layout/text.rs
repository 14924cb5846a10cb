//! Text as the layout sees it: styled spans, cleaned of control characters, wrapped greedily
//! into lines by the real glyph widths, and shortened with an ellipsis where it must fit.

use crate::fonts::{Fonts, Style};

/// A run of text in one style, the unit the wrapper works with.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// The text (may contain `\n` for a hard line break).
    pub(crate) text: String,
    /// Regular or bold.
    pub(crate) style: Style,
}

/// A regular-weight span.
pub(crate) fn r(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::Regular,
    }
}

/// A bold span.
pub(crate) fn b(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::Bold,
    }
}

/// One wrapped line: styled runs and their total width.
#[derive(Debug, Clone, Default)]
pub(super) struct WrappedLine {
    pub(super) runs: Vec<(Style, String)>,
    pub(super) width: f32,
}

impl WrappedLine {
    fn push(&mut self, style: Style, text: &str, width: f32) {
        match self.runs.last_mut() {
            Some((s, t)) if *s == style => t.push_str(text),
            _ => self.runs.push((style, text.to_owned())),
        }
        self.width += width;
    }
}

/// A word: pieces glued together without a space (e.g. a bold name then a comma).
#[derive(Debug, Default)]
struct Word {
    pieces: Vec<(Style, String)>,
}

/// What the tokeniser found in a run of spans.
#[derive(Debug)]
enum Token {
    Word(Word),
    /// A space, in the style of the text around it.
    Space(Style),
    /// A hard line break.
    Break,
}

/// Replaces control characters (except newlines) so that nothing odd reaches the content
/// stream; tabs and carriage returns become spaces.
pub(super) fn clean(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter_map(|c| match c {
        '\n' => Some('\n'),
        '\r' => None,
        c if c.is_control() => Some(' '),
        '\u{00a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
        c => Some(c),
    })
}

fn tokenise(spans: &[Span]) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    for span in spans {
        for c in clean(&span.text) {
            match c {
                '\n' => tokens.push(Token::Break),
                c if c.is_whitespace() => {
                    if !matches!(tokens.last(), Some(Token::Space(_))) {
                        tokens.push(Token::Space(span.style));
                    }
                }
                c => {
                    if let Some(Token::Word(word)) = tokens.last_mut() {
                        match word.pieces.last_mut() {
                            Some((s, t)) if *s == span.style => t.push(c),
                            _ => word.pieces.push((span.style, c.to_string())),
                        }
                    } else {
                        tokens.push(Token::Word(Word {
                            pieces: vec![(span.style, c.to_string())],
                        }));
                    }
                }
            }
        }
    }
    tokens
}

/// Greedy wrap of `spans` at `size` points into lines no wider than `max_width`, measuring
/// with the real glyph widths. A word wider than a whole line is broken between characters.
pub(super) fn wrap(fonts: &Fonts, spans: &[Span], size: f32, max_width: f32) -> Vec<WrappedLine> {
    let mut lines = Vec::new();
    let mut line = WrappedLine::default();
    let mut pending_space: Option<Style> = None;
    for token in tokenise(spans) {
        match token {
            Token::Break => {
                lines.push(std::mem::take(&mut line));
                pending_space = None;
            }
            Token::Space(style) => {
                if !line.runs.is_empty() {
                    pending_space = Some(style);
                }
            }
            Token::Word(word) => {
                let word_w: f32 = word
                    .pieces
                    .iter()
                    .map(|(s, t)| fonts.face(*s).width(t, size))
                    .sum();
                let space_w = pending_space.map_or(0.0, |s| fonts.face(s).width(" ", size));
                if !line.runs.is_empty() && line.width + space_w + word_w <= max_width {
                    if let Some(style) = pending_space {
                        line.push(style, " ", space_w);
                    }
                    for (s, t) in &word.pieces {
                        line.push(*s, t, fonts.face(*s).width(t, size));
                    }
                } else {
                    if !line.runs.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    if word_w <= max_width {
                        for (s, t) in &word.pieces {
                            line.push(*s, t, fonts.face(*s).width(t, size));
                        }
                    } else {
                        // Too long for any line: break it between characters.
                        for (s, t) in &word.pieces {
                            let face = fonts.face(*s);
                            let mut buf = [0u8; 4];
                            for c in t.chars() {
                                let piece = c.encode_utf8(&mut buf);
                                let w = face.width(piece, size);
                                if line.width + w > max_width && !line.runs.is_empty() {
                                    lines.push(std::mem::take(&mut line));
                                }
                                line.push(*s, piece, w);
                            }
                        }
                    }
                }
                pending_space = None;
            }
        }
    }
    if !line.runs.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` shortened with an ellipsis so it fits `max_width`.
pub(super) fn fit(fonts: &Fonts, text: &str, style: Style, size: f32, max_width: f32) -> String {
    let face = fonts.face(style);
    if face.width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut out = String::new();
    let ellipsis = face.width("…", size);
    let mut width = 0.0;
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let w = face.width(c.encode_utf8(&mut buf), size);
        if width + w + ellipsis > max_width {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out
}
