//! `kc bench --plot out.svg`: one bar per lowering (median ms/step, with the p90 as a
//! whisker), failed or unavailable lowerings named under the chart. SVG only: a PNG
//! would need a font rasterizer and system fonts, which kc does not depend on.
use super::{Options, Row};
use plotters::prelude::*;
use std::path::Path;

pub fn write(path: &Path, o: &Options, rows: &[Row]) -> Result<(), String> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => {}
        Some(ext) => return Err(format!("--plot {}: .{ext} is not supported; write an .svg", path.display())),
        None => return Err(format!("--plot {}: name an .svg file", path.display())),
    }
    let ran: Vec<&Row> = rows.iter().filter(|r| r.error.is_none()).collect();
    let skipped: Vec<String> = rows.iter().filter_map(|r| r.error.as_ref().map(|e| format!("{}: {e}", r.lowering))).collect();
    let top = ran.iter().map(|r| r.p90_ms.max(r.median_ms)).fold(0.0f64, f64::max).max(1e-3) * 1.15;
    let height = 420 + 18 * skipped.len() as u32;
    let area = SVGBackend::new(path, (720, height)).into_drawing_area();
    let err = |e: DrawingAreaErrorKind<std::io::Error>| format!("--plot {}: {e}", path.display());
    area.fill(&WHITE).map_err(err)?;
    let (chart_area, notes) = area.split_vertically(400);
    let n = ran.len().max(1);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(format!("kc bench: {} ({}, batch {}), median ms/step, whisker p90", o.model, o.mode, o.batch), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top) // segments 0..=n-1
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| match x {
            SegmentValue::CenterOf(i) => ran.get(*i).map(|r| r.lowering.clone()).unwrap_or_default(),
            _ => String::new(),
        })
        .y_desc("ms per step")
        .draw()
        .map_err(err)?;
    let colors = [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(214, 39, 40), RGBColor(148, 103, 189)];
    for (i, r) in ran.iter().enumerate() {
        let c = colors[i % colors.len()];
        chart
            .draw_series(std::iter::once(Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), r.median_ms)], c.mix(0.8).filled())))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(SegmentValue::CenterOf(i), r.median_ms), (SegmentValue::CenterOf(i), r.p90_ms)], BLACK.stroke_width(2))))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(format!("{:.3}", r.median_ms), (SegmentValue::CenterOf(i), r.p90_ms.max(r.median_ms) + top * 0.02), ("sans-serif", 14))))
            .map_err(err)?;
    }
    for (k, s) in skipped.iter().enumerate() {
        notes.draw(&Text::new(s.clone(), (16, 4 + 18 * k as i32), ("sans-serif", 13).into_font().color(&RGBColor(90, 90, 90)))).map_err(err)?;
    }
    area.present().map_err(err)
}
