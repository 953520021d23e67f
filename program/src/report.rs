//! Output helpers: memory-property flags as text, durations, and the SVG latency plot.

use std::fmt::Write as _;
use std::time::Duration;

use ash::vk;

/// `DEVICE_LOCAL|HOST_VISIBLE|...`, or `none`.
pub fn flags_string(flags: vk::MemoryPropertyFlags) -> String {
    const NAMES: [(vk::MemoryPropertyFlags, &str); 6] = [
        (vk::MemoryPropertyFlags::DEVICE_LOCAL, "DEVICE_LOCAL"),
        (vk::MemoryPropertyFlags::HOST_VISIBLE, "HOST_VISIBLE"),
        (vk::MemoryPropertyFlags::HOST_COHERENT, "HOST_COHERENT"),
        (vk::MemoryPropertyFlags::HOST_CACHED, "HOST_CACHED"),
        (
            vk::MemoryPropertyFlags::LAZILY_ALLOCATED,
            "LAZILY_ALLOCATED",
        ),
        (vk::MemoryPropertyFlags::PROTECTED, "PROTECTED"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(flag, _)| flags.contains(*flag))
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join("|")
    }
}

/// A duration with a unit that keeps three significant digits readable.
pub fn human(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `4 KiB`, `64 MiB`, `1 GiB`.
pub fn bytes(size: u64) -> String {
    match size {
        s if s >= 1 << 30 && s % (1 << 30) == 0 => format!("{} GiB", s >> 30),
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

/// One series of the plot: (size in bytes, latency) points.
pub struct Series<'a> {
    pub label: &'a str,
    pub color: &'a str,
    pub points: Vec<(u64, Duration)>,
}

/// A log-log SVG plot of latency against size.
pub fn svg_plot(title: &str, series: &[Series<'_>]) -> String {
    let (width, height) = (720.0, 440.0);
    let (left, right, top, bottom) = (80.0, 190.0, 40.0, 60.0);
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(size, latency) in all {
        let (x, y) = (
            (size as f64).log2(),
            (latency.as_nanos().max(1) as f64).log10(),
        );
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    if min_x > max_x {
        (min_x, max_x, min_y, max_y) = (0.0, 1.0, 0.0, 1.0);
    }
    let (min_y, max_y) = (min_y.floor(), max_y.ceil().max(min_y.floor() + 1.0));
    let max_x = if max_x > min_x { max_x } else { min_x + 1.0 };
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let px = |x: f64| left + (x - min_x) / (max_x - min_x) * plot_w;
    let py = |y: f64| top + plot_h - (y - min_y) / (max_y - min_y) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="22" font-size="15" text-anchor="middle">{}</text>"#,
        left + plot_w / 2.0,
        escape(title)
    );
    // Horizontal grid: one line per decade of latency.
    let mut decade = min_y as i32;
    while f64::from(decade) <= max_y {
        let y = py(f64::from(decade));
        let label = decade_label(decade);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            left + plot_w,
            left - 6.0,
            y + 4.0
        );
        decade += 1;
    }
    // Vertical grid: one line per measured size.
    let mut sizes: Vec<u64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    for size in sizes {
        let x = px((size as f64).log2());
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            top + plot_h,
            top + plot_h + 18.0,
            bytes(size)
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">buffer size (log scale)</text>"#,
        left + plot_w / 2.0,
        height - 15.0
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">latency (log scale)</text>"#,
        top + plot_h / 2.0
    );
    for (i, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|&(size, latency)| {
                format!(
                    "{:.1},{:.1}",
                    px((size as f64).log2()),
                    py((latency.as_nanos().max(1) as f64).log10())
                )
            })
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            points.join(" "),
            s.color
        );
        for point in &points {
            let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                svg,
                r#"<circle cx="{x}" cy="{y}" r="3.5" fill="{}"/>"#,
                s.color
            );
        }
        let ly = top + 20.0 + 22.0 * i as f64;
        let lx = left + plot_w + 16.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
            lx + 22.0,
            s.color,
            lx + 28.0,
            ly + 4.0,
            escape(s.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// `1 ns`, `10 µs`, `100 ms`, `1 s` for the latency 10^`decade` nanoseconds.
fn decade_label(decade: i32) -> String {
    const UNITS: [&str; 4] = ["ns", "µs", "ms", "s"];
    let decade = decade.clamp(0, 11) as usize;
    format!("{} {}", 10u64.pow((decade % 3) as u32), UNITS[decade / 3])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_named_in_vulkan_order() {
        let flags = vk::MemoryPropertyFlags::HOST_COHERENT | vk::MemoryPropertyFlags::DEVICE_LOCAL;
        assert_eq!(flags_string(flags), "DEVICE_LOCAL|HOST_COHERENT");
        assert_eq!(flags_string(vk::MemoryPropertyFlags::empty()), "none");
    }

    #[test]
    fn latency_decades_are_labelled_without_decimals() {
        assert_eq!(decade_label(0), "1 ns");
        assert_eq!(decade_label(4), "10 µs");
        assert_eq!(decade_label(8), "100 ms");
        assert_eq!(decade_label(9), "1 s");
    }

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(bytes(4096), "4 KiB");
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(1000), "1000 B");
    }

    #[test]
    fn plot_has_one_polyline_and_legend_per_series() {
        let series = [
            Series {
                label: "zero-copy <import>",
                color: "#1f77b4",
                points: vec![
                    (4096, Duration::from_micros(20)),
                    (1 << 20, Duration::from_micros(25)),
                ],
            },
            Series {
                label: "copy",
                color: "#d62728",
                points: vec![
                    (4096, Duration::from_micros(30)),
                    (1 << 20, Duration::from_millis(2)),
                ],
            },
        ];
        let svg = svg_plot("t", &series);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains("zero-copy &lt;import&gt;"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
