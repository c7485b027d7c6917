package dev.lakeml.ml.report;

import static dev.lakeml.ml.report.Markup.coordinate;
import static dev.lakeml.ml.report.Markup.escape;

import java.util.ArrayList;
import java.util.List;

/**
 * Inline SVG charts drawn by hand: bars, horizontal bars, an x-y plot on [0, 1] and trends. Every
 * mark carries a {@code <title>} (shown on hover) and its value in {@code data-value}; non-finite
 * values draw no mark and are labelled "n/a", so no coordinate is ever NaN.
 */
final class Charts {
  private Charts() {}

  static final int WIDTH = 640;

  /** One bar: its value, the text drawn above it, CSS classes (colour) and hover text. */
  record Bar(double value, String label, String cssClass, String tooltip) {
    /** A bar labelled with its value as a metric. */
    Bar(double value, String cssClass, String tooltip) {
      this(value, Markup.number(value), cssClass, tooltip);
    }
  }

  /** Bars drawn side by side over one category label. */
  record Group(String label, List<Bar> bars) {}

  /** A bar drawn as a row of a horizontal chart. */
  record Row(String label, double value, String tooltip) {}

  /** A legend entry. */
  record Series(String name, String cssClass) {}

  /** A circle of an x-y plot; radius in pixels. */
  record Dot(double x, double y, double radius, String tooltip) {}

  /** A linear scale from a domain [lo, hi] with tick step to pixels [r0, r1]. */
  record Scale(double lo, double hi, double step, double r0, double r1) {
    /** A domain that includes zero and the finite values, widened to round ticks. */
    static Scale including(List<Double> values, double r0, double r1) {
      double min = 0;
      double max = 0;
      for (double v : values) {
        if (Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      // Keep the span finite; bars beyond the domain are clamped to its edge (see at).
      min = Math.max(min, -Double.MAX_VALUE / 4);
      max = Math.min(max, Double.MAX_VALUE / 4);
      double step = max - min > 0 ? niceStep((max - min) / 5) : 0;
      double lo = step > 0 ? Math.floor(min / step) * step : 0;
      double hi = step > 0 ? Math.ceil(max / step) * step : 0;
      if (!(step > 0 && hi > lo && Double.isFinite(hi - lo))) {
        return unit(r0, r1);
      }
      return new Scale(lo, hi, step, r0, r1);
    }

    static Scale unit(double r0, double r1) {
      return new Scale(0, 1, 0.2, r0, r1);
    }

    double at(double v) {
      double inside = Math.max(lo, Math.min(hi, v));
      return r0 + (inside - lo) / (hi - lo) * (r1 - r0);
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      long n = Math.round((hi - lo) / step);
      for (long i = 0; i <= n && i <= 20; i++) {
        ticks.add(lo + i * step);
      }
      return ticks;
    }

    private static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double f = raw / magnitude;
      double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
      return nice * magnitude;
    }
  }

