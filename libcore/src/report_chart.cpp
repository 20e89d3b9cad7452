// Charts as inline SVG for bk-report -f html: line charts (a line and a point per row,
// one line per series) and bar charts (a bar per row, grouped by series).
//
// The x axis of a line chart is a time axis when every x is a time (a timestamp, or
// text in RFC 3339, YYYY-MM-DD or YYYY-MM, read as UTC where it has no offset): points
// are placed by time and ticks fall on whole calendar units (days, months, years …); a
// number axis when x holds numbers; else one evenly spaced category per distinct x, in
// the order they first appear. Bars always stand on categories. Value axes run over
// "nice" ticks (1, 2 or 5 times a power of ten); bars start at zero.
//
// Series get the Okabe–Ito colours, which stay distinguishable with the common colour
// vision deficiencies; lines after the eighth series repeat them dashed, then dotted.
// Every mark carries data-mark ("line", "point", "bar") and a <title> (a tooltip
// without JavaScript); the <svg> carries data-chart and data-marks, the count of
// points or bars, for tests. Rows without an x or a y (null, or a nan or infinite
// number) are not drawn, and the caption says how many.
#include <algorithm>
#include <cmath>
#include <map>

#include "bk/error.hpp"
#include "bk/text.hpp"
#include "bk/time.hpp"
#include "report_internal.hpp"

namespace bk {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  double raw = (hi - lo) / std::max(1, target);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double r = raw / mag;
  double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
  double step = nice * mag;
  std::vector<double> ticks;
  auto first = static_cast<int64_t>(std::floor(lo / step + 1e-9));
  auto last = static_cast<int64_t>(std::ceil(hi / step - 1e-9));
  for (int64_t i = first; i <= last; ++i) ticks.push_back(mag >= 1 ? i * nice * mag : i * nice / std::round(1 / mag));
  return ticks;
}

