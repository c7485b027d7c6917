package dev.lakeml.schemas.snapshot;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Feature values of one entity in one view.
 *
 * <p>Layout: eight bytes event time and eight bytes created time (microseconds since the epoch,
 * big-endian), a null bitmap of {@code ceil(n/8)} bytes (bit {@code i % 8} of byte {@code i / 8}
 * set when column {@code i} is null), then the non-null values in column order: {@code long} eight
 * bytes, {@code double} eight bytes (IEEE 754 bits), {@code timestamp} eight bytes of microseconds,
 * {@code boolean} one byte (0 or 1), {@code string} a four-byte length and the UTF-8 bytes.
 *
 * <p>The format carries no column names or types: the snapshot's manifest holds them, and the row
 * is only ever read with the column list it was written with. Decoding checks the length exactly so
 * that a row read with the wrong column list fails loudly instead of returning shifted values.
 */
public final class FeatureRowCodec {
  private static final int HEADER = 16;

  private final List<FeatureColumn> columns;
  private final FeatureType[] types;
  private final int bitmapBytes;

  public FeatureRowCodec(List<FeatureColumn> columns) {
    this.columns = List.copyOf(columns);
    RecordChecks.requireUnique(this.columns, FeatureColumn::name, "feature column", "feature row");
    this.types = this.columns.stream().map(FeatureColumn::type).toArray(FeatureType[]::new);
    this.bitmapBytes = (types.length + 7) / 8;
  }

  public List<FeatureColumn> columns() {
    return columns;
  }

  /**
   * Encodes one row. Accepted values: {@code long}: Long, Integer, Short, Byte; {@code double}: any
   * Number (BigDecimal included) as its double value; {@code timestamp}: Instant or
   * java.sql.Timestamp (truncated to microseconds); {@code string}: String; {@code boolean}:
   * Boolean; null for any column.
   *
   * @throws IllegalArgumentException naming the column, when a value has the wrong type or the
   *     number of values differs from the number of columns
   */
  public byte[] encode(Instant eventTime, Instant createdTime, Object[] values) {
    Objects.requireNonNull(eventTime, "eventTime");
    Objects.requireNonNull(createdTime, "createdTime");
    if (values.length != types.length) {
      throw new IllegalArgumentException(
          "a feature row has "
              + types.length
              + " column(s) "
              + names()
              + ", got "
              + values.length
              + " value(s)");
    }
    // First pass: check types and size the row; strings are encoded once and kept.
    byte[][] strings = null;
    int size = HEADER + bitmapBytes;
    for (int i = 0; i < types.length; i++) {
      Object v = values[i];
      if (v == null) {
        continue;
      }
      switch (types[i]) {
        case LONG -> {
          if (!(v instanceof Long
              || v instanceof Integer
              || v instanceof Short
              || v instanceof Byte)) {
            throw wrongType(i, v, "Long, Integer, Short or Byte");
          }
          size += 8;
        }
        case DOUBLE -> {
          if (!(v instanceof Number)) {
            throw wrongType(i, v, "a Number (Double, Float, BigDecimal, ...)");
          }
          size += 8;
        }
        case TIMESTAMP -> {
          if (!(v instanceof Instant || v instanceof java.sql.Timestamp)) {
            throw wrongType(i, v, "java.time.Instant or java.sql.Timestamp");
          }
          size += 8;
        }
        case BOOLEAN -> {
          if (!(v instanceof Boolean)) {
            throw wrongType(i, v, "Boolean");
          }
          size += 1;
        }
        case STRING -> {
          if (!(v instanceof String s)) {
            throw wrongType(i, v, "String");
          }
          if (strings == null) {
            strings = new byte[types.length][];
          }
          strings[i] = s.getBytes(StandardCharsets.UTF_8);
          size += 4 + strings[i].length;
        }
      }
    }
    byte[] out = new byte[size];
    Bytes.putLong(out, 0, Micros.of(eventTime));
    Bytes.putLong(out, 8, Micros.of(createdTime));
    int pos = HEADER + bitmapBytes;
    for (int i = 0; i < types.length; i++) {
      Object v = values[i];
      if (v == null) {
        out[HEADER + (i >>> 3)] |= (byte) (1 << (i & 7));
        continue;
      }
      switch (types[i]) {
        case LONG -> {
          Bytes.putLong(out, pos, ((Number) v).longValue());
          pos += 8;
        }
        case DOUBLE -> {
          Bytes.putLong(out, pos, Double.doubleToRawLongBits(((Number) v).doubleValue()));
          pos += 8;
        }
        case TIMESTAMP -> {
          Instant instant = v instanceof java.sql.Timestamp ts ? ts.toInstant() : (Instant) v;
          Bytes.putLong(out, pos, Micros.of(instant));
          pos += 8;
        }
        case BOOLEAN -> out[pos++] = (byte) (((Boolean) v) ? 1 : 0);
        case STRING -> {
          byte[] s = strings[i];
          Bytes.putInt(out, pos, s.length);
          System.arraycopy(s, 0, out, pos + 4, s.length);
          pos += 4 + s.length;
        }
      }
    }
    return out;
  }

