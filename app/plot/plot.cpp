#include "app/plot/plot.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ss::plot {

namespace {

bool usable(double v, Scale s) {
  return std::isfinite(v) && (s == Scale::Linear || v > 0);
}

double nice_step(double span, int target) {
  const double raw = span / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  const double m = r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10;
  return m * mag;
}

ImU32 with_alpha(ImU32 c, float a) {
  const unsigned alpha = static_cast<unsigned>(((c >> IM_COL32_A_SHIFT) & 0xFF) * a);
  return (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
}

// A label as the hover read-out shows it: without the "##" that hides it from the legend.
const char* shown_label(const std::string& label) {
  return label.c_str() + (label.rfind("##", 0) == 0 ? 2 : 0);
}

void dashed_hline(ImDrawList* dl, float x0, float x1, float y, ImU32 col, float thickness) {
  for (float x = x0; x < x1; x += 10.0f)
    dl->AddLine(ImVec2(x, y), ImVec2(std::min(x + 6.0f, x1), y), col, thickness);
}

}  // namespace

// [SECTION] Axis helpers ------------------------------------------------------------------------

Ticks linear_ticks(double lo, double hi, int target) {
  Ticks t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return t;
  const double step = nice_step(hi - lo, target);
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (int k = 0; k < 1000; ++k) {
    double v = first + k * step;
    if (v > hi + 1e-9 * step) break;
    if (std::abs(v) < 1e-12 * step) v = 0;  // avoid "-0" and 1e-17 labels
    t.values.push_back(v);
    t.labels.push_back(format_value(v));
  }
  return t;
}

Ticks log_ticks(double lo, double hi, int max_ticks) {
  Ticks t;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return t;
  const int k0 = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int k1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  if (k1 - k0 + 1 >= 2) {
    const int stride = std::max(1, (k1 - k0 + 1 + max_ticks - 1) / std::max(1, max_ticks));
    for (int k = k0; k <= k1; k += stride) {
      t.values.push_back(std::pow(10.0, k));
      t.labels.push_back(format_value(std::pow(10.0, k)));
    }
    return t;
  }
  // Less than two decades: 1, 2, 5 multiples of each decade that fall inside.
  for (int k = k0 - 1; k <= k1 + 1; ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
        t.values.push_back(v);
        t.labels.push_back(format_value(v));
      }
    }
  return t;
}

std::string format_value(double v) {
  if (v == 0) return "0";
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  const double a = std::abs(v);
  char buf[32];
  std::to_chars_result r;
  if (a >= 1e-3 && a < 1e5)
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 4);
  else
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, 2);
  std::string s(buf, r.ptr);
  // Trim "2.50e+06" → "2.5e+06" and "1.00e-05" → "1e-05".
  const auto e = s.find('e');
  if (e != std::string::npos) {
    std::string mant = s.substr(0, e), exp = s.substr(e);
    if (mant.find('.') != std::string::npos) {
      while (!mant.empty() && mant.back() == '0') mant.pop_back();
      if (!mant.empty() && mant.back() == '.') mant.pop_back();
    }
    s = mant + exp;
  }
  return s;
}

Range finite_range(std::span<const double> v, Scale scale) {
  Range r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (double x : v)
    if (usable(x, scale)) r.min = std::min(r.min, x), r.max = std::max(r.max, x);
  return r;  // min = +inf, max = -inf when there is none
}

Range padded(Range r, Scale scale, double fraction) {
  if (scale == Scale::Log10) {
    if (!(r.min > 0)) return Range{0.1, 10};
    if (r.max <= r.min) return Range{r.min / 10, r.min * 10};
    const double f = std::pow(r.max / r.min, fraction);
    return Range{r.min / f, r.max * f};
  }
  if (r.max <= r.min) {
    const double d = r.min == 0 ? 1.0 : 0.5 * std::abs(r.min);
    return Range{r.min - d, r.min + d};
  }
  const double d = fraction * (r.max - r.min);
  return Range{r.min - d, r.max + d};
}

double axis_fraction(double v, const Range& r, Scale scale) {
  if (scale == Scale::Log10) return (std::log10(v) - std::log10(r.min)) / std::log10(r.max / r.min);
  return (v - r.min) / (r.max - r.min);
}

