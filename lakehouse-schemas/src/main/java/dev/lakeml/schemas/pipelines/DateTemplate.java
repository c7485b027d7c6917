package dev.lakeml.schemas.pipelines;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The logical-date templates a pipeline step's arguments may hold. They are a small subset of
 * Airflow's Jinja templates, so a generated DAG passes them to Airflow unchanged and {@code lakeml
 * run} renders them itself to the same text:
 *
 * <ul>
 *   <li>{@code {{ ds }}}: the logical date, {@code yyyy-MM-dd};
 *   <li>{@code {{ ds_nodash }}}: the logical date, {@code yyyyMMdd};
 *   <li>{@code {{ macros.ds_add(ds, N) }}}: the logical date plus N days (N may be negative).
 * </ul>
 *
 * Anything else between {@code {{ }}}, and a lone {@code {{} or {@code }}}, is refused.
 */
public final class DateTemplate {
  /** What the loader tells a user who wrote something else. */
  public static final String ACCEPTED =
      "{{ ds }}, {{ ds_nodash }} or {{ macros.ds_add(ds, N) }} with N a whole number of days";

  private static final Pattern EXPRESSION = Pattern.compile("\\{\\{(.*?)}}");
  private static final Pattern DS_ADD =
      Pattern.compile("macros\\.ds_add\\(\\s*ds\\s*,\\s*(-?[0-9]{1,5})\\s*\\)");
  private static final DateTimeFormatter NODASH = DateTimeFormatter.BASIC_ISO_DATE;

  private DateTemplate() {}

  /** Refuses a text with a template outside the accepted forms; returns the problem or null. */
  public static String problem(String text) {
    try {
      render(text, LocalDate.EPOCH);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Whether the text holds a template at all. */
  public static boolean isTemplated(String text) {
    return text.contains("{{");
  }

  /** The text with every template replaced for the logical date {@code ds}. */
  public static String render(String text, LocalDate ds) {
    StringBuilder out = new StringBuilder();
    Matcher m = EXPRESSION.matcher(text);
    int last = 0;
    while (m.find()) {
      checkLiteral(text, text.substring(last, m.start()));
      out.append(text, last, m.start()).append(evaluate(text, m.group(1).trim(), ds));
      last = m.end();
    }
    checkLiteral(text, text.substring(last));
    return out.append(text.substring(last)).toString();
  }

  private static String evaluate(String text, String expression, LocalDate ds) {
    if (expression.equals("ds")) {
      return ds.toString();
    }
    if (expression.equals("ds_nodash")) {
      return NODASH.format(ds);
    }
    Matcher add = DS_ADD.matcher(expression);
    if (add.matches()) {
      return ds.plusDays(Integer.parseInt(add.group(1))).toString();
    }
    throw new IllegalArgumentException(
        "'" + text + "': the template {{ " + expression + " }} is not one of " + ACCEPTED);
  }

  private static void checkLiteral(String text, String literal) {
    if (literal.contains("{{") || literal.contains("}}") || literal.contains("{%")) {
      throw new IllegalArgumentException(
          "'" + text + "' has an unclosed or stray template; expected " + ACCEPTED);
    }
  }
}
