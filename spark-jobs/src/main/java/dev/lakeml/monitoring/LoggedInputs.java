package dev.lakeml.monitoring;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.lakeml.ml.ModelInputs;
import dev.lakeml.schemas.artifact.InputType;
import org.apache.spark.sql.Column;

/**
 * The model inputs of {@code serving.prediction_log} as the model read them. The log keeps each
 * input as text ({@code features}, a map): numbers as written, booleans as {@code true} / {@code
 * false}, timestamps as ISO-8601. Here they become the same DOUBLE that {@link ModelInputs#encode}
 * gives a training row, so a logged request and an offline row compare number to number.
 */
final class LoggedInputs {
  private LoggedInputs() {}

  /**
   * The encoded value of a logged input; NULL where it is missing or unreadable.
   *
   * @param reference the request's reference time, which {@code days_before} inputs count from
   */
  static Column encoded(InputType type, Column text, Column reference) {
    return switch (type) {
      case DOUBLE -> text.cast("double");
      case BOOLEAN ->
          when(text.equalTo(lit("true")), lit(1.0)).when(text.equalTo(lit("false")), lit(0.0));
      case DAYS_BEFORE ->
          ModelInputs.encode(InputType.DAYS_BEFORE, text.cast("timestamp"), reference);
    };
  }
}
