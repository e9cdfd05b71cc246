//! Text plotters cannot draw (turned by other than right angles), for the caller to paint.

/// Which point of the text sits at the label's position, along its baseline direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextAnchor {
    Start,
    End,
}

/// A text to paint at an angle plotters cannot draw (it turns text by right angles only).
#[derive(Debug, Clone, PartialEq)]
pub struct AngledLabel {
    pub text: String,
    /// Pixel position of the anchor point, vertically centred on the text.
    pub x: i32,
    pub y: i32,
    /// Counter-clockwise from the x axis, in degrees (45 rises to the right).
    pub degrees: f64,
    pub font_size: f64,
    pub anchor: TextAnchor,
}

impl AngledLabel {
    /// The label as an SVG `<text>` element. Text is escaped.
    pub fn to_svg(&self) -> String {
        let anchor = match self.anchor {
            TextAnchor::Start => "start",
            TextAnchor::End => "end",
        };
        // SVG rotates clockwise.
        format!(
            r##"<text x="{x}" y="{y}" transform="rotate({r} {x} {y})" text-anchor="{anchor}" dominant-baseline="middle" font-family="sans-serif" font-size="{s}" fill="#000000">{t}</text>"##,
            x = self.x,
            y = self.y,
            r = -self.degrees,
            s = self.font_size,
            t = escape_xml(&self.text)
        )
    }
}

pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_label_carries_rotation_and_escapes() {
        let label = AngledLabel {
            text: "cat & <dog>".into(),
            x: 10,
            y: 20,
            degrees: 45.0,
            font_size: 12.0,
            anchor: TextAnchor::End,
        };
        let svg = label.to_svg();
        assert!(svg.contains(r#"transform="rotate(-45 10 20)""#), "{svg}");
        assert!(svg.contains("cat &amp; &lt;dog&gt;"), "{svg}");
        assert!(svg.contains(r#"text-anchor="end""#));
    }
}
