package dev.lakeml.schemas.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureEncoderTest {
  static final Instant REFERENCE = Instant.parse("2024-05-01T12:00:00Z");

  final FeatureEncoder encoder =
      new FeatureEncoder(
          List.of(
              new ModelInput("amount", InputType.DOUBLE),
              new ModelInput("is_vip", InputType.BOOLEAN),
              new ModelInput("last_order", InputType.DAYS_BEFORE)));

  @Test
  void encodesNumbersBooleansAndDaysBeforeTheReference() {
    Object[] values = {12, true, REFERENCE.minus(Duration.ofHours(36))};
    assertThat(encoder.encode(values, REFERENCE)).containsExactly(12.0, 1.0, 1.5);
    Object[] later = {2.5f, false, REFERENCE.plus(Duration.ofHours(6))};
    assertThat(encoder.encode(later, REFERENCE)).containsExactly(2.5, 0.0, -0.25);
  }

  @Test
  void readsSqlTimestampsWithTheirNanoseconds() {
    Timestamp t = Timestamp.from(REFERENCE.minus(Duration.ofDays(2)).minusNanos(864_000_000_00L));
    assertThat(encoder.encode(new Object[] {null, null, t}, REFERENCE)[2]).isEqualTo(2.001);
  }

  @Test
  void encodesNullAsNaN() {
    assertThat(encoder.encode(new Object[] {null, null, null}, REFERENCE))
        .containsExactly(Double.NaN, Double.NaN, Double.NaN);
  }

  @Test
  void encodesByNameInInputOrderIgnoringOtherEntries() {
    Map<String, Object> values = new HashMap<>();
    values.put("last_order", REFERENCE.minus(Duration.ofDays(10)));
    values.put("customer_id", "c-1");
    values.put("is_vip", null);
    values.put("amount", 3L);
    assertThat(encoder.encode(values, REFERENCE)).containsExactly(3.0, Double.NaN, 10.0);
  }

  @Test
  void refusesAnAbsentNameSoATypoIsNotAMissingValue() {
    Map<String, Object> values = new HashMap<>();
    values.put("amount", 1.0);
    values.put("isvip", true);
    values.put("last_order", null);
    assertThatThrownBy(() -> encoder.encode(values, REFERENCE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no value for input 'is_vip'; pass null for a missing value");
  }

  @Test
  void refusesAWrongTypeNamingTheInputAndTheExpectedType() {
    assertThatThrownBy(() -> encoder.encode(new Object[] {"12.5", true, null}, REFERENCE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "input 'amount' is double and takes a number or null; found java.lang.String '12.5'");
    assertThatThrownBy(() -> encoder.encode(new Object[] {1, 1, null}, REFERENCE))
        .hasMessageStartingWith("input 'is_vip' is boolean and takes true or false or null");
    assertThatThrownBy(() -> encoder.encode(new Object[] {1, true, 20240501L}, REFERENCE))
        .hasMessageStartingWith(
            "input 'last_order' is days_before and takes a timestamp (java.time.Instant or"
                + " java.sql.Timestamp) or null; found java.lang.Long");
  }

  @Test
  void refusesARowOfTheWrongLength() {
    assertThatThrownBy(() -> encoder.encode(new Object[] {1.0, true}, REFERENCE))
        .hasMessage(
            "expected 3 values (one per input, in order: [amount, is_vip, last_order]), found 2");
  }
}
