package dev.lakeml.ingest;

import static dev.lakeml.schemas.tables.IngestTables.FAILED_RULES;
import static dev.lakeml.schemas.tables.IngestTables.MALFORMED_RECORD;
import static dev.lakeml.schemas.tables.IngestTables.REASON;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_timestamp;
import static org.apache.spark.sql.functions.to_utc_timestamp;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.schemas.project.ColumnSpec;
import dev.lakeml.schemas.project.ColumnType;
import dev.lakeml.schemas.project.DerivedColumn;
import dev.lakeml.schemas.project.Rule;
import dev.lakeml.schemas.project.SourceSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Types and validates raw records with Spark built-in functions only (no UDFs: the same plan runs
 * on the RAPIDS Accelerator). Each record gets its typed columns, the names of the rules it failed
 * and a readable reason. Besides the source's declared rules there are implicit ones: {@code
 * malformed_record} (wrong number of fields or unparseable record), {@code parse:<column>} (a value
 * that is not of the column's type) and {@code required:<column>} (an empty value in a column that
 * is not nullable, or in a key column).
 */
public final class Validation {
  /** Prefix of the raw (text) columns while a record is being validated. */
  public static final String RAW_PREFIX = "_raw_";

  public static final String MALFORMED_RULE = "malformed_record";

  private Validation() {}

  public static String parseRule(String column) {
    return "parse:" + column;
  }

  public static String requiredRule(String column) {
    return "required:" + column;
  }

  /** Every rule a row of this source can fail, implicit ones first, in a stable order. */
  public static List<String> ruleNames(SourceSpec source) {
    return new ArrayList<>(conditions(source).keySet());
  }

  /**
   * Adds typed columns (named as in the source), {@code _failed_rules} and {@code _reason} to
   * bronze-shaped records; raw columns are renamed with {@link #RAW_PREFIX}.
   */
  public static Dataset<Row> classify(Dataset<Row> bronze, SourceSpec source) {
    Dataset<Row> df = bronze;
    for (ColumnSpec c : source.columns()) {
      df = df.withColumnRenamed(c.name(), RAW_PREFIX + c.name());
    }
    List<Column> typed = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      typed.add(typedValue(c, col(RAW_PREFIX + c.name())).as(c.name()));
    }
    List<Column> all = new ArrayList<>();
    all.add(col("*"));
    all.addAll(typed);
    df = df.select(all.toArray(Column[]::new));

