package dev.lakeml.schemas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureRowCodecTest {
  static final List<FeatureColumn> ALL =
      List.of(
          new FeatureColumn("l", FeatureType.LONG),
          new FeatureColumn("d", FeatureType.DOUBLE),
          new FeatureColumn("t", FeatureType.TIMESTAMP),
          new FeatureColumn("s", FeatureType.STRING),
          new FeatureColumn("b", FeatureType.BOOLEAN),
          new FeatureColumn("l2", FeatureType.LONG),
          new FeatureColumn("d2", FeatureType.DOUBLE),
          new FeatureColumn("s2", FeatureType.STRING),
          new FeatureColumn("b2", FeatureType.BOOLEAN));

  static final Instant EVENT = Instant.parse("2024-05-31T23:59:59.999999Z");
  static final Instant CREATED = Instant.parse("2024-06-01T01:02:03Z");

  final FeatureRowCodec codec = new FeatureRowCodec(ALL);

  @Test
  void roundTripsEveryTypeWithNullsAnywhere() {
    Instant t = Instant.parse("1969-07-20T20:17:40.000001Z"); // before the epoch: negative micros
    Object[][] rows = {
      {Long.MIN_VALUE, -0.0, t, "", true, Long.MAX_VALUE, Double.NaN, "Grüße 😀", false},
      {null, null, null, null, null, null, null, null, null},
      {1L, null, t, null, false, null, Double.POSITIVE_INFINITY, "x", null},
      {null, 1e-300, null, "a\u0000b", null, 0L, null, null, true},
    };
    for (Object[] values : rows) {
      FeatureRowCodec.Decoded decoded = codec.decode(codec.encode(EVENT, CREATED, values));
      assertThat(decoded.eventTime()).isEqualTo(EVENT);
      assertThat(decoded.createdTime()).isEqualTo(CREATED);
      assertThat(decoded.values()).containsExactly(values);
    }
  }

  @Test
  void acceptsTheJavaTypesSparkRowsHold() {
    FeatureRowCodec.Decoded decoded =
        codec.decode(
            codec.encode(
                EVENT,
                CREATED,
                new Object[] {
                  7,
                  new BigDecimal("12.34"),
                  Timestamp.from(Instant.parse("2024-01-01T00:00:00.5Z")),
                  "s",
                  Boolean.TRUE,
                  (short) 3,
                  1.5f,
                  "t",
                  false
                }));
    assertThat(decoded.values())
        .containsExactly(
            7L, 12.34, Instant.parse("2024-01-01T00:00:00.5Z"), "s", true, 3L, 1.5, "t", false);
  }

  @Test
  void truncatesInstantsToMicroseconds() {
    Instant precise = Instant.parse("2024-01-01T00:00:00.123456789Z");
    FeatureRowCodec one =
        new FeatureRowCodec(List.of(new FeatureColumn("t", FeatureType.TIMESTAMP)));
    FeatureRowCodec.Decoded d = one.decode(one.encode(precise, precise, new Object[] {precise}));
    assertThat(d.eventTime()).isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
    assertThat(d.values()[0]).isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
  }

  @Test
  void layoutIsTimesBitmapThenValues() {
    FeatureRowCodec two =
        new FeatureRowCodec(
            List.of(
                new FeatureColumn("n", FeatureType.LONG),
                new FeatureColumn("s", FeatureType.STRING)));
    byte[] bytes =
        two.encode(
            Instant.ofEpochSecond(0, 1_000), Instant.ofEpochSecond(1), new Object[] {null, "hi"});
    assertThat(java.util.HexFormat.of().formatHex(bytes))
        .isEqualTo("0000000000000001" + "00000000000f4240" + "01" + "00000002" + "6869");
  }

  @Test
  void refusesWrongTypesNamingTheColumn() {
    Object[] values = {1L, "1.5", null, null, null, null, null, null, null};
    assertThatThrownBy(() -> codec.encode(EVENT, CREATED, values))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "feature column 'd' (double) expects a Number (Double, Float, BigDecimal, ...), got java.lang.String '1.5'");
    Object[] ts = {
      null, null, java.time.LocalDateTime.of(2024, 1, 1, 0, 0), null, null, null, null, null, null
    };
    assertThatThrownBy(() -> codec.encode(EVENT, CREATED, ts))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "feature column 't' (timestamp) expects java.time.Instant or java.sql.Timestamp");
    assertThatThrownBy(() -> codec.encode(EVENT, CREATED, new Object[] {1L}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "a feature row has 9 column(s) [l, d, t, s, b, l2, d2, s2, b2], got 1 value(s)");
  }

  @Test
  void refusesTruncatedAndTooLongRows() {
    byte[] bytes =
        codec.encode(
            EVENT, CREATED, new Object[] {1L, 2.0, EVENT, "abc", true, 2L, 3.0, "de", false});
    for (int length = 0; length < bytes.length; length++) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> codec.decode(cut))
          .as("a row cut to %d of %d bytes", length, bytes.length)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("feature row is truncated");
    }
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, 10)))
        .hasMessageContaining(
            "it has 10 bytes, but event time, created time and the null bitmap of 9 column(s) alone take 18");
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .hasMessageContaining("column 'b2' (boolean) needs 1 byte(s)");
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length - 2)))
        .hasMessageContaining("column 's2' (string) needs 2 byte(s)");
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length + 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("feature row is too long")
        .hasMessageContaining(
            "end at byte " + bytes.length + " but the row has " + (bytes.length + 3) + " bytes");
  }

  @Test
  void refusesARowOfAnotherColumnList() {
    FeatureRowCodec fewer = new FeatureRowCodec(ALL.subList(0, 3));
    byte[] bytes = fewer.encode(EVENT, CREATED, new Object[] {1L, null, null});
    assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
    byte[] wide = codec.encode(EVENT, CREATED, new Object[9]);
    assertThatThrownBy(() -> fewer.decode(wide))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the null bitmap has bits set beyond the last column");
  }
}