namespace report {

namespace {

constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#F0E442", "#000000"};
constexpr int kColours = 8;
constexpr const char* kDashes[] = {"", "7 4", "2 3"};
constexpr int kMaxLineSeries = 24, kMaxBarSeries = 8;
constexpr double kWidth = 760, kPlotTop = 70, kPlotHeight = 260, kRight = 24;
constexpr double kCharWidth = 7;  // px per character at 12px, to lay out labels

enum class Axis { Time, Number, Category };

struct Point {
  double x = 0;  // time (µs), number, or category index
  double y = 0;
  int64_t row = 0;
};

struct Series {
  std::string name;
  std::vector<Point> points;
};

struct Data {
  Axis axis = Axis::Category;
  std::vector<std::string> categories;
  std::vector<Series> series;
  int64_t drawn = 0, skipped = 0;
  double ylo = 0, yhi = 0;
};

std::string num(double v) { return format_number(v, 1, false); }

// "2026-03", "2026-03-01", RFC 3339: the instant (UTC where it has no offset).
bool parse_time_text(std::string_view s, int64_t& micros) {
  const TimeZone& utc = TimeZone::utc();
  if (s.size() == 7 && s[4] == '-') return parse_timestamp(std::string(s) + "-01", utc, micros);
  return s.size() >= 10 && parse_timestamp(s, utc, micros);
}

std::string text_of(const Column& c, int64_t i) {
  std::string s;
  if (c.is_null(i)) return "(null)";
  append_value_text(s, c, i);
  return sanitize_utf8(s);
}

const Column& chart_column(const Input& in, const ChartSpec& spec, const std::string& name) {
  int64_t k = in.data.find(name);
  if (k < 0) no_field("--chart " + spec.text, name, in.data.names, in.name());
  return in.data.columns[k];
}

// The x axis a line chart's column asks for.
Axis x_axis(const ChartSpec& spec, const Column& x, const std::vector<int64_t>& rows) {
  if (spec.kind == ChartSpec::Kind::Bar) return Axis::Category;
  if (x.type == Type::Timestamp) return Axis::Time;
  if (x.type == Type::Int64 || x.type == Type::Float64) return Axis::Number;
  if (x.type != Type::String) return Axis::Category;
  int64_t t = 0, seen = 0;
  for (int64_t r : rows)
    if (!x.is_null(r) && !parse_time_text(x.str(r), t))
      return Axis::Category;
    else
      seen += !x.is_null(r);
  return seen ? Axis::Time : Axis::Category;
}

double y_value(const Column& y, int64_t r, const Input& in, const ChartSpec& spec) {
  if (y.type == Type::Int64) return static_cast<double>(y.ints[r]);
  if (y.type == Type::Float64) return y.floats[r];
  int64_t i = 0;
  double d = 0;
  if (y.type == Type::String) {
    NumberKind k = parse_number(y.str(r), i, d);
    if (k == NumberKind::Int) return static_cast<double>(i);
    if (k == NumberKind::Float) return d;
  }
  throw Error(concat("--chart ", spec.text, ": y=", spec.y, " is '", text_of(y, r), "', not a number"),
              "a chart's y must be a number column")
      .at(in.sources[in.source[r]], in.line[r]);
}

Data collect(const ChartSpec& spec, const Input& in, const std::vector<int64_t>& rows) {
  const Column& x = chart_column(in, spec, spec.x);
  const Column& y = chart_column(in, spec, spec.y);
  const Column* s = spec.series.empty() ? nullptr : &chart_column(in, spec, spec.series);
  Data d;
  d.axis = x_axis(spec, x, rows);
  std::map<std::string, size_t> series_index, category_index;
  std::map<std::pair<size_t, size_t>, int64_t> bar_at;  // (category, series) -> row
  bool first = true;
  for (int64_t r : rows) {
    if (x.is_null(r) || y.is_null(r)) {
      ++d.skipped;
      continue;
    }
    Point p;
    p.row = r;
    p.y = y_value(y, r, in, spec);
    bool bad_x = d.axis == Axis::Number && x.type == Type::Float64 && !std::isfinite(x.floats[r]);
    if (!std::isfinite(p.y) || bad_x) {  // nan, inf (from chunk files): nowhere to draw
      ++d.skipped;
      continue;
    }
    std::string name = s ? text_of(*s, r) : spec.y;
    auto [si, new_series] = series_index.emplace(name, d.series.size());
    if (new_series) d.series.push_back({name, {}});
    if (d.axis == Axis::Time) {
      int64_t t = 0;
      if (x.type == Type::Timestamp)
        t = x.ints[r];
      else
        parse_time_text(x.str(r), t);
      p.x = static_cast<double>(t);
    } else if (d.axis == Axis::Number) {
      p.x = x.type == Type::Int64 ? static_cast<double>(x.ints[r]) : x.floats[r];
    } else {
      auto [ci, new_category] = category_index.emplace(text_of(x, r), d.categories.size());
      if (new_category) d.categories.push_back(ci->first);
      p.x = static_cast<double>(ci->second);
      if (spec.kind == ChartSpec::Kind::Bar) {
        auto [at, fresh] = bar_at.emplace(std::make_pair(ci->second, si->second), r);
        if (!fresh)
          throw Error(concat("--chart ", spec.text, ": a second bar for x=", ci->first, s ? ", series=" + name : "",
                             " (the first is at ", in.where(at->second), ")"),
                      "a bar chart takes one row per x and series; aggregate first")
              .at(in.sources[in.source[r]], in.line[r]);
      }
    }
    d.ylo = first ? p.y : std::min(d.ylo, p.y);
    d.yhi = first ? p.y : std::max(d.yhi, p.y);
    first = false;
    d.series[si->second].points.push_back(p);
    ++d.drawn;
  }
  int most = spec.kind == ChartSpec::Kind::Line ? kMaxLineSeries : kMaxBarSeries;
  if (static_cast<int>(d.series.size()) > most)
    throw Error(concat("--chart ", spec.text, ": ", d.series.size(), " series are more than the ", most,
                       " a chart can keep apart"),
                "draw fewer: filter the rows first with bk cat --where");
  if (spec.kind == ChartSpec::Kind::Line)
    for (auto& se : d.series)
      std::stable_sort(se.points.begin(), se.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  return d;
}

// ---- time ticks ----

struct TimeStep {
  TimeUnit unit;
  int count;
  int64_t micros;  // about how long one step is
  const char* format;
};

const TimeStep kTimeSteps[] = {
    {TimeUnit::Second, 1, kMicrosPerSecond, "%H:%M:%S"},
    {TimeUnit::Second, 5, 5 * kMicrosPerSecond, "%H:%M:%S"},
    {TimeUnit::Second, 15, 15 * kMicrosPerSecond, "%H:%M:%S"},
    {TimeUnit::Second, 30, 30 * kMicrosPerSecond, "%H:%M:%S"},
    {TimeUnit::Minute, 1, kMicrosPerMinute, "%H:%M"},
    {TimeUnit::Minute, 5, 5 * kMicrosPerMinute, "%H:%M"},
    {TimeUnit::Minute, 15, 15 * kMicrosPerMinute, "%H:%M"},
    {TimeUnit::Minute, 30, 30 * kMicrosPerMinute, "%H:%M"},
    {TimeUnit::Hour, 1, kMicrosPerHour, "%m-%d %H:%M"},
    {TimeUnit::Hour, 3, 3 * kMicrosPerHour, "%m-%d %H:%M"},
    {TimeUnit::Hour, 6, 6 * kMicrosPerHour, "%m-%d %H:%M"},
    {TimeUnit::Hour, 12, 12 * kMicrosPerHour, "%m-%d %H:%M"},
    {TimeUnit::Day, 1, kMicrosPerDay, "%Y-%m-%d"},
    {TimeUnit::Day, 2, 2 * kMicrosPerDay, "%Y-%m-%d"},
    {TimeUnit::Day, 7, kMicrosPerWeek, "%Y-%m-%d"},
    {TimeUnit::Month, 1, 30 * kMicrosPerDay, "%Y-%m"},
    {TimeUnit::Month, 3, 91 * kMicrosPerDay, "%Y-%m"},
    {TimeUnit::Month, 6, 182 * kMicrosPerDay, "%Y-%m"},
    {TimeUnit::Year, 1, 365 * kMicrosPerDay, "%Y"},
    {TimeUnit::Year, 2, 730 * kMicrosPerDay, "%Y"},
    {TimeUnit::Year, 5, 1826 * kMicrosPerDay, "%Y"},
    {TimeUnit::Year, 10, 3652 * kMicrosPerDay, "%Y"},
    {TimeUnit::Year, 50, 18262 * kMicrosPerDay, "%Y"},
    {TimeUnit::Year, 100, 36524 * kMicrosPerDay, "%Y"},
};

struct Tick {
  double at;
  std::string label;
};

// The coarsest calendar unit every time starts (monthly data: month), so ticks are
// never finer than the data.
TimeUnit data_unit(const Data& d) {
  const TimeZone& utc = TimeZone::utc();
  TimeUnit units[] = {TimeUnit::Year, TimeUnit::Month, TimeUnit::Day, TimeUnit::Hour, TimeUnit::Minute};
  for (TimeUnit u : units) {
    bool all = true;
    for (const auto& se : d.series)
      for (const auto& p : se.points) all = all && trunc_time(static_cast<int64_t>(p.x), u, utc) == p.x;
    if (all) return u;
  }
  return TimeUnit::Second;
}

// Ticks on whole units: every count-th second, minute, hour or day since the epoch,
// every count-th month or year of the calendar (UTC).
std::vector<Tick> time_ticks(double lo, double hi, int target, TimeUnit finest) {
  const TimeStep* step = &kTimeSteps[std::size(kTimeSteps) - 1];
  for (const auto& s : kTimeSteps)
    if (s.unit >= finest && (hi - lo) / static_cast<double>(s.micros) <= target) {
      step = &s;
      break;
    }
  const TimeZone& utc = TimeZone::utc();
  std::vector<Tick> ticks;
  auto add = [&](int64_t t) {
    std::string label;
    format_time(t, step->format, utc, label);
    ticks.push_back({static_cast<double>(t), label});
  };
  if (step->unit == TimeUnit::Month || step->unit == TimeUnit::Year) {
    for (int64_t t = trunc_time(static_cast<int64_t>(lo), step->unit, utc); t <= hi && ticks.size() < 200;
         t = next_time(t, step->unit, utc)) {
      CivilTime c = to_civil(t, utc);
      int64_t index = step->unit == TimeUnit::Month ? c.year * 12 + c.month - 1 : c.year;
      if (t >= lo && index % step->count == 0) add(t);
    }
  } else {
    int64_t len = step->micros;
    for (int64_t t = static_cast<int64_t>(std::ceil(lo / len)) * len; t <= hi && ticks.size() < 200; t += len) add(t);
  }
  return ticks;
}

// ---- drawing ----

class Svg {
 public:
  std::string out;
  void text(double x, double y, std::string_view s, const char* anchor, const char* extra = "") {
    out += concat("<text x=\"", num(x), "\" y=\"", num(y), "\" text-anchor=\"", anchor, "\"", extra, ">");
    append_html_escaped(out, s);
    out += "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1) {
    out += concat("<line x1=\"", num(x1), "\" y1=\"", num(y1), "\" x2=\"", num(x2), "\" y2=\"", num(y2), "\" stroke=\"",
                  stroke, "\" stroke-width=\"", num(width), "\"/>\n");
  }
};

// Where values land: x and y in data units to pixels.
struct Frame {
  double left, right, top, bottom;
  double xlo, xhi, ylo, yhi;
  double px(double x) const {
    return xhi == xlo ? (left + right) / 2 : left + (x - xlo) / (xhi - xlo) * (right - left);
  }
  double py(double y) const { return bottom - (y - ylo) / (yhi - ylo) * (bottom - top); }
};

// The value ticks: nice numbers over the values (and zero, for bars).
std::vector<double> value_ticks(const Data& d, bool from_zero) {
  double lo = d.ylo, hi = d.yhi;
  if (from_zero) lo = std::min(lo, 0.0), hi = std::max(hi, 0.0);
  if (lo == hi) lo -= 1, hi += 1;
  return nice_ticks(lo, hi, 6);
}

int tick_decimals(const std::vector<double>& ticks) {
  double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
  return std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
}

std::string tooltip(const ChartSpec& spec, const Input& in, const Point& p, const std::string& series) {
  std::string t = concat(spec.x, ": ", text_of(in.data.columns[in.data.find(spec.x)], p.row), ", ", spec.y, ": ",
                         text_of(in.data.columns[in.data.find(spec.y)], p.row));
  return spec.series.empty() ? t : concat(spec.series, ": ", series, ", ", t);
}

void draw_legend(Svg& svg, const Data& d, bool lines) {
  double x = 64, y = 48;
  for (size_t k = 0; k < d.series.size(); ++k) {
    std::string name = d.series[k].name;
    double w = 28 + kCharWidth * static_cast<double>(display_width(name)) + 16;
    if (x + w > kWidth - kRight && x > 64) x = 64, y += 18;
    const char* colour = kPalette[k % kColours];
    if (lines)
      svg.out += concat("<line x1=\"", num(x), "\" y1=\"", num(y - 4), "\" x2=\"", num(x + 20), "\" y2=\"", num(y - 4),
                        "\" stroke=\"", colour, "\" stroke-width=\"2.5\" stroke-dasharray=\"",
                        kDashes[(k / kColours) % 3], "\"/>\n");
    else
      svg.out += concat("<rect x=\"", num(x + 4), "\" y=\"", num(y - 10), "\" width=\"12\" height=\"12\" fill=\"",
                        colour, "\"/>\n");
    svg.text(x + 26, y, name, "start", " data-legend=\"1\"");
    x += w;
  }
}

void draw_value_axis(Svg& svg, const Frame& f, const std::vector<double>& ticks, const ReportOptions& opts,
                     const std::string& name) {
  int dec = tick_decimals(ticks);
  for (double t : ticks) {
    double y = f.py(t);
    svg.line(f.left, y, f.right, y, t == 0 ? "#8c959f" : "#e1e4e8");
    svg.text(f.left - 8, y + 4, format_number(t, dec, opts.group_digits), "end");
  }
  svg.text(16, (f.top + f.bottom) / 2, name, "middle",
           concat(" transform=\"rotate(-90 16 ", num((f.top + f.bottom) / 2), ")\" font-weight=\"600\"").c_str());
}

// Whether category labels would not fit side by side under their bands.
bool labels_turn(const Frame& f, const std::vector<std::string>& cats) {
  double band = (f.right - f.left) / std::max<size_t>(1, cats.size());
  int64_t widest = 0;
  for (const auto& c : cats) widest = std::max(widest, std::min<int64_t>(18, display_width(c)));
  return static_cast<double>(widest) * kCharWidth > band - 4;
}

// Category labels under their band (cut to 18 columns), turned when they would not fit.
void draw_category_axis(Svg& svg, const Frame& f, const std::vector<std::string>& cats, bool bands, bool turn) {
  double band = (f.right - f.left) / std::max<size_t>(1, cats.size());
  for (size_t k = 0; k < cats.size(); ++k) {
    double x = bands ? f.left + band * (k + 0.5) : f.px(static_cast<double>(k));
    std::string label = cats[k];
    int64_t w = 0;
    if (display_width(label) > 18) label = label.substr(0, fit_width(label, 17, w)) + "…";
    svg.line(x, f.bottom, x, f.bottom + 5, "#57606a");
    if (turn)
      svg.text(x, f.bottom + 14, label, "end",
               concat(" transform=\"rotate(-40 ", num(x), " ", num(f.bottom + 14), ")\"").c_str());
    else
      svg.text(x, f.bottom + 18, label, "middle");
  }
}

void draw_x_ticks(Svg& svg, const Frame& f, const std::vector<Tick>& ticks) {
  for (const auto& t : ticks) {
    double x = f.px(t.at);
    if (x < f.left - 0.5 || x > f.right + 0.5) continue;
    svg.line(x, f.top, x, f.bottom, "#eef0f2");
    svg.line(x, f.bottom, x, f.bottom + 5, "#57606a");
    svg.text(x, f.bottom + 18, t.label, "middle");
  }
}

std::vector<Tick> number_ticks(double lo, double hi, const ReportOptions& opts) {
  auto values = nice_ticks(lo, hi, 8);
  int dec = tick_decimals(values);
  std::vector<Tick> ticks;
  for (double v : values) ticks.push_back({v, format_number(v, dec, opts.group_digits)});
  return ticks;
}

void draw_lines(Svg& svg, const Frame& f, const Data& d, const ChartSpec& spec, const Input& in) {
  for (size_t k = 0; k < d.series.size(); ++k) {
    const auto& se = d.series[k];
    const char* colour = kPalette[k % kColours];
    std::string path;
    for (const auto& p : se.points) path += concat(path.empty() ? "M" : " L", num(f.px(p.x)), " ", num(f.py(p.y)));
    svg.out += "<path data-mark=\"line\" data-series=\"";
    append_html_escaped(svg.out, se.name);
    svg.out += concat("\" d=\"", path, "\" fill=\"none\" stroke=\"", colour, "\" stroke-width=\"2.5\"",
                      " stroke-linejoin=\"round\" stroke-dasharray=\"", kDashes[(k / kColours) % 3], "\"/>\n");
    for (const auto& p : se.points) {
      svg.out += concat("<circle data-mark=\"point\" cx=\"", num(f.px(p.x)), "\" cy=\"", num(f.py(p.y)),
                        "\" r=\"3.5\" fill=\"", colour, "\" stroke=\"#fff\" stroke-width=\"1\"><title>");
      append_html_escaped(svg.out, tooltip(spec, in, p, se.name));
      svg.out += "</title></circle>\n";
    }
  }
}

void draw_bars(Svg& svg, const Frame& f, const Data& d, const ChartSpec& spec, const Input& in) {
  double band = (f.right - f.left) / std::max<size_t>(1, d.categories.size());
  double group = band * 0.8, bar = group / static_cast<double>(d.series.size());
  for (size_t k = 0; k < d.series.size(); ++k) {
    for (const auto& p : d.series[k].points) {
      double x = f.left + band * p.x + (band - group) / 2 + bar * static_cast<double>(k);
      double y0 = f.py(0), y1 = f.py(p.y);
      svg.out += concat("<rect data-mark=\"bar\" x=\"", num(x), "\" y=\"", num(std::min(y0, y1)), "\" width=\"",
                        num(std::max(1.0, bar - 1)), "\" height=\"", num(std::fabs(y1 - y0)), "\" fill=\"",
                        kPalette[k % kColours], "\"><title>");
      append_html_escaped(svg.out, tooltip(spec, in, p, d.series[k].name));
      svg.out += "</title></rect>\n";
    }
  }
}

std::string chart_title(const ChartSpec& spec) {
  if (!spec.title.empty()) return spec.title;
  return concat(spec.y, " by ", spec.x, spec.series.empty() ? "" : " and " + spec.series);
}

}  // namespace

std::string render_chart(const ChartSpec& spec, const Input& in, const std::vector<int64_t>& rows,
                         const ReportOptions& opts) {
  Data d = collect(spec, in, rows);
  bool bars = spec.kind == ChartSpec::Kind::Bar;
  std::string kind = bars ? "bar" : "line";
  std::string out = "<figure class=\"chart\">\n";
  if (d.drawn == 0) {
    out += "<figcaption>";
    append_html_escaped(out, concat(chart_title(spec), ": no rows with both ", spec.x, " and ", spec.y));
    return out + "</figcaption>\n</figure>\n";
  }
  auto yticks = value_ticks(d, bars);
  int64_t ylabel = 0;
  for (double t : yticks)
    ylabel = std::max<int64_t>(ylabel, format_number(t, tick_decimals(yticks), opts.group_digits).size());
  Frame f;
  f.left = 40 + kCharWidth * static_cast<double>(ylabel);
  f.right = kWidth - kRight;
  f.top = kPlotTop + 18.0 * static_cast<double>(d.series.size() / 6);
  f.bottom = f.top + kPlotHeight;
  f.ylo = yticks.front(), f.yhi = yticks.back();
  std::vector<Tick> xticks;
  if (d.axis == Axis::Category) {
    double n = static_cast<double>(d.categories.size());
    f.xlo = -0.5, f.xhi = n - 0.5;
  } else {
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (const auto& se : d.series)
      for (const auto& p : se.points) lo = std::min(lo, p.x), hi = std::max(hi, p.x);
    if (lo == hi) lo -= d.axis == Axis::Time ? kMicrosPerDay : 1, hi += d.axis == Axis::Time ? kMicrosPerDay : 1;
    double pad = (hi - lo) * 0.03;  // points off the axes
    f.xlo = lo - pad, f.xhi = hi + pad;
    xticks = d.axis == Axis::Time ? time_ticks(lo, hi, 8, data_unit(d)) : number_ticks(lo, hi, opts);
  }
  bool turn = d.axis == Axis::Category && labels_turn(f, d.categories);
  double height = f.bottom + (turn ? 120 : 56);

  Svg svg;
  svg.out = concat("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", num(kWidth), " ", num(height),
                   "\" width=\"", num(kWidth), "\" height=\"", num(height), "\" role=\"img\" data-chart=\"", kind,
                   "\" data-marks=\"", d.drawn, "\" data-axis=\"",
                   d.axis == Axis::Time     ? "time"
                   : d.axis == Axis::Number ? "number"
                                            : "category",
                   "\" font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"#24292f\">\n<title>");
  append_html_escaped(svg.out, chart_title(spec));
  svg.out += "</title>\n";
  svg.text(kWidth / 2, 24, chart_title(spec), "middle", " font-size=\"16\" font-weight=\"600\"");
  draw_legend(svg, d, !bars);
  draw_value_axis(svg, f, yticks, opts, spec.y);
  if (d.axis == Axis::Category)
    draw_category_axis(svg, f, d.categories, bars, turn);
  else
    draw_x_ticks(svg, f, xticks);
  svg.line(f.left, f.bottom, f.right, f.bottom, "#57606a");
  svg.line(f.left, f.top, f.left, f.bottom, "#57606a");
  svg.text((f.left + f.right) / 2, height - 8, spec.x, "middle", " font-weight=\"600\"");
  if (bars)
    draw_bars(svg, f, d, spec, in);
  else
    draw_lines(svg, f, d, spec, in);
  svg.out += "</svg>\n";
  out += svg.out;
  if (d.skipped) {
    out += "<figcaption>";
    append_html_escaped(
        out, concat(d.skipped, d.skipped == 1 ? " row" : " rows", " without ", spec.x, " or ", spec.y, " not drawn"));
    out += "</figcaption>\n";
  }
  return out + "</figure>\n";
}

}  // namespace report

}  // namespace bk
