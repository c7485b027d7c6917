package dev.lakeml.schemas.snapshot;

import java.util.List;

/**
 * Binary keys, ordered like unsigned bytes so SST files can be written in Spark's binary sort
 * order.
 *
 * <p>Layout: two bytes view id (big-endian, 0..65535), then per key column:
 *
 * <ul>
 *   <li>{@code long}: eight bytes big-endian of {@code value ^ Long.MIN_VALUE}. Flipping the sign
 *       bit makes negative numbers sort before positive ones under unsigned comparison.
 *   <li>{@code string}: the UTF-8 bytes followed by one {@code 0x00}. UTF-8 preserves code point
 *       order and no UTF-8 byte of a non-NUL character is 0, so the terminator makes a prefix sort
 *       first ({@code "ab" < "abc"}) and keeps composite keys unambiguous. Strings containing
 *       U+0000 are therefore refused.
 * </ul>
 *
 * <p>Comparing two encoded keys of the same view with {@link
 * java.util.Arrays#compareUnsigned(byte[], byte[])} gives the order of their values column by
 * column. The view id prefix keeps the keys of all views of a snapshot in one key space without
 * collisions.
 */
public final class KeyCodec {
  /** The largest view id: it has to fit the two-byte prefix. */
  public static final int MAX_VIEW_ID = 0xFFFF;

  private KeyCodec() {}

  /**
   * Encodes one entity key.
   *
   * @param values one value per key column, in the same order: {@code Long} or {@code Integer} for
   *     {@code long} columns, {@code String} for {@code string} columns
   * @throws IllegalArgumentException naming the key column, when a value is null, of the wrong type
   *     or not encodable, or when the number of values is wrong
   */
  public static byte[] encode(int viewId, List<KeyColumn> keys, List<?> values) {
    requireViewId(viewId);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("a key needs at least one key column");
    }
    if (values == null || values.size() != keys.size()) {
      throw new IllegalArgumentException(
          "the key is "
              + describe(keys)
              + ": expected "
              + keys.size()
              + " value(s), got "
              + (values == null ? "null" : values.size() + ": " + values));
    }
    int size = 2;
    for (int i = 0; i < keys.size(); i++) {
      KeyColumn column = keys.get(i);
      Object value = values.get(i);
      if (value == null) {
        throw new IllegalArgumentException(
            "key column '" + column.name() + "' is null; every key column needs a value");
      }
      size +=
          switch (column.type()) {
            case LONG -> {
              longValue(column, value);
              yield 8;
            }
            case STRING -> utf8Length(column, stringValue(column, value)) + 1;
            default -> throw new IllegalStateException("not a key type: " + column.type());
          };
    }
    byte[] out = new byte[size];
    out[0] = (byte) (viewId >>> 8);
    out[1] = (byte) viewId;
    int pos = 2;
    for (int i = 0; i < keys.size(); i++) {
      KeyColumn column = keys.get(i);
      Object value = values.get(i);
      if (column.type() == FeatureType.LONG) {
        Bytes.putLong(out, pos, longValue(column, value) ^ Long.MIN_VALUE);
        pos += 8;
      } else {
        pos = writeUtf8((String) value, out, pos);
        out[pos++] = 0;
      }
    }
    return out;
  }

  /** The view id of an encoded key. */
  public static int viewId(byte[] key) {
    if (key.length < 3) {
      throw new IllegalArgumentException(
          "an encoded key has at least 3 bytes (view id and one key column); got "
              + key.length
              + " byte(s)");
    }
    return ((key[0] & 0xFF) << 8) | (key[1] & 0xFF);
  }

  /** The two-byte prefix every key of a view starts with. */
  public static byte[] prefix(int viewId) {
    requireViewId(viewId);
    return new byte[] {(byte) (viewId >>> 8), (byte) viewId};
  }

  static void requireViewId(int viewId) {
    if (viewId < 0 || viewId > MAX_VIEW_ID) {
      throw new IllegalArgumentException(
          "view id " + viewId + " is out of range; expected 0.." + MAX_VIEW_ID);
    }
  }

  private static String describe(List<KeyColumn> keys) {
    StringBuilder sb = new StringBuilder("(");
    for (KeyColumn k : keys) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(k.name()).append(' ').append(k.type().yamlName());
    }
    return sb.append(')').toString();
  }

  private static long longValue(KeyColumn column, Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Integer i) {
      return i;
    }
    throw wrongType(column, value, "a long (Long or Integer)");
  }

  private static String stringValue(KeyColumn column, Object value) {
    if (value instanceof String s) {
      return s;
    }
    throw wrongType(column, value, "a string (String)");
  }

  private static IllegalArgumentException wrongType(
      KeyColumn column, Object value, String expected) {
    return new IllegalArgumentException(
        "key column '"
            + column.name()
            + "' expects "
            + expected
            + ", got "
            + value.getClass().getName()
            + " '"
            + value
            + "'");
  }

  /** The UTF-8 length, refusing what has no faithful, order-preserving encoding. */
  private static int utf8Length(KeyColumn column, String s) {
    int length = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw new IllegalArgumentException(
            "key column '"
                + column.name()
                + "' contains the character U+0000 at index "
                + i
                + "; string keys cannot contain it (0x00 ends a string in the binary key)");
      }
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        length += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "key column '"
                + column.name()
                + "' contains an unpaired UTF-16 surrogate at index "
                + i
                + "; it is not valid text and has no UTF-8 encoding");
      } else {
        length += 3;
      }
    }
    return length;
  }

  /** Writes a string checked by {@link #utf8Length}; returns the position after it. */
  private static int writeUtf8(String s, byte[] out, int pos) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[pos++] = (byte) c;
      } else if (c < 0x800) {
        out[pos++] = (byte) (0xC0 | (c >> 6));
        out[pos++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[pos++] = (byte) (0xF0 | (cp >> 18));
        out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[pos++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        out[pos++] = (byte) (0xE0 | (c >> 12));
        out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[pos++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return pos;
  }
}