std::string fit_text(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  const char* ellipsis = "...";
  const float room = width - ImGui::CalcTextSize(ellipsis).x;
  // The longest prefix that fits (binary search over bytes, backed off to a UTF-8 boundary).
  size_t lo = 0, hi = text.size();
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (ImGui::CalcTextSize(text.data(), text.data() + mid).x <= room)
      lo = mid;
    else
      hi = mid - 1;
  }
  while (lo > 0 && (static_cast<unsigned char>(text[lo]) & 0xC0) == 0x80) --lo;
  return text.substr(0, lo) + ellipsis;
}

static float& line_scale_storage() {
  static float scale = 1.0f;
  return scale;
}

float line_scale() {
  return line_scale_storage();
}

void set_line_scale(float scale) {
  line_scale_storage() = std::clamp(scale, 0.5f, 4.0f);
}

ImU32 series_color(int i, float alpha) {
  // Okabe–Ito palette (colour-blind safe), skipping black.
  static const ImU32 colors[] = {IM_COL32(230, 159, 0, 255),  IM_COL32(86, 180, 233, 255),
                                 IM_COL32(0, 158, 115, 255),  IM_COL32(240, 228, 66, 255),
                                 IM_COL32(0, 114, 178, 255),  IM_COL32(213, 94, 0, 255),
                                 IM_COL32(204, 121, 167, 255)};
  return with_alpha(colors[((i % 7) + 7) % 7], alpha);
}

// [SECTION] LinePlot ----------------------------------------------------------------------------

LinePlot::LinePlot(const char* id, ImVec2 size, LinePlotOptions options)
    : id_(id), size_(size), opt_(std::move(options)) {}

LineStyle cycled_style(int k) {
  static const Dash dashes[] = {Dash::solid, Dash::dotted, Dash::dash_dot};
  static const Marker markers[] = {Marker::circle, Marker::square, Marker::triangle,
                                   Marker::diamond};
  k = std::max(k, 0);
  return LineStyle{dashes[k % 3], markers[k % 4]};
}

std::vector<float> dash_pattern(Dash dash) {
  switch (dash) {
    case Dash::dashed:
      return {8.0f, 5.0f};
    case Dash::dotted:
      return {2.5f, 3.5f};
    case Dash::dash_dot:
      return {9.0f, 3.5f, 2.5f, 3.5f};
    default:
      return {};
  }
}

std::vector<std::vector<ImVec2>> dash_polyline(std::span<const ImVec2> pts,
                                               std::span<const float> pattern) {
  std::vector<std::vector<ImVec2>> out;
  if (pts.size() < 2) return out;
  float total = 0;
  for (float f : pattern) total += std::max(f, 0.0f);
  if (pattern.empty() || !(total > 0)) {
    out.emplace_back(pts.begin(), pts.end());
    return out;
  }
  size_t k = 0;             // current pattern entry (even: on, odd: off)
  float left = pattern[0];  // length left in the current entry
  std::vector<ImVec2> piece{pts[0]};
  for (size_t i = 1; i < pts.size(); ++i) {
    ImVec2 a = pts[i - 1];
    const ImVec2 b = pts[i];
    float seg = std::hypot(b.x - a.x, b.y - a.y);
    while (seg > 0) {
      if (left >= seg) {
        left -= seg;
        if (k % 2 == 0) piece.push_back(b);
        seg = 0;
      } else {
        const float t = left / seg;
        const ImVec2 c(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        if (k % 2 == 0) {
          piece.push_back(c);
          if (piece.size() >= 2) out.push_back(std::move(piece));
          piece.clear();
        } else {
          piece.assign(1, c);
        }
        seg -= left;
        a = c;
        k = (k + 1) % pattern.size();
        left = std::max(pattern[k], 0.0f);
      }
    }
  }
  if (k % 2 == 0 && piece.size() >= 2) out.push_back(std::move(piece));
  return out;
}

namespace {

void draw_marker(ImDrawList* dl, ImVec2 p, Marker m, float r, ImU32 col) {
  switch (m) {
    case Marker::circle:
      dl->AddCircleFilled(p, r, col, 10);
      break;
    case Marker::square:
      dl->AddRectFilled(ImVec2(p.x - r, p.y - r), ImVec2(p.x + r, p.y + r), col);
      break;
    case Marker::triangle:
      dl->AddTriangleFilled(ImVec2(p.x, p.y - 1.2f * r), ImVec2(p.x + 1.1f * r, p.y + 0.8f * r),
                            ImVec2(p.x - 1.1f * r, p.y + 0.8f * r), col);
      break;
    case Marker::diamond:
      dl->AddQuadFilled(ImVec2(p.x, p.y - 1.3f * r), ImVec2(p.x + 1.3f * r, p.y),
                        ImVec2(p.x, p.y + 1.3f * r), ImVec2(p.x - 1.3f * r, p.y), col);
      break;
    default:
      break;
  }
}

// A polyline in a style: dashed pieces, and markers at least ~4 em apart along it.
void styled_polyline(ImDrawList* dl, std::span<const ImVec2> pts, ImU32 col, float thickness,
                     const LineStyle& style, float marker_gap) {
  const std::vector<float> pattern = dash_pattern(style.dash);
  for (const auto& piece : dash_polyline(pts, pattern))
    dl->AddPolyline(piece.data(), int(piece.size()), col, 0, thickness);
  if (style.marker == Marker::none || pts.empty()) return;
  const float r = 1.2f * thickness + 1.5f;
  float since = marker_gap;  // a marker at the first point
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i > 0) since += std::hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
    if (since >= marker_gap || i + 1 == pts.size()) {
      draw_marker(dl, pts[i], style.marker, r, col);
      since = 0;
    }
  }
}

}  // namespace

