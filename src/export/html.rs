//! The interactive HTML report: one self-contained file that works offline.
//!
//! Owns the page shell in `assets/report/` (template, style, the app script and the vendored
//! cytoscape.js, all compiled in with `include_str!`) and the one escaping rule that puts the
//! report data (JSON built from logs, so attacker-influenced) inside a
//! `<script type="application/json" id="trailmask-data">` element, where the app reads it with
//! `JSON.parse(…textContent)`. Every log-derived string reaches the page's DOM as text, never
//! as markup: see [`write_json_for_script`].

use std::io::{self, Write};

const TEMPLATE: &str = include_str!("../../assets/report/template.html");
const STYLE: &str = include_str!("../../assets/report/report.css");
const VENDOR_JS: &str = include_str!("../../assets/report/vendor/cytoscape.min.js");
const APP_JS: &str = include_str!("../../assets/report/report.js");

/// The template's placeholders, in the order they appear, and what replaces each. The data
/// marker sits alone inside the data `<script>` element.
const PIECES: [(&str, Piece); 4] = [
    ("/*@TRAILMASK_STYLE@*/", Piece::Text(STYLE)),
    ("@TRAILMASK_DATA@", Piece::Data),
    ("/*@TRAILMASK_VENDOR_JS@*/", Piece::Text(VENDOR_JS)),
    ("/*@TRAILMASK_APP_JS@*/", Piece::Text(APP_JS)),
];

#[derive(Clone, Copy)]
enum Piece {
    Text(&'static str),
    Data,
}

/// Writes the report page: the template with the style, the vendored JS and the app JS
/// inlined, and `data_json` (report data as serialized by serde_json) embedded as the page's
/// data element.
///
/// # Errors
/// Any write error.
pub fn write(data_json: &str, wtr: &mut dyn Write) -> io::Result<()> {
    let mut rest = TEMPLATE;
    for (marker, piece) in PIECES {
        // The markers are fixed text in a compiled-in template (a unit test checks each is
        // there once, in this order), so a miss is a build defect, reported as an error
        // rather than a panic.
        let (before, after) = rest.split_once(marker).ok_or_else(|| {
            io::Error::other(format!("report template lacks the marker {marker}"))
        })?;
        wtr.write_all(before.as_bytes())?;
        match piece {
            Piece::Text(text) => wtr.write_all(text.as_bytes())?,
            Piece::Data => write_json_for_script(data_json, wtr)?,
        }
        rest = after;
    }
    wtr.write_all(rest.as_bytes())
}

/// Writes `json` so that it can sit inside a `<script>` element and still parse to the same
/// value: `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026` (so no `</script>` can end
/// the element and no `<!--` can open a comment), and U+2028 and U+2029 become `\u2028` and
/// `\u2029` (line terminators to older JavaScript parsers).
///
/// These escapes are valid only inside JSON strings; serde_json writes those characters
/// nowhere else, so its output stays valid JSON with the same value.
///
/// # Errors
/// Any write error.
pub fn write_json_for_script(json: &str, wtr: &mut dyn Write) -> io::Result<()> {
    let bytes = json.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let escape: Option<(&[u8], usize)> = match bytes[i] {
            b'<' => Some((b"\\u003c", 1)),
            b'>' => Some((b"\\u003e", 1)),
            b'&' => Some((b"\\u0026", 1)),
            // U+2028 and U+2029 in UTF-8: E2 80 A8 and E2 80 A9.
            0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                Some(0xA8) => Some((b"\\u2028", 3)),
                Some(0xA9) => Some((b"\\u2029", 3)),
                _ => None,
            },
            _ => None,
        };
        match escape {
            Some((replacement, len)) => {
                wtr.write_all(&bytes[start..i])?;
                wtr.write_all(replacement)?;
                i += len;
                start = i;
            }
            None => i += 1,
        }
    }
    wtr.write_all(&bytes[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str = r#"<script type="application/json" id="trailmask-data">"#;

    fn page(data: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write(&data.to_string(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The text of the data element, cut where an HTML parser would end it: at the first
    /// `</script` after its opening tag.
    fn data_text(page: &str) -> &str {
        let start = page.find(OPEN).expect("data element") + OPEN.len();
        let len = page[start..].find("</script").expect("end of data element");
        &page[start..start + len]
    }

    #[test]
    fn script_end_in_a_role_name_stays_inside_the_json() {
        let hostile = "</script><script>alert(1)</script><!-- & -->\u{2028}\u{2029}";
        let data = serde_json::json!({
            "version": 1,
            "graph": {"nodes": [{"id": format!("role:{hostile}"), "label": hostile}], "edges": []},
        });
        let page = page(&data);
        let text = data_text(&page);
        for banned in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!text.contains(banned), "{banned:?} left in {text:?}");
        }
        assert!(text.contains(r"\u003c/script\u003e\u003cscript\u003e"));
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn escaping_keeps_every_other_character() {
        let text = "plain ロール \u{2027}\u{202a} é \\ \" \u{1b}";
        let json = serde_json::to_string(text).unwrap();
        let mut out = Vec::new();
        write_json_for_script(&json, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), json);
        let mut out = Vec::new();
        write_json_for_script(r#""a<b>c&d""#, &mut out).unwrap();
        assert_eq!(out, br#""a\u003cb\u003ec\u0026d""#);
    }

    #[test]
    fn template_holds_each_marker_once_in_order() {
        let mut rest = TEMPLATE;
        for (marker, _) in PIECES {
            assert_eq!(TEMPLATE.matches(marker).count(), 1, "{marker}");
            rest = rest.split_once(marker).expect(marker).1;
        }
        assert!(TEMPLATE.contains(&format!("{OPEN}@TRAILMASK_DATA@</script>")));
    }

    #[test]
    fn inlined_scripts_cannot_end_their_element() {
        // An inlined script must hold no `</script` (which ends the element) and no `<!--`
        // (which would change how the parser looks for the end).
        for (name, text) in [("vendor", VENDOR_JS), ("app", APP_JS), ("style", STYLE)] {
            let lower = text.to_ascii_lowercase();
            for banned in ["</script", "<!--", "</style"] {
                assert!(!lower.contains(banned), "{name} holds {banned}");
            }
        }
    }

    #[test]
    fn page_is_self_contained() {
        let page = page(&serde_json::json!({"version": 1}));
        assert_eq!(page.matches("<script").count(), 3);
        assert_eq!(page.matches("</script>").count(), 3);
        for remote in ["src=\"http", "href=\"http", "src=\"//", "@import"] {
            assert!(!page.contains(remote), "{remote}");
        }
    }
}
