package dev.lakeml.ml.report;

import java.util.Locale;

/** Escaping and number formatting for XHTML output. */
final class Markup {
  private Markup() {}

  /**
   * Text or attribute value made safe for XHTML: markup characters escaped, and characters XML
   * forbids (most control characters, lone surrogates) replaced, so any name parses.
   */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (Character.isHighSurrogate(c)
              && i + 1 < text.length()
              && Character.isLowSurrogate(text.charAt(i + 1))) {
            out.append(c).append(text.charAt(++i));
          } else if (allowedInXml(c)) {
            out.append(c);
          } else {
            out.append('\uFFFD');
          }
        }
      }
    }
    return out.toString();
  }

  private static boolean allowedInXml(char c) {
    return c == '\t'
        || c == '\n'
        || c == '\r'
        || (c >= 0x20 && c <= 0xD7FF)
        || (c >= 0xE000 && c <= 0xFFFD);
  }

  /** A metric value for people: "n/a" when it is not a finite number. */
  static String number(double value) {
    if (!Double.isFinite(value)) {
      return "n/a";
    }
    double abs = Math.abs(value);
    if (abs >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.4f", value);
  }

  /** A metric value that may be absent. */
  static String number(Double value) {
    return value == null ? "n/a" : number(value.doubleValue());
  }

  /** A signed difference, "n/a" unless both sides are finite. */
  static String difference(Double a, Double b) {
    if (a == null || b == null || !Double.isFinite(a) || !Double.isFinite(b)) {
      return "n/a";
    }
    double d = a - b;
    return (d > 0 ? "+" : "") + number(d);
  }

  /** A version as people write it: "v3" for "3", unchanged when it already starts with v. */
  static String version(String version) {
    return version.startsWith("v") || version.startsWith("V") ? version : "v" + version;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** An SVG coordinate. Callers pass finite values only; anything else is a bug here. */
  static String coordinate(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalStateException("non-finite SVG coordinate: " + v);
    }
    String s = String.format(Locale.ROOT, "%.2f", v);
    return s.equals("-0.00") ? "0.00" : s;
  }

  /** A tick label: as few decimals as the tick step needs. */
  static String tick(double value, double step) {
    int decimals = step >= 1 ? 0 : (int) Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