void LinePlot::line(std::string label, ImU32 color, std::span<const double> x,
                    std::span<const double> y, float thickness, LineStyle style) {
  const size_t n = std::min(x.size(), y.size());
  series_.push_back(
      {Series::Line, std::move(label), color, x.first(n), y.first(n), {}, 0, thickness, style});
}

void LinePlot::band(std::string label, ImU32 color, std::span<const double> x,
                    std::span<const double> lo, std::span<const double> hi) {
  const size_t n = std::min({x.size(), lo.size(), hi.size()});
  series_.push_back({Series::Band, std::move(label), color, x.first(n), lo.first(n), hi.first(n)});
}

void LinePlot::hline(std::string label, ImU32 color, double y) {
  series_.push_back({Series::HLine, std::move(label), color, {}, {}, {}, y});
}

ScreenRect LinePlot::draw() {
  ImGui::PushID(id_.c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  ImVec2 size(size_.x > 0 ? size_.x : std::max(avail.x, 50.0f), size_.y > 0 ? size_.y : 200.0f);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ScreenRect full{p0, ImVec2(p0.x + size.x, p0.y + size.y)};
  ImGui::InvisibleButton("##plot", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fh = ImGui::GetFontSize();
  const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim_col = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid_col = ImGui::GetColorU32(ImGuiCol_Border, 0.6f);

  // Ranges from every series.
  Range xr{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  Range yr = xr;
  auto grow = [](Range& r, const Range& s) {
    if (s.max < s.min) return;
    r.min = std::min(r.min, s.min), r.max = std::max(r.max, s.max);
  };
  for (const Series& s : series_) {
    if (s.kind == Series::HLine) {
      if (usable(s.level, opt_.y_scale)) grow(yr, Range{s.level, s.level});
      continue;
    }
    if (s.x.empty()) continue;
    grow(xr, finite_range(s.x, opt_.x_scale));
    grow(yr, finite_range(s.y, opt_.y_scale));
    if (!s.y2.empty()) grow(yr, finite_range(s.y2, opt_.y_scale));
  }
  if (std::isfinite(opt_.y_cap) && usable(opt_.y_cap, opt_.y_scale) && yr.max > opt_.y_cap &&
      yr.min < opt_.y_cap)
    yr.max = opt_.y_cap;
  const bool has_data = xr.max >= xr.min && yr.max >= yr.min;
  if (!has_data) {
    xr = opt_.x_scale == Scale::Log10 ? Range{1, 10} : Range{0, 1};
    yr = opt_.y_scale == Scale::Log10 ? Range{1, 10} : Range{0, 1};
  }
  xr_ = padded(xr, opt_.x_scale, 0.0);
  if (opt_.x_scale == Scale::Linear && xr.max <= xr.min) xr_ = padded(xr, opt_.x_scale, 0.02);
  yr_ = padded(yr, opt_.y_scale, 0.06);

  // As many x ticks as fit: labels at least 1.5 em apart, so they never run together.
  Ticks xt;
  for (int target = 6; target >= 2; --target) {
    xt = opt_.x_scale == Scale::Log10 ? log_ticks(xr_.min, xr_.max, target + 2)
                                      : linear_ticks(xr_.min, xr_.max, target);
    float need = 0;
    for (const auto& l : xt.labels) need += ImGui::CalcTextSize(l.c_str()).x + 1.5f * fh;
    if (need <= full.width() - 40.0f) break;
  }
  // As many y ticks as fit the plot's height with a line of text between labels.
  const float est_h = full.height() - 3.0f * fh - 20.0f;
  const int y_target = std::clamp(int(est_h / (2.0f * fh)), 2, 5);
  const Ticks yt = opt_.y_scale == Scale::Log10 ? log_ticks(yr_.min, yr_.max, y_target + 1)
                                                : linear_ticks(yr_.min, yr_.max, y_target);
  float ylab_w = 0;
  for (const auto& l : yt.labels) ylab_w = std::max(ylab_w, ImGui::CalcTextSize(l.c_str()).x);

  // Legend entries flow in rows under the title, outside the plot area (never over the data).
  struct LegendItem {
    size_t series;
    ImVec2 pos;
  };
  std::vector<LegendItem> legend;
  float legend_h = 0;
  if (opt_.legend && !series_.empty()) {
    float lx = 0, ly = 0;
    const float row = fh + 2.0f, avail_w = full.width() - ylab_w - 16.0f;
    for (size_t i = 0; i < series_.size(); ++i) {
      if (!opt_.legend_lines && series_[i].kind == Series::Line) continue;
      if (series_[i].label.rfind("##", 0) == 0) continue;  // hidden from the legend
      const float w = fh * 1.3f + ImGui::CalcTextSize(series_[i].label.c_str()).x + 10.0f;
      if (lx > 0 && lx + w > avail_w) lx = 0, ly += row;
      legend.push_back({i, ImVec2(lx, ly)});
      lx += w;
    }
    legend_h = legend.empty() ? 0.0f : ly + row + 2.0f;
  }
  const float top = ((opt_.title.empty() && opt_.y_label.empty()) ? 4.0f : fh + 6.0f) + legend_h;
  const float left = ylab_w + 8.0f;
  const float bottom = fh + 6.0f + (opt_.x_label.empty() ? 0.0f : fh + 2.0f);
  const ImVec2 a(full.min.x + left, full.min.y + top);
  const ImVec2 b(full.max.x - 8.0f, full.max.y - bottom);
  if (b.x - a.x < 20 || b.y - a.y < 20) {
    ImGui::PopID();
    return full;
  }
  auto sx = [&](double v) {
    return float(a.x + axis_fraction(v, xr_, opt_.x_scale) * (b.x - a.x));
  };
  auto sy = [&](double v) {
    return float(b.y - axis_fraction(v, yr_, opt_.y_scale) * (b.y - a.y));
  };

  dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg, 0.5f));
  if (!opt_.title.empty()) {
    const std::string title = fit_text(opt_.title, full.width() - 4.0f);
    const ImVec2 ts = ImGui::CalcTextSize(title.c_str());
    const float tx = std::clamp(0.5f * (a.x + b.x - ts.x), full.min.x + 2.0f, full.max.x - ts.x);
    dl->AddText(ImVec2(tx, full.min.y + 2.0f), text_col, title.c_str());
  }
  float last_label_end = -1e30f;
  for (size_t i = 0; i < xt.values.size(); ++i) {
    const float x = sx(xt.values[i]);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), grid_col);
    const ImVec2 ts = ImGui::CalcTextSize(xt.labels[i].c_str());
    const float lx = std::clamp(x - 0.5f * ts.x, a.x - ts.x * 0.5f, b.x - ts.x);
    if (lx < last_label_end + 0.5f * fh) continue;  // would touch the previous label
    dl->AddText(ImVec2(lx, b.y + 3.0f), text_col, xt.labels[i].c_str());
    last_label_end = lx + ts.x;
  }
  float last_label_top = 1e30f;
  for (size_t i = 0; i < yt.values.size(); ++i) {
    const float y = sy(yt.values[i]);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), grid_col);
    const ImVec2 ts = ImGui::CalcTextSize(yt.labels[i].c_str());
    if (y + 0.5f * ts.y > last_label_top) continue;  // would touch the label below
    dl->AddText(ImVec2(a.x - ts.x - 4.0f, y - 0.5f * ts.y), text_col, yt.labels[i].c_str());
    last_label_top = y - 0.5f * ts.y;
  }
  if (!opt_.x_label.empty()) {
    const ImVec2 ts = ImGui::CalcTextSize(opt_.x_label.c_str());
    dl->AddText(ImVec2(0.5f * (a.x + b.x - ts.x), full.max.y - fh - 1.0f), dim_col,
                opt_.x_label.c_str());
  }
  // ImGui 1.86 cannot rotate text: the y label sits top-left, when no title takes that row
  // (a title says what the y axis is).
  if (!opt_.y_label.empty() && opt_.title.empty())
    dl->AddText(ImVec2(full.min.x + 2.0f, full.min.y + 2.0f), dim_col, opt_.y_label.c_str());

  dl->PushClipRect(a, b, true);
  std::vector<ImVec2> pts;
  const int max_pts = std::max(64, int(2 * (b.x - a.x)));
  for (const Series& s : series_) {
    if (s.kind == Series::HLine) {
      if (usable(s.level, opt_.y_scale)) dashed_hline(dl, a.x, b.x, sy(s.level), s.color, 1.5f);
      continue;
    }
    const size_t n = s.x.size();
    const size_t stride = std::max<size_t>(1, n / size_t(max_pts));
    if (s.kind == Series::Band) {
      for (size_t i = 0; i < n; i += stride) {
        const size_t j = std::min(n - 1, i + stride);
        if (j == i) break;
        if (!usable(s.x[i], opt_.x_scale) || !usable(s.x[j], opt_.x_scale) ||
            !usable(s.y[i], opt_.y_scale) || !usable(s.y2[i], opt_.y_scale) ||
            !usable(s.y[j], opt_.y_scale) || !usable(s.y2[j], opt_.y_scale))
          continue;
        const ImVec2 q[4] = {ImVec2(sx(s.x[i]), sy(s.y2[i])), ImVec2(sx(s.x[j]), sy(s.y2[j])),
                             ImVec2(sx(s.x[j]), sy(s.y[j])), ImVec2(sx(s.x[i]), sy(s.y[i]))};
        dl->AddConvexPolyFilled(q, 4, s.color);
      }
      continue;
    }
    pts.clear();
    const bool plain = s.style.dash == Dash::solid && s.style.marker == Marker::none;
    auto flush = [&] {
      if (pts.size() >= 2 && plain)
        dl->AddPolyline(pts.data(), int(pts.size()), s.color, 0, s.thickness * line_scale());
      else if (pts.size() >= 2)
        styled_polyline(dl, pts, s.color, s.thickness * line_scale(), s.style, 4.0f * fh);
      else if (pts.size() == 1)
        dl->AddCircleFilled(pts[0], s.thickness * line_scale() + 1.0f, s.color, 8);
      pts.clear();
    };
    for (size_t i = 0; i < n; i += stride) {
      if (!usable(s.x[i], opt_.x_scale) || !usable(s.y[i], opt_.y_scale)) {
        flush();
        continue;
      }
      pts.emplace_back(sx(s.x[i]), sy(s.y[i]));
    }
    if (n > 0 && (n - 1) % stride != 0 && usable(s.x[n - 1], opt_.x_scale) &&
        usable(s.y[n - 1], opt_.y_scale))
      pts.emplace_back(sx(s.x[n - 1]), sy(s.y[n - 1]));
    flush();
  }
  dl->PopClipRect();
  dl->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border));

  // Legend (rows under the title, laid out above).
  for (const LegendItem& it : legend) {
    const Series& se = series_[it.series];
    const ImVec2 p(a.x + it.pos.x, full.min.y + fh + 6.0f + it.pos.y);
    const ImVec2 m0(p.x, p.y + 0.25f * fh), m1(p.x + fh, p.y + 0.75f * fh);
    if (se.kind == Series::Line &&
        (se.style.dash != Dash::solid || se.style.marker != Marker::none)) {
      const ImVec2 seg[2] = {ImVec2(m0.x, 0.5f * (m0.y + m1.y)),
                             ImVec2(m1.x, 0.5f * (m0.y + m1.y))};
      styled_polyline(dl, seg, se.color, 1.8f * line_scale(),
                      LineStyle{se.style.dash, Marker::none}, 1e9f);
      draw_marker(dl, ImVec2(0.5f * (m0.x + m1.x), 0.5f * (m0.y + m1.y)), se.style.marker,
                  0.18f * fh, se.color);
    } else if (se.kind == Series::Line)
      dl->AddLine(ImVec2(m0.x, 0.5f * (m0.y + m1.y)), ImVec2(m1.x, 0.5f * (m0.y + m1.y)), se.color,
                  3.0f * line_scale());
    else if (se.kind == Series::HLine)
      dashed_hline(dl, m0.x, m1.x, 0.5f * (m0.y + m1.y), se.color, 1.5f * line_scale());
    else
      dl->AddRectFilled(m0, m1, with_alpha(se.color, 2.0f));
    dl->AddText(ImVec2(m1.x + 0.3f * fh, p.y), text_col, se.label.c_str());
  }

  // Hover read-out: a vertical guide and, per line, the nearest point at the mouse's x.
  if (hovered && has_data) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= a.x && m.x <= b.x && m.y >= a.y && m.y <= b.y) {
      dl->AddLine(ImVec2(m.x, a.y), ImVec2(m.x, b.y), dim_col);
      const double fx = (m.x - a.x) / (b.x - a.x);
      const double xv = opt_.x_scale == Scale::Log10 ? xr_.min * std::pow(xr_.max / xr_.min, fx)
                                                     : xr_.min + fx * (xr_.max - xr_.min);
      ImGui::BeginTooltip();
      ImGui::Text("%s = %s", opt_.x_label.empty() ? "x" : opt_.x_label.c_str(),
                  format_value(xv).c_str());
      for (const Series& s : series_) {
        if (s.kind == Series::HLine) {
          ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s: %s",
                             shown_label(s.label), format_value(s.level).c_str());
          continue;
        }
        if (s.x.empty()) continue;
        const auto it = std::lower_bound(s.x.begin(), s.x.end(), xv);
        size_t i = size_t(std::min<ptrdiff_t>(it - s.x.begin(), ptrdiff_t(s.x.size()) - 1));
        if (i > 0 && std::abs(s.x[i - 1] - xv) < std::abs(s.x[i] - xv)) --i;
        if (!usable(s.y[i], opt_.y_scale)) continue;
        dl->AddCircleFilled(ImVec2(sx(s.x[i]), sy(s.y[i])), 3.5f, s.color, 10);
        if (s.kind == Series::Band)
          ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(with_alpha(s.color, 3.0f)),
                             "%s: [%s, %s]", shown_label(s.label), format_value(s.y[i]).c_str(),
                             format_value(s.y2[i]).c_str());
        else
          ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s: %s  (at %s)",
                             shown_label(s.label), format_value(s.y[i]).c_str(),
                             format_value(s.x[i]).c_str());
      }
      ImGui::EndTooltip();
    }
  }
  ImGui::PopID();
  return full;
}