  /**
   * Decodes a row written by {@link #encode} with the same columns. Timestamps come back as
   * Instant, longs as Long, doubles as Double, booleans as Boolean, strings as String.
   *
   * @throws IllegalArgumentException when the bytes are truncated, too long, or otherwise not a row
   *     of these columns
   */
  public Decoded decode(byte[] bytes) {
    requireHeader(bytes);
    return new Decoded(
        Micros.toInstant(Bytes.getLong(bytes, 0)),
        Micros.toInstant(Bytes.getLong(bytes, 8)),
        values(bytes));
  }

  /** The event time of an encoded row in microseconds, without decoding the values. */
  long eventTimeMicros(byte[] bytes) {
    requireHeader(bytes);
    return Bytes.getLong(bytes, 0);
  }

  /** The values of an encoded row, in column order. */
  Object[] values(byte[] bytes) {
    requireHeader(bytes);
    int lastBits = types.length & 7;
    if (lastBits != 0 && (bytes[HEADER + bitmapBytes - 1] & (0xFF << lastBits) & 0xFF) != 0) {
      throw new IllegalArgumentException(
          "not a feature row of "
              + types.length
              + " column(s): the null bitmap has bits set beyond the last column");
    }
    Object[] values = new Object[types.length];
    int pos = HEADER + bitmapBytes;
    for (int i = 0; i < types.length; i++) {
      if ((bytes[HEADER + (i >>> 3)] & (1 << (i & 7))) != 0) {
        continue;
      }
      switch (types[i]) {
        case LONG -> {
          need(bytes, pos, 8, i);
          values[i] = Bytes.getLong(bytes, pos);
          pos += 8;
        }
        case DOUBLE -> {
          need(bytes, pos, 8, i);
          values[i] = Double.longBitsToDouble(Bytes.getLong(bytes, pos));
          pos += 8;
        }
        case TIMESTAMP -> {
          need(bytes, pos, 8, i);
          values[i] = Micros.toInstant(Bytes.getLong(bytes, pos));
          pos += 8;
        }
        case BOOLEAN -> {
          need(bytes, pos, 1, i);
          byte b = bytes[pos++];
          if (b != 0 && b != 1) {
            throw new IllegalArgumentException(
                "feature row column '"
                    + columns.get(i).name()
                    + "' (boolean) holds the byte "
                    + b
                    + " at offset "
                    + (pos - 1)
                    + "; expected 0 or 1");
          }
          values[i] = b == 1;
        }
        case STRING -> {
          need(bytes, pos, 4, i);
          int length = Bytes.getInt(bytes, pos);
          if (length < 0) {
            throw new IllegalArgumentException(
                "feature row column '"
                    + columns.get(i).name()
                    + "' (string) has a negative length "
                    + length
                    + " at offset "
                    + pos);
          }
          need(bytes, pos + 4, length, i);
          values[i] = new String(bytes, pos + 4, length, StandardCharsets.UTF_8);
          pos += 4 + length;
        }
      }
    }
    if (pos != bytes.length) {
      throw new IllegalArgumentException(
          "feature row is too long: the "
              + types.length
              + " column(s) "
              + names()
              + " end at byte "
              + pos
              + " but the row has "
              + bytes.length
              + " bytes; was it written with a different column list?");
    }
    return values;
  }

  private void requireHeader(byte[] bytes) {
    if (bytes.length < HEADER + bitmapBytes) {
      throw new IllegalArgumentException(
          "feature row is truncated: it has "
              + bytes.length
              + " bytes, but event time, created time and the null bitmap of "
              + types.length
              + " column(s) alone take "
              + (HEADER + bitmapBytes));
    }
  }

  private void need(byte[] bytes, int pos, int length, int column) {
    if (length > bytes.length - pos) {
      throw new IllegalArgumentException(
          "feature row is truncated: column '"
              + columns.get(column).name()
              + "' ("
              + types[column].yamlName()
              + ") needs "
              + length
              + " byte(s) at offset "
              + pos
              + " but the row has "
              + bytes.length
              + " bytes");
    }
  }

  private IllegalArgumentException wrongType(int column, Object value, String expected) {
    return new IllegalArgumentException(
        "feature column '"
            + columns.get(column).name()
            + "' ("
            + types[column].yamlName()
            + ") expects "
            + expected
            + ", got "
            + value.getClass().getName()
            + " '"
            + value
            + "'");
  }

  private String names() {
    return columns.stream().map(FeatureColumn::name).toList().toString();
  }

  /**
   * One decoded row.
   *
   * @param values in column order; null where the feature is null
   */
  public record Decoded(Instant eventTime, Instant createdTime, Object[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Decoded d
          && eventTime.equals(d.eventTime)
          && createdTime.equals(d.createdTime)
          && Arrays.equals(values, d.values);
    }

    @Override
    public int hashCode() {
      return Objects.hash(eventTime, createdTime, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
      return "Decoded[eventTime="
          + eventTime
          + ", createdTime="
          + createdTime
          + ", values="
          + Arrays.toString(values)
          + "]";
    }
  }
}