  /** Vertical bars in groups (one group per category), a y axis with ticks, and a legend. */
  static String bars(
      String id, String title, String yLabel, List<Group> groups, List<Series> legend) {
    int height = 320;
    double left = 64;
    double right = WIDTH - 16;
    double top = 48;
    double bottom = height - 72;
    List<Double> values = new ArrayList<>();
    groups.forEach(g -> g.bars().forEach(b -> values.add(b.value())));
    Scale y = Scale.including(values, bottom, top);
    StringBuilder svg = open(id, title, WIDTH, height);
    yAxis(svg, y, left, right, yLabel);
    double zero = y.at(0);
    line(svg, "axis", left, zero, right, zero);
    double groupWidth = (right - left) / Math.max(1, groups.size());
    boolean slanted = groups.size() > 8;
    boolean valueLabels = values.size() <= 24;
    for (int g = 0; g < groups.size(); g++) {
      Group group = groups.get(g);
      int n = Math.max(1, group.bars().size());
      double barWidth = Math.min(56, groupWidth * 0.8 / n);
      double start = left + g * groupWidth + (groupWidth - barWidth * n) / 2;
      for (int b = 0; b < group.bars().size(); b++) {
        Bar bar = group.bars().get(b);
        double x = start + b * barWidth;
        double cx = x + barWidth / 2;
        if (!Double.isFinite(bar.value())) {
          text(svg, "value na", cx, zero - 4, "middle", "n/a");
          continue;
        }
        double end = y.at(bar.value());
        svg.append("<rect class=\"bar ")
            .append(escape(bar.cssClass()))
            .append("\" x=\"")
            .append(coordinate(x + 1))
            .append("\" y=\"")
            .append(coordinate(Math.min(zero, end)))
            .append("\" width=\"")
            .append(coordinate(Math.max(1, barWidth - 2)))
            .append("\" height=\"")
            .append(coordinate(Math.abs(zero - end)))
            .append("\" data-value=\"")
            .append(bar.value())
            .append("\"><title>")
            .append(escape(bar.tooltip()))
            .append("</title></rect>\n");
        if (valueLabels) {
          text(svg, "value", cx, bar.value() >= 0 ? end - 4 : end + 12, "middle", bar.label());
        }
      }
      double labelX = left + g * groupWidth + groupWidth / 2;
      String label = shorten(group.label(), slanted ? 18 : 24);
      if (slanted) {
        svg.append("<text class=\"label\" text-anchor=\"end\" transform=\"translate(")
            .append(coordinate(labelX + 4))
            .append(",")
            .append(coordinate(bottom + 14))
            .append(") rotate(-40)\">")
            .append(escape(label))
            .append("<title>")
            .append(escape(group.label()))
            .append("</title></text>\n");
      } else {
        text(svg, "label", labelX, bottom + 18, "middle", label);
      }
    }
    legend(svg, legend, right);
    return close(svg);
  }

  /** Horizontal bars, one row per item in the given order, with an x axis. */
  static String horizontalBars(String id, String title, String xLabel, List<Row> rows) {
    double left = 200;
    double right = WIDTH - 64;
    double top = 44;
    double rowHeight = 18;
    double bottom = top + rows.size() * rowHeight;
    int height = (int) Math.ceil(bottom + 48);
    Scale x = Scale.including(rows.stream().map(Row::value).toList(), left, right);
    StringBuilder svg = open(id, title, WIDTH, height);
    for (double t : x.ticks()) {
      double px = x.at(t);
      line(svg, "grid", px, top, px, bottom);
      text(svg, "tick", px, bottom + 14, "middle", Markup.tick(t, x.step()));
    }
    text(svg, "axis-label", (left + right) / 2, bottom + 34, "middle", xLabel);
    double zero = x.at(0);
    line(svg, "axis", zero, top, zero, bottom);
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      double y = top + i * rowHeight;
      text(svg, "label", left - 6, y + rowHeight * 0.7, "end", shorten(row.label(), 30));
      if (!Double.isFinite(row.value())) {
        text(svg, "value na", zero + 4, y + rowHeight * 0.7, "start", "n/a");
        continue;
      }
      double end = x.at(row.value());
      svg.append("<rect class=\"bar hbar\" x=\"")
          .append(coordinate(Math.min(zero, end)))
          .append("\" y=\"")
          .append(coordinate(y + 2))
          .append("\" width=\"")
          .append(coordinate(Math.abs(end - zero)))
          .append("\" height=\"")
          .append(coordinate(rowHeight - 4))
          .append("\" data-value=\"")
          .append(row.value())
          .append("\"><title>")
          .append(escape(row.tooltip()))
          .append("</title></rect>\n");
      text(
          svg,
          "value",
          Math.max(zero, end) + 4,
          y + rowHeight * 0.7,
          "start",
          Markup.number(row.value()));
    }
    return close(svg);
  }

