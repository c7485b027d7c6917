package dev.lakeml.schemas.features;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Windows and TTLs in the project file: {@code 90d}, {@code 12h}, {@code 30m}, {@code 0}. */
public final class Durations {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,6})\\s*([dhms])");

  public static final String EXPECTED = "a duration such as 7d, 12h, 30m or 45s (0 for none)";

  private Durations() {}

  /** Parses a duration; throws IllegalArgumentException saying what is expected. */
  public static Duration parse(String text) {
    String t = text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = TEXT.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not " + EXPECTED);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "d" -> Duration.ofDays(n);
      case "h" -> Duration.ofHours(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /** The project-file spelling of a duration, in its largest whole unit. */
  public static String format(Duration d) {
    long s = d.getSeconds();
    if (s == 0) {
      return "0";
    }
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0) {
      return s / 3_600 + "h";
    }
    if (s % 60 == 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