    Map<String, Check> checks = conditions(source);
    List<Column> names = new ArrayList<>();
    List<Column> reasons = new ArrayList<>();
    for (Map.Entry<String, Check> e : checks.entrySet()) {
      names.add(when(e.getValue().failed(), lit(e.getKey())));
      reasons.add(when(e.getValue().failed(), e.getValue().reason()));
    }
    return df.withColumn(FAILED_RULES, array_compact(array(names.toArray(Column[]::new))))
        .withColumn(REASON, concat_ws("; ", reasons.toArray(Column[]::new)));
  }

  /** The derived columns of a source, computed over its typed columns. */
  public static List<Column> derivedColumns(SourceSpec source) {
    List<Column> out = new ArrayList<>();
    for (DerivedColumn d : source.derived()) {
      out.add(expr(d.expression()).cast(d.type().ddl()).as(d.name()));
    }
    return out;
  }

  /**
   * Checks that every SQL rule and derived column of a source is a valid expression over its typed
   * columns, before any data is read.
   */
  public static void checkExpressions(SparkSession spark, SourceSpec source) {
    List<StructField> fields = new ArrayList<>();
    for (ColumnSpec c : source.columns()) {
      fields.add(
          DataTypes.createStructField(
              c.name(), org.apache.spark.sql.types.DataType.fromDDL(c.type().ddl()), true));
    }
    Dataset<Row> empty =
        spark.createDataFrame(List.<Row>of(), new StructType(fields.toArray(StructField[]::new)));
    for (Rule r : source.rules()) {
      if (r instanceof Rule.Sql sql) {
        try {
          empty.select(expr(sql.expression()).cast("boolean")).schema();
        } catch (Exception e) {
          throw IngestErrors.invalidExpression(
              source, "rule " + sql.name(), sql.expression(), message(e));
        }
      }
    }
    for (DerivedColumn d : source.derived()) {
      try {
        empty.select(expr(d.expression()).cast(d.type().ddl())).schema();
      } catch (Exception e) {
        throw IngestErrors.invalidExpression(
            source, "derived column " + d.name(), d.expression(), message(e));
      }
    }
  }

  private static String message(Exception e) {
    return e instanceof AnalysisException a ? a.getSimpleMessage() : String.valueOf(e.getMessage());
  }

  /** A failure condition and the text that explains it. */
  private record Check(Column failed, Column reason) {}

  private static Map<String, Check> conditions(SourceSpec source) {
    Map<String, Check> out = new LinkedHashMap<>();
    out.put(
        MALFORMED_RULE,
        new Check(
            col(MALFORMED_RECORD).isNotNull(),
            lit(
                "the record could not be split into the "
                    + source.columns().size()
                    + " expected fields")));
    for (ColumnSpec c : source.columns()) {
      Column raw = col(RAW_PREFIX + c.name());
      Column blank = raw.isNull().or(trim(raw).equalTo(""));
      if (c.type().kind() != ColumnType.Kind.STRING) {
        Column failed = not(blank).and(col(c.name()).isNull());
        out.put(
            parseRule(c.name()),
            new Check(
                failed,
                concat(
                    lit(c.name() + ": '"),
                    raw,
                    lit("' is not a valid " + describe(c) + " (column " + c.sourceName() + ")"))));
      }
      if (!c.nullable() || source.key().contains(c.name())) {
        out.put(
            requiredRule(c.name()),
            new Check(
                blank, lit(c.name() + " is empty but required (column " + c.sourceName() + ")")));
      }
    }
    for (Rule r : source.rules()) {
      out.put(r.name(), check(r));
    }
    return out;
  }

  private static String describe(ColumnSpec c) {
    if (c.format().isPresent()) {
      return c.type() + " in format " + c.format().get();
    }
    return c.type().toString();
  }

  private static Check check(Rule rule) {
    String prefix = rule.name() + ": ";
    if (rule instanceof Rule.NotNull r) {
      return new Check(
          col(r.column()).isNull(), lit(prefix + r.message().orElse(r.column() + " is missing")));
    }
    if (rule instanceof Rule.Range r) {
      Column v = col(r.column());
      Column outside = lit(false);
      if (r.min().isPresent()) {
        outside = outside.or(v.lt(lit(r.min().get())));
      }
      if (r.max().isPresent()) {
        outside = outside.or(v.gt(lit(r.max().get())));
      }
      String bounds =
          "["
              + r.min().map(BigDecimal::toPlainString).orElse("-inf")
              + ", "
              + r.max().map(BigDecimal::toPlainString).orElse("+inf")
              + "]";
      return new Check(
          v.isNotNull().and(outside),
          valued(prefix, r.column(), r.message().orElse("outside " + bounds)));
    }
    if (rule instanceof Rule.AllowedValues r) {
      Column v = col(r.column()).cast("string");
      String shown =
          r.values().size() > 10 ? r.values().subList(0, 10) + "..." : r.values().toString();
      return new Check(
          v.isNotNull().and(not(v.isin(r.values().toArray()))),
          valued(prefix, r.column(), r.message().orElse("not one of " + shown)));
    }
    if (rule instanceof Rule.Regex r) {
      Column v = col(r.column()).cast("string");
      return new Check(
          v.isNotNull().and(not(v.rlike(r.pattern()))),
          valued(prefix, r.column(), r.message().orElse("does not match " + r.pattern())));
    }
    Rule.Sql r = (Rule.Sql) rule;
    return new Check(
        not(coalesce(expr(r.expression()).cast("boolean"), lit(false))),
        lit(prefix + r.message().orElse("not true: " + r.expression())));
  }

  private static Column valued(String prefix, String column, String message) {
    return concat(
        lit(prefix + message + " (" + column + "="),
        coalesce(col(column).cast("string"), lit("NULL")),
        lit(")"));
  }

  /** The typed value of a raw text column; NULL where the text is not a value of the type. */
  static Column typedValue(ColumnSpec c, Column raw) {
    Column t = trim(raw);
    return switch (c.type().kind()) {
      case STRING -> when(t.notEqual(""), raw); // blank text is no value
      case INT -> whole(t, "int", Integer.MIN_VALUE, Integer.MAX_VALUE);
      case LONG -> whole(t, "bigint", Long.MIN_VALUE, Long.MAX_VALUE);
      case DOUBLE -> t.cast("double");
      case DECIMAL -> t.cast(c.type().ddl());
      case BOOLEAN ->
          when(
              lower(t).isin("true", "false", "t", "f", "yes", "no", "y", "n", "1", "0"),
              lower(t).cast("boolean"));
      case DATE -> c.format().isPresent() ? to_date(t, c.format().get()) : t.cast("date");
      case TIMESTAMP -> {
        Column local =
            c.format().isPresent() ? to_timestamp(t, c.format().get()) : t.cast("timestamp");
        // The session runs in UTC, so 'local' holds the wall-clock time; shift it from the
        // source's zone to UTC explicitly.
        yield to_utc_timestamp(local, c.zone().orElse("UTC"));
      }
    };
  }

  /** Whole numbers: '17850.0' is 17850, '1.5' and out-of-range values are not valid. */
  private static Column whole(Column text, String type, long min, long max) {
    Column d = text.cast("decimal(38,6)");
    return when(
        d.isNotNull()
            .and(d.equalTo(floor(d)))
            .and(d.between(lit(BigDecimal.valueOf(min)), lit(BigDecimal.valueOf(max)))),
        d.cast(type));
  }
}