  /**
   * An x-y plot on [0, 1] x [0, 1]: a dashed diagonal (perfect calibration, or a random ranking), a
   * curve, and dots. Points outside the unit square are clamped to its edge.
   */
  static String unitPlot(
      String id,
      String title,
      String xLabel,
      String yLabel,
      List<ReportData.CurvePoint> curve,
      List<Dot> dots,
      List<Series> legend) {
    int size = 420;
    double left = 64;
    double right = size - 24;
    double top = 44;
    double bottom = size - 56;
    Scale x = Scale.unit(left, right);
    Scale y = Scale.unit(bottom, top);
    StringBuilder svg = open(id, title, size, size);
    yAxis(svg, y, left, right, yLabel);
    for (double t : x.ticks()) {
      double px = x.at(t);
      line(svg, "grid", px, top, px, bottom);
      text(svg, "tick", px, bottom + 14, "middle", Markup.tick(t, x.step()));
    }
    line(svg, "axis", left, bottom, right, bottom);
    line(svg, "axis", left, top, left, bottom);
    text(svg, "axis-label", (left + right) / 2, bottom + 36, "middle", xLabel);
    svg.append("<line class=\"diagonal\" x1=\"")
        .append(coordinate(x.at(0)))
        .append("\" y1=\"")
        .append(coordinate(y.at(0)))
        .append("\" x2=\"")
        .append(coordinate(x.at(1)))
        .append("\" y2=\"")
        .append(coordinate(y.at(1)))
        .append("\"><title>reference: y = x</title></line>\n");
    List<String> points = new ArrayList<>();
    for (ReportData.CurvePoint p : curve) {
      if (Double.isFinite(p.x()) && Double.isFinite(p.y())) {
        points.add(coordinate(x.at(clamp(p.x()))) + "," + coordinate(y.at(clamp(p.y()))));
      }
    }
    if (!points.isEmpty()) {
      svg.append("<polyline class=\"curve\" points=\"")
          .append(String.join(" ", points))
          .append("\"><title>")
          .append(escape(title))
          .append(" (")
          .append(points.size())
          .append(" points)</title></polyline>\n");
    }
    for (Dot d : dots) {
      if (!Double.isFinite(d.x()) || !Double.isFinite(d.y()) || !Double.isFinite(d.radius())) {
        continue;
      }
      svg.append("<circle class=\"point\" cx=\"")
          .append(coordinate(x.at(clamp(d.x()))))
          .append("\" cy=\"")
          .append(coordinate(y.at(clamp(d.y()))))
          .append("\" r=\"")
          .append(coordinate(d.radius()))
          .append("\"><title>")
          .append(escape(d.tooltip()))
          .append("</title></circle>\n");
    }
    legend(svg, legend, right);
    return close(svg);
  }

  /** One line of a trend chart: a value per x position, NaN where there is none. */
  record Line(String name, String cssClass, List<Double> values) {}

  /**
   * Lines over evenly spaced categories (dates), on a y scale that includes zero and every value. A
   * position whose value is NaN draws no point and breaks the line there; positions listed in
   * {@code marked} get a shaded band with {@code markLabel} on hover (e.g. dates whose labels are
   * not mature yet).
   */
  static String trend(
      String id,
      String title,
      String yLabel,
      List<String> categories,
      List<Line> lines,
      List<Integer> marked,
      String markLabel) {
    int n = Math.max(1, categories.size());
    double left = 64;
    double right = WIDTH - 24;
    double top = 44;
    double bottom = 250;
    List<Double> all = new ArrayList<>();
    lines.forEach(l -> all.addAll(l.values()));
    Scale y = Scale.including(all, bottom, top);
    double slot = (right - left) / n;
    StringBuilder svg = open(id, title, WIDTH, 300);
    for (int i : marked) {
      svg.append("<rect class=\"marked\" x=\"")
          .append(coordinate(left + i * slot))
          .append("\" y=\"")
          .append(coordinate(top))
          .append("\" width=\"")
          .append(coordinate(slot))
          .append("\" height=\"")
          .append(coordinate(bottom - top))
          .append("\"><title>")
          .append(escape(categories.get(i) + ": " + markLabel))
          .append("</title></rect>\n");
    }
    yAxis(svg, y, left, right, yLabel);
    line(svg, "axis", left, bottom, right, bottom);
    int every = Math.max(1, (int) Math.ceil(categories.size() / 8.0));
    for (int i = 0; i < categories.size(); i += every) {
      text(svg, "tick", left + (i + 0.5) * slot, bottom + 14, "middle", categories.get(i));
    }
    for (Line l : lines) {
      List<String> run = new ArrayList<>();
      for (int i = 0; i <= l.values().size(); i++) {
        double v = i < l.values().size() ? l.values().get(i) : Double.NaN;
        if (Double.isFinite(v)) {
          double px = left + (i + 0.5) * slot;
          double py = y.at(v);
          run.add(coordinate(px) + "," + coordinate(py));
          svg.append("<circle class=\"point ")
              .append(escape(l.cssClass()))
              .append("\" cx=\"")
              .append(coordinate(px))
              .append("\" cy=\"")
              .append(coordinate(py))
              .append("\" r=\"3\" data-value=\"")
              .append(Markup.number(v))
              .append("\"><title>")
              .append(escape(l.name() + ", " + categories.get(i) + ": " + Markup.number(v)))
              .append("</title></circle>\n");
        } else {
          if (run.size() > 1) {
            svg.append("<polyline class=\"curve ")
                .append(escape(l.cssClass()))
                .append("\" points=\"")
                .append(String.join(" ", run))
                .append("\"/>\n");
          }
          run.clear();
        }
      }
    }
    legend(svg, lines.stream().map(l -> new Series(l.name(), l.cssClass())).toList(), right);
    return close(svg);
  }