// [SECTION] Bar chart ---------------------------------------------------------------------------

ScreenRect bar_chart(const char* id, ImVec2 size, const std::string& title,
                     const std::vector<std::string>& categories,
                     const std::vector<BarSeries>& series, const std::string& y_label) {
  ImGui::PushID(id);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  size = ImVec2(size.x > 0 ? size.x : std::max(avail.x, 50.0f), size.y > 0 ? size.y : 180.0f);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ScreenRect full{p0, ImVec2(p0.x + size.x, p0.y + size.y)};
  ImGui::InvisibleButton("##bars", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fh = ImGui::GetFontSize();
  const ImU32 text_col = ImGui::GetColorU32(ImGuiCol_Text);

  double vmax = 0;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) vmax = std::max(vmax, v);
  if (vmax <= 0) vmax = 1;
  const Range yr{0, vmax * 1.1};
  const Ticks yt = linear_ticks(yr.min, yr.max, 4);
  float ylab_w = 0;
  for (const auto& l : yt.labels) ylab_w = std::max(ylab_w, ImGui::CalcTextSize(l.c_str()).x);
  std::vector<ImVec2> legend_pos;
  float legend_h = 0;
  {
    float lx = 0, ly = 0;
    const float avail_w = size.x - ylab_w - 14.0f;
    for (const auto& s : series) {
      const float w = fh + ImGui::CalcTextSize(s.label.c_str()).x + 12.0f;
      if (lx > 0 && lx + w > avail_w) lx = 0, ly += fh + 2.0f;
      legend_pos.emplace_back(lx, ly);
      lx += w;
    }
    if (!series.empty()) legend_h = ly + fh + 4.0f;
  }
  const ImVec2 a(full.min.x + ylab_w + 8.0f,
                 full.min.y + (title.empty() ? 4.0f : fh + 6.0f) + legend_h);
  const ImVec2 b(full.max.x - 6.0f, full.max.y - fh - 6.0f);
  if (b.x - a.x < 20 || b.y - a.y < 20) {
    ImGui::PopID();
    return full;
  }
  if (!title.empty()) {
    const std::string t = fit_text(title, full.width() - 4.0f);
    const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
    const float tx = std::clamp(0.5f * (a.x + b.x - ts.x), full.min.x + 2.0f, full.max.x - ts.x);
    dl->AddText(ImVec2(tx, full.min.y + 2.0f), text_col, t.c_str());
  }
  // Legend rows under the title (laid out above).
  for (size_t i = 0; i < series.size(); ++i) {
    const ImVec2 p(a.x + legend_pos[i].x,
                   full.min.y + (title.empty() ? 4.0f : fh + 6.0f) + legend_pos[i].y);
    dl->AddRectFilled(ImVec2(p.x, p.y + 0.2f * fh), ImVec2(p.x + 0.7f * fh, p.y + 0.9f * fh),
                      series[i].color);
    dl->AddText(ImVec2(p.x + fh, p.y), text_col, series[i].label.c_str());
  }
  dl->AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_FrameBg, 0.5f));
  auto sy = [&](double v) { return float(b.y - (v - yr.min) / (yr.max - yr.min) * (b.y - a.y)); };
  for (size_t i = 0; i < yt.values.size(); ++i) {
    const float y = sy(yt.values[i]);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), ImGui::GetColorU32(ImGuiCol_Border, 0.6f));
    const ImVec2 ts = ImGui::CalcTextSize(yt.labels[i].c_str());
    dl->AddText(ImVec2(a.x - ts.x - 4.0f, y - 0.5f * ts.y), text_col, yt.labels[i].c_str());
  }
  const size_t nc = categories.size();
  const float cw = nc ? (b.x - a.x) / nc : 0;
  const float bw = series.empty() ? 0 : cw * 0.8f / series.size();
  int hover_cat = -1;
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (size_t c = 0; c < nc; ++c) {
    const float x0 = a.x + c * cw + 0.1f * cw;
    for (size_t s = 0; s < series.size(); ++s) {
      if (c >= series[s].values.size() || !std::isfinite(series[s].values[c])) continue;
      dl->AddRectFilled(ImVec2(x0 + s * bw + 1, sy(series[s].values[c])),
                        ImVec2(x0 + (s + 1) * bw - 1, b.y), series[s].color);
    }
    const ImVec2 ts = ImGui::CalcTextSize(categories[c].c_str());
    if (ts.x < cw || c % std::max<size_t>(1, size_t(ts.x / std::max(cw, 1.0f)) + 1) == 0)
      dl->AddText(ImVec2(a.x + (c + 0.5f) * cw - 0.5f * ts.x, b.y + 3.0f), text_col,
                  categories[c].c_str());
    if (hovered && m.x >= a.x + c * cw && m.x < a.x + (c + 1) * cw) hover_cat = int(c);
  }
  dl->AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Border));
  if (hover_cat >= 0) {
    dl->AddRectFilled(ImVec2(a.x + hover_cat * cw, a.y), ImVec2(a.x + (hover_cat + 1) * cw, b.y),
                      ImGui::GetColorU32(ImGuiCol_HeaderHovered, 0.25f));
    ImGui::BeginTooltip();
    ImGui::TextUnformatted(categories[hover_cat].c_str());
    for (const auto& s : series)
      if (size_t(hover_cat) < s.values.size())
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s: %s", s.label.c_str(),
                           format_value(s.values[hover_cat]).c_str());
    ImGui::EndTooltip();
  }
  if (!y_label.empty())
    dl->AddText(ImVec2(full.min.x, b.y + 3.0f), ImGui::GetColorU32(ImGuiCol_TextDisabled),
                y_label.c_str());
  ImGui::PopID();
  return full;
}

}  // namespace ss::plot
