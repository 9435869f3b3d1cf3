// Our small plotting module, drawn with Dear ImGui's ImDrawList (ImPlot is not packaged for
// Debian 12 and its current versions do not build against ImGui 1.86; see anchors.md C.2).
//
// [SECTION] Axis helpers   — nice linear ticks (1-2-5 × 10^k), decade ticks for log axes, ranges
// [SECTION] LinePlot       — lines, bands and horizontal reference lines on linear or log axes,
//                            with ticks, axis labels, a legend and a hover read-out
// [SECTION] Bar chart      — grouped bars (one group per series, one cluster per category)
//
// Shape (modelled on ImPlot's Begin/Plot/End): construct a LinePlot, add series (the data is
// referenced, not copied: it must stay alive until draw()), then call draw(), which lays the plot
// out at the current ImGui cursor and returns the screen rectangle it covers (PNG export crops to
// it). Non-finite values, and values <= 0 on a log axis, break a line instead of being drawn.
#pragma once

#include <imgui.h>

#include <limits>
#include <span>
#include <string>
#include <vector>

namespace ss::plot {

// [SECTION] Axis helpers ------------------------------------------------------------------------

/// A rectangle in screen pixels (top-left min, bottom-right max).
struct ScreenRect {
  ImVec2 min, max;
  float width() const { return max.x - min.x; }
  float height() const { return max.y - min.y; }
};

enum class Scale { Linear, Log10 };

/// Tick positions (in data units) and their labels.
struct Ticks {
  std::vector<double> values;
  std::vector<std::string> labels;
};

/// A closed data interval; `valid()` is false for an empty one.
struct Range {
  double min = 0, max = 0;
  bool valid() const { return max > min; }
};

/// "Nice" ticks with a step of 1, 2 or 5 × 10^k covering [lo, hi], about `target` of them.
/// Returns no ticks when hi <= lo or either end is not finite.
Ticks linear_ticks(double lo, double hi, int target);
/// Ticks for a log10 axis over [lo, hi] (both > 0): every decade 10^k inside, thinned to at most
/// `max_ticks`; when the range holds fewer than two decades, 1-2-5 ticks inside it instead.
Ticks log_ticks(double lo, double hi, int max_ticks = 8);
/// Compact, locale-independent label: "0", "0.25", "1500", "1e-05", "2.5e+06".
std::string format_value(double v);
/// Range of the finite values in `v` (only > 0 ones when `scale` is Log10); when there is none,
/// min = +inf and max = -inf. A single value gives min == max.
Range finite_range(std::span<const double> v, Scale scale);
/// Adds `fraction` of the span on both sides (multiplicatively on a log axis); a degenerate range
/// (min == max) is widened to ±50 % (or ±1 around 0, or one decade each way on a log axis).
Range padded(Range r, Scale scale, double fraction);
/// Maps a data value to [0, 1] along the axis (log10 of the value on a log axis).
double axis_fraction(double v, const Range& r, Scale scale);

// [SECTION] LinePlot ----------------------------------------------------------------------------

struct LinePlotOptions {
  std::string title;
  std::string x_label, y_label;
  Scale x_scale = Scale::Linear;
  Scale y_scale = Scale::Linear;
  bool legend = true;
  /// Lines in the legend too (false: only bands and reference lines, when the lines' colours
  /// are explained once elsewhere, e.g. one key of method colours for all plots).
  bool legend_lines = true;
  /// When finite: the y axis ends here at most (lines above it leave the plot at its top), so one
  /// run that blows up does not flatten everyone else's curves.
  double y_cap = std::numeric_limits<double>::quiet_NaN();
};

/// How a line is stroked: a dash pattern and a marker at its data points (every few points, so
/// markers stay apart). Lines of one colour are told apart by these (e.g. one line per mode of a
/// method: the method's colour, the mode's dash and marker).
enum class Dash { solid, dashed, dotted, dash_dot };
enum class Marker { none, circle, square, triangle, diamond };
struct LineStyle {
  Dash dash = Dash::solid;
  Marker marker = Marker::none;
};
/// Style number k of a cycle of distinct styles: k = 0 solid with circles, 1 dotted with
/// squares, 2 dash-dot with triangles, 3 solid with diamonds, 4 dotted with circles, ... (never
/// `dashed`, which reference lines use).
LineStyle cycled_style(int k);

/// Dash pattern as alternating on/off lengths in pixels (empty: solid).
std::vector<float> dash_pattern(Dash dash);
/// Splits the polyline `pts` into the drawn pieces of `pattern` (alternating on/off lengths,
/// restarted at the polyline's start); solid (empty pattern) gives the polyline itself. Pieces
/// with fewer than two points are dropped.
std::vector<std::vector<ImVec2>> dash_polyline(std::span<const ImVec2> pts,
                                               std::span<const float> pattern);

class LinePlot {
 public:
  /// `id` must be unique in the window; `size` in pixels (x <= 0: available width).
  LinePlot(const char* id, ImVec2 size, LinePlotOptions options);

  /// Series whose label starts with "##" are left out of the legend (the hover read-out shows
  /// the rest of the label).
  ///
  /// A polyline through (x[i], y[i]); x must be non-decreasing for the hover read-out.
  void line(std::string label, ImU32 color, std::span<const double> x, std::span<const double> y,
            float thickness = 1.8f, LineStyle style = {});
  /// A filled band between lo[i] and hi[i] over x[i] (e.g. the i.i.d. KSD band).
  void band(std::string label, ImU32 color, std::span<const double> x, std::span<const double> lo,
            std::span<const double> hi);
  /// A horizontal dashed reference line at y across the whole plot.
  void hline(std::string label, ImU32 color, double y);

  /// Lays out and draws everything; returns the full rectangle (title and axes included).
  ScreenRect draw();

  /// The data ranges draw() used (after padding); valid after draw().
  const Range& x_range() const { return xr_; }
  const Range& y_range() const { return yr_; }

 private:
  struct Series {
    enum Kind { Line, Band, HLine } kind;
    std::string label;
    ImU32 color;
    std::span<const double> x, y, y2;
    double level = 0;
    float thickness = 1.8f;
    LineStyle style;
  };
  std::string id_;
  ImVec2 size_;
  LinePlotOptions opt_;
  std::vector<Series> series_;
  Range xr_, yr_;
};

// [SECTION] Bar chart ---------------------------------------------------------------------------

/// One series of bars: a value per category (missing values may be NaN: not drawn).
struct BarSeries {
  std::string label;
  ImU32 color;
  std::vector<double> values;
};

/// Grouped bar chart: one cluster per category, one bar per series, linear y axis from 0.
/// Hovering a cluster shows every series' value. Returns the rectangle covered.
ScreenRect bar_chart(const char* id, ImVec2 size, const std::string& title,
                     const std::vector<std::string>& categories,
                     const std::vector<BarSeries>& series, const std::string& y_label);

/// `text` cut to at most `width` pixels in the current font, ending in "..." when cut (at a
/// UTF-8 character boundary, so "σ²" is never split); "..." alone when nothing fits.
std::string fit_text(const std::string& text, float width);

/// Multiplier of every plot line's thickness (presentation mode draws thicker lines); 1 by
/// default, clamped to [0.5, 4].
float line_scale();
void set_line_scale(float scale);

/// A distinct, colour-blind-friendly colour for series i (Okabe–Ito order), with alpha.
ImU32 series_color(int i, float alpha = 1.0f);

}  // namespace ss::plot