  private static double clamp(double v) {
    return Math.max(0, Math.min(1, v));
  }

  private static void yAxis(StringBuilder svg, Scale y, double left, double right, String label) {
    for (double t : y.ticks()) {
      double py = y.at(t);
      line(svg, "grid", left, py, right, py);
      text(svg, "tick", left - 6, py + 4, "end", Markup.tick(t, y.step()));
    }
    line(svg, "axis", left, y.r1(), left, y.r0());
    double middle = (y.r0() + y.r1()) / 2;
    svg.append("<text class=\"axis-label\" text-anchor=\"middle\" transform=\"translate(")
        .append(coordinate(left - 46))
        .append(",")
        .append(coordinate(middle))
        .append(") rotate(-90)\">")
        .append(escape(label))
        .append("</text>\n");
  }

  /** Legend entries in one row on the title line, ending at the plot's right edge. */
  private static void legend(StringBuilder svg, List<Series> legend, double right) {
    double width = 0;
    for (Series s : legend) {
      width += entryWidth(s);
    }
    double x = right - width;
    for (Series s : legend) {
      svg.append("<rect class=\"legend-key ")
          .append(escape(s.cssClass()))
          .append("\" x=\"")
          .append(coordinate(x))
          .append("\" y=\"11\" width=\"10\" height=\"10\"/>\n");
      text(svg, "legend", x + 14, 20, "start", shorten(s.name(), 22));
      x += entryWidth(s);
    }
  }

  private static double entryWidth(Series s) {
    return 28 + 6.5 * Math.min(22, s.name().length());
  }

  private static StringBuilder open(String id, String title, int width, int height) {
    StringBuilder svg = new StringBuilder(4096);
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"")
        .append(escape(id))
        .append("\" class=\"chart\" role=\"img\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" aria-label=\"")
        .append(escape(title))
        .append("\">\n");
    text(svg, "chart-title", 12, 20, "start", title);
    return svg;
  }

  private static String close(StringBuilder svg) {
    return svg.append("</svg>\n").toString();
  }

  private static void line(
      StringBuilder svg, String cssClass, double x1, double y1, double x2, double y2) {
    svg.append("<line class=\"")
        .append(cssClass)
        .append("\" x1=\"")
        .append(coordinate(x1))
        .append("\" y1=\"")
        .append(coordinate(y1))
        .append("\" x2=\"")
        .append(coordinate(x2))
        .append("\" y2=\"")
        .append(coordinate(y2))
        .append("\"/>\n");
  }

  private static void text(
      StringBuilder svg, String cssClass, double x, double y, String anchor, String content) {
    svg.append("<text class=\"")
        .append(cssClass)
        .append("\" x=\"")
        .append(coordinate(x))
        .append("\" y=\"")
        .append(coordinate(y))
        .append("\" text-anchor=\"")
        .append(anchor)
        .append("\">")
        .append(escape(content))
        .append("</text>\n");
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
  }
}
