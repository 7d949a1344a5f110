//! A PNG of an SVG picture, rendered without a display or a GPU by resvg
//! (pure Rust), with the bundled font loaded so no system font is needed.

use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg;

use super::ExportError;
use super::text::{DEJAVU_SANS, FONT_FAMILY};

/// The scale a PNG is drawn at unless asked otherwise: two pixels per board
/// unit, sharp on high-density screens and slides.
pub const DEFAULT_PNG_SCALE: f32 = 2.0;

/// The most pixels a PNG may have (about 160 MB while drawing); a larger
/// picture is drawn at a smaller scale, which [`Png::scale`] reports.
pub const MAX_PNG_PIXELS: u64 = 40_000_000;

/// The longest side of a PNG, in pixels.
const MAX_PNG_SIDE: f32 = 32_000.0;

/// A rendered PNG.
#[derive(Clone, Debug, PartialEq)]
pub struct Png {
    /// The PNG file's bytes.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels per SVG unit actually used: the asked scale, or less when the
    /// picture would exceed [`MAX_PNG_PIXELS`].
    pub scale: f32,
}

/// Renders `svg` (as [`super::to_svg`] writes it) to a PNG at `scale` pixels
/// per board unit (2.0 is [`DEFAULT_PNG_SCALE`]). A picture that would exceed
/// [`MAX_PNG_PIXELS`] is drawn at the largest scale that fits.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Png, ExportError> {
    let pixmap = render(svg, scale)?;
    let (width, height) = (pixmap.0.width(), pixmap.0.height());
    let bytes = pixmap
        .0
        .encode_png()
        .map_err(|e| ExportError::Render(format!("cannot encode the PNG: {e}")))?;
    Ok(Png {
        bytes,
        width,
        height,
        scale: pixmap.1,
    })
}

/// Parses and draws `svg`; returns the pixels and the scale used.
pub(crate) fn render(svg: &str, scale: f32) -> Result<(Pixmap, f32), ExportError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(ExportError::Render(format!(
            "the scale must be a positive number, found {scale}"
        )));
    }
    let mut options = usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        ..usvg::Options::default()
    };
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(DEJAVU_SANS.to_vec());
    fonts.set_sans_serif_family(FONT_FAMILY);
    options.fontdb = Arc::new(fonts);
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| ExportError::Render(format!("the SVG cannot be read: {e}")))?;
    let size = tree.size();
    let (w, h) = (f64::from(size.width()), f64::from(size.height()));
    let mut scale = f64::from(scale);
    let pixels = w * h * scale * scale;
    if pixels > MAX_PNG_PIXELS as f64 {
        scale *= (MAX_PNG_PIXELS as f64 / pixels).sqrt();
    }
    let side = w.max(h) * scale;
    if side > f64::from(MAX_PNG_SIDE) {
        scale *= f64::from(MAX_PNG_SIDE) / side;
    }
    let width = (w * scale).ceil().max(1.0) as u32;
    let height = (h * scale).ceil().max(1.0) as u32;
    let mut pixmap = Pixmap::new(width, height).ok_or_else(|| {
        ExportError::Render(format!("cannot make a {width}x{height} pixel picture"))
    })?;
    let scale = scale as f32;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok((pixmap, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_over_the_pixel_budget_is_drawn_smaller() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="20000" height="20000"><rect width="20000" height="20000" fill="#ff0000"/></svg>"##;
        let (pixmap, scale) = render(svg, 2.0).expect("renders");
        assert!(u64::from(pixmap.width()) * u64::from(pixmap.height()) <= MAX_PNG_PIXELS + 40_000);
        assert!(scale < 0.4, "{scale}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(svg_to_png("not svg", 2.0).is_err());
        assert!(svg_to_png("<svg", 2.0).is_err());
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert!(svg_to_png(svg, 0.0).is_err());
        assert!(svg_to_png(svg, f32::NAN).is_err());
        assert_eq!(svg_to_png(svg, 2.0).expect("renders").width, 20);
    }
}
