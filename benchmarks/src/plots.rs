//! Plots with plotters, written as PNG and SVG, with fonts embedded (DejaVu through
//! ab_glyph) so no system font is needed.

use crate::BenchError;
use plotters::coord::Shift;
use plotters::prelude::*;
use sampo_core::{Particles, Target};
use std::path::Path;
use std::sync::Once;

static FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans (regular and bold) as "sans-serif", once.
fn register_fonts() {
    FONTS.call_once(|| {
        // Registration fails only for an unparsable font; DejaVu is embedded.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Series colours: the colour-blind-safe Okabe–Ito palette.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

type DrawResult = Result<(), String>;

fn e2s<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Renders `draw` into `stem.png` and `stem.svg`.
macro_rules! render {
    ($stem:expr, $size:expr, $draw:ident ( $($arg:expr),* )) => {{
        register_fonts();
        let stem: &Path = $stem;
        if let Some(dir) = stem.parent() {
            std::fs::create_dir_all(dir).map_err(|source| BenchError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let png = stem.with_extension("png");
        let fail = |p: &Path, e: String| BenchError::Data {
            path: p.to_path_buf(),
            reason: format!("cannot draw plot: {e}"),
        };
        {
            let root = BitMapBackend::new(&png, $size).into_drawing_area();
            root.fill(&WHITE)
                .map_err(e2s)
                .and_then(|_| $draw(&root, $($arg),*))
                .and_then(|_| root.present().map_err(e2s))
                .map_err(|e| fail(&png, e))?;
        }
        let svg = stem.with_extension("svg");
        let root = SVGBackend::new(&svg, $size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(e2s)
            .and_then(|_| $draw(&root, $($arg),*))
            .and_then(|_| root.present().map_err(e2s))
            .map_err(|e| fail(&svg, e))
    }};
}

/// Plot window of 2-D points: the 0.5%–99.5% range of `reference` per axis, widened
/// by 15%, so stray sampler points do not squash the picture; then the narrower axis
/// is widened about its centre to the other's width, so that the panels (square)
/// show the samples at a 1:1 aspect ratio.
pub fn bounds(reference: &Particles) -> ((f64, f64), (f64, f64)) {
    let q = |j: usize| {
        let mut c = reference.column(j);
        c.sort_by(f64::total_cmp);
        let lo = c[(c.len() as f64 * 0.005) as usize];
        let hi = c[((c.len() as f64 * 0.995) as usize).min(c.len() - 1)];
        let w = (hi - lo).max(1e-9);
        (lo - 0.15 * w, hi + 0.15 * w)
    };
    let (x, y) = (q(0), q(1));
    let w = (x.1 - x.0).max(y.1 - y.0);
    let square = |(lo, hi): (f64, f64)| {
        let c = 0.5 * (lo + hi);
        (c - 0.5 * w, c + 0.5 * w)
    };
    (square(x), square(y))
}

/// Pixels of the y-axis label area of a scatter panel; the right margin is wider by
/// the caption's height, so that the plotting area is square.
const PANEL_LABEL_AREA: u32 = 40;
/// Height of a panel caption (15-point font) in pixels.
const PANEL_CAPTION: u32 = 20;

/// Heat-map resolution of the density background.
const GRID: usize = 120;

/// One panel per sample set: points over the target's density (white = low, blue =
/// high, on a square-root ramp so low-weight modes stay visible) in the window `b`.
pub fn scatter_over_density(
    stem: &Path,
    title: &str,
    target: &dyn Target,
    panels: &[(String, &Particles)],
    b: ((f64, f64), (f64, f64)),
) -> Result<(), BenchError> {
    let ((x0, x1), (y0, y1)) = b;
    let (dx, dy) = ((x1 - x0) / GRID as f64, (y1 - y0) / GRID as f64);
    let mut lp = vec![f64::NEG_INFINITY; GRID * GRID];
    for (k, v) in lp.iter_mut().enumerate() {
        let x = [
            x0 + ((k / GRID) as f64 + 0.5) * dx,
            y0 + ((k % GRID) as f64 + 0.5) * dy,
        ];
        *v = target.log_density(&x);
    }
    let max = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let shade: Vec<f64> = lp
        .iter()
        .map(|v| (v - max).exp().sqrt().clamp(0.0, 1.0))
        .collect();
    let cols = panels.len().clamp(1, 4);
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (340 * cols as u32, 340 * rows as u32 + 40);
    render!(
        stem,
        size,
        draw_scatter(title, &shade, panels, b, (cols, rows))
    )
}

fn draw_scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    shade: &[f64],
    panels: &[(String, &Particles)],
    b: ((f64, f64), (f64, f64)),
    (cols, rows): (usize, usize),
) -> DrawResult {
    let ((x0, x1), (y0, y1)) = b;
    let (dx, dy) = ((x1 - x0) / GRID as f64, (y1 - y0) / GRID as f64);
    let (top, rest) = root.split_vertically(40);
    top.titled(title, ("sans-serif", 22)).map_err(e2s)?;
    let areas = rest.split_evenly((rows, cols));
    for ((name, pts), area) in panels.iter().zip(areas.iter()) {
        let mut chart = ChartBuilder::on(area)
            .caption(name, ("sans-serif", 15))
            .margin(8)
            .margin_right(8 + PANEL_CAPTION)
            .x_label_area_size(PANEL_LABEL_AREA)
            .y_label_area_size(PANEL_LABEL_AREA)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e2s)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .x_desc("x0")
            .y_desc("x1")
            .draw()
            .map_err(e2s)?;
        chart
            .draw_series(shade.iter().enumerate().map(|(k, &t)| {
                let (xa, ya) = (x0 + (k / GRID) as f64 * dx, y0 + (k % GRID) as f64 * dy);
                let c = RGBColor((255.0 - 200.0 * t) as u8, (255.0 - 140.0 * t) as u8, 255);
                Rectangle::new([(xa, ya), (xa + dx, ya + dy)], c.filled())
            }))
            .map_err(e2s)?;
        chart
            .draw_series(
                pts.rows()
                    .filter(|p| p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1)
                    .map(|p| Circle::new((p[0], p[1]), 1, RGBColor(200, 30, 30).filled())),
            )
            .map_err(e2s)?;
    }
    Ok(())
}

/// A line series with optional error bars (± `err`).
pub struct Series {
    /// Legend label.
    pub label: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
    /// Half-widths of error bars, one per point (empty for none).
    pub err: Vec<f64>,
    /// Draw markers only (measurements) instead of a line (a curve).
    pub markers: bool,
    /// Index into [`PALETTE`] (a measurement and its exact curve share one).
    pub color: usize,
}

/// Axes options of [`lines`].
pub struct Axes<'a> {
    /// Title.
    pub title: &'a str,
    /// x-axis label.
    pub x_label: &'a str,
    /// y-axis label.
    pub y_label: &'a str,
    /// Logarithmic x axis.
    pub log_x: bool,
}

/// The corner of the plot holding the fewest data points, for the legend (so it
/// covers as few as possible).
fn emptiest_corner(series: &[Series], log_x: bool) -> SeriesLabelPosition {
    let pts: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!log_x || *x > 0.0))
        .map(|(x, y)| (if log_x { x.ln() } else { x }, y))
        .collect();
    let range = |f: fn(&(f64, f64)) -> f64| {
        pts.iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    let ((xl, xh), (yl, yh)) = (range(|p| p.0), range(|p| p.1));
    // A corner box is 40 % of each axis: about the size of a legend of a few lines.
    let count = |left: bool, top: bool| {
        pts.iter()
            .filter(|(x, y)| {
                let fx = (x - xl) / (xh - xl).max(1e-300);
                let fy = (y - yl) / (yh - yl).max(1e-300);
                (if left { fx <= 0.4 } else { fx >= 0.6 })
                    && (if top { fy >= 0.6 } else { fy <= 0.4 })
            })
            .count()
    };
    [
        (SeriesLabelPosition::UpperLeft, count(true, true)),
        (SeriesLabelPosition::UpperRight, count(false, true)),
        (SeriesLabelPosition::LowerRight, count(false, false)),
        (SeriesLabelPosition::LowerLeft, count(true, false)),
    ]
    .into_iter()
    .min_by_key(|(_, c)| *c)
    .map_or(SeriesLabelPosition::UpperLeft, |(p, _)| p)
}

/// Line/marker plot of several series.
pub fn lines(stem: &Path, axes: &Axes, series: &[Series]) -> Result<(), BenchError> {
    render!(stem, (720, 480), draw_lines(axes, series))
}

fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axes: &Axes,
    series: &[Series],
) -> DrawResult {
    let all = series.iter().flat_map(|s| {
        s.points
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (x, y, s.err.get(i).copied().unwrap_or(0.0)))
    });
    let (mut xl, mut xh, mut yl, mut yh) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y, e) in all.filter(|(x, y, _)| x.is_finite() && y.is_finite()) {
        xl = xl.min(x);
        xh = xh.max(x);
        yl = yl.min(y - e);
        yh = yh.max(y + e);
    }
    if !xl.is_finite() {
        return Err("no finite points to plot".into());
    }
    let pad = 0.06 * (yh - yl).max(1e-12);
    let (yl, yh) = (yl - pad, yh + pad);
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(axes.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60);
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(axes.x_label)
                .y_desc(axes.y_label)
                .draw()
                .map_err(e2s)?;
            for s in series {
                let c = PALETTE[s.color % PALETTE.len()];
                let label = s.label.clone();
                if s.markers {
                    chart
                        .draw_series(
                            s.points
                                .iter()
                                .map(|&(x, y)| Circle::new((x, y), 4, c.filled())),
                        )
                        .map_err(e2s)?
                        .label(label)
                        .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
                    chart
                        .draw_series(s.points.iter().zip(&s.err).map(|(&(x, y), &e)| {
                            PathElement::new(vec![(x, y - e), (x, y + e)], c.stroke_width(2))
                        }))
                        .map_err(e2s)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(s.points.clone(), c.stroke_width(2)))
                        .map_err(e2s)?
                        .label(label)
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                        });
                }
            }
            chart
                .configure_series_labels()
                .position(emptiest_corner(series, axes.log_x))
                .border_style(BLACK)
                .background_style(WHITE.mix(0.85))
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(e2s)?;
            Ok(())
        }};
    }
    if axes.log_x && xl > 0.0 {
        finish!(
            builder
                .build_cartesian_2d((xl / 1.3..xh * 1.3).log_scale(), yl..yh)
                .map_err(e2s)?
        )
    } else {
        let w = 0.04 * (xh - xl).max(1e-12);
        finish!(
            builder
                .build_cartesian_2d(xl - w..xh + w, yl..yh)
                .map_err(e2s)?
        )
    }
}
