package dev.lakeml.schemas.snapshot;

import static dev.lakeml.schemas.snapshot.FeatureType.LONG;
import static dev.lakeml.schemas.snapshot.FeatureType.STRING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class KeyCodecTest {
  static final List<KeyColumn> ID = List.of(new KeyColumn("customer_id", LONG));
  static final List<KeyColumn> CODE = List.of(new KeyColumn("stock_code", STRING));
  static final List<KeyColumn> ID_CODE =
      List.of(new KeyColumn("customer_id", LONG), new KeyColumn("stock_code", STRING));
  static final List<KeyColumn> CODE_ID =
      List.of(new KeyColumn("stock_code", STRING), new KeyColumn("customer_id", LONG));

  /** The values sorted by their encoded keys, compared as unsigned bytes. */
  static <T> List<T> byEncodedOrder(List<T> values, Function<T, byte[]> encode) {
    List<T> sorted = new ArrayList<>(values);
    sorted.sort((a, b) -> Arrays.compareUnsigned(encode.apply(a), encode.apply(b)));
    return sorted;
  }

  @Test
  void longKeysSortLikeTheirValuesIncludingNegatives() {
    List<Long> values =
        new ArrayList<>(
            List.of(
                Long.MIN_VALUE,
                Long.MIN_VALUE + 1,
                -1_000_000L,
                -256L,
                -255L,
                -1L,
                0L,
                1L,
                255L,
                256L,
                Long.MAX_VALUE));
    Random random = new Random(7);
    for (int i = 0; i < 500; i++) {
      values.add(random.nextLong());
      values.add((long) random.nextInt(1000) - 500);
    }
    List<Long> natural = new ArrayList<>(values);
    natural.sort(Comparator.naturalOrder());
    assertThat(byEncodedOrder(values, v -> KeyCodec.encode(1, ID, List.of(v)))).isEqualTo(natural);
  }

  @Test
  void stringKeysSortInCodePointOrder() {
    List<String> values =
        List.of(
            "", "a", "ab", "abc", "abd", "b", "B", "z", "\u007f", "é", "ü", "中", "\uFFFD", "😀",
            "a b", "a\u0001");
    List<String> byCodePoint = new ArrayList<>(values);
    byCodePoint.sort(KeyCodecTest::compareCodePoints);
    assertThat(byEncodedOrder(values, v -> KeyCodec.encode(1, CODE, List.of(v))))
        .isEqualTo(byCodePoint);
    // UTF-16 order would put the emoji (a surrogate pair) before U+FFFD; UTF-8 and code points
    // agree.
    assertThat(byCodePoint.indexOf("\uFFFD")).isLessThan(byCodePoint.indexOf("😀"));
  }

  private static int compareCodePoints(String a, String b) {
    return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
  }

  @Test
  void compositeKeysSortColumnByColumn() {
    record IdCode(long id, String code) {}
    List<IdCode> values = new ArrayList<>();
    for (long id : new long[] {-2, -1, 0, 1, 300}) {
      for (String code : new String[] {"", "a", "ab", "abc", "b", "é"}) {
        values.add(new IdCode(id, code));
      }
    }
    List<IdCode> natural = new ArrayList<>(values);
    natural.sort(
        Comparator.comparingLong(IdCode::id)
            .thenComparing(IdCode::code, KeyCodecTest::compareCodePoints));
    java.util.Collections.shuffle(values, new Random(3));
    assertThat(byEncodedOrder(values, v -> KeyCodec.encode(3, ID_CODE, List.of(v.id(), v.code()))))
        .isEqualTo(natural);

    // A string column first: the terminator keeps ("a", 9) before ("ab", 0).
    List<List<Object>> stringFirst =
        List.of(List.of("a", 9L), List.of("ab", 0L), List.of("a", -9L));
    assertThat(byEncodedOrder(stringFirst, v -> KeyCodec.encode(3, CODE_ID, v)))
        .containsExactly(List.of("a", -9L), List.of("a", 9L), List.of("ab", 0L));
  }

  @Test
  void viewIdComesFirstAndSortsAsUnsigned() {
    byte[] big = KeyCodec.encode(1, ID, List.of(Long.MAX_VALUE));
    byte[] nextView = KeyCodec.encode(2, ID, List.of(Long.MIN_VALUE));
    assertThat(Arrays.compareUnsigned(big, nextView)).isNegative();
    assertThat(
            Arrays.compareUnsigned(
                KeyCodec.encode(255, ID, List.of(0L)), KeyCodec.encode(256, ID, List.of(0L))))
        .isNegative();
    assertThat(KeyCodec.viewId(KeyCodec.encode(65535, CODE, List.of("x")))).isEqualTo(65535);
    assertThatThrownBy(() -> KeyCodec.encode(65536, ID, List.of(1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("view id 65536 is out of range; expected 0..65535");
  }

  @Test
  void layoutIsViewIdThenFlippedBigEndianLongsThenTerminatedUtf8() {
    assertThat(HexFormat.of().formatHex(KeyCodec.encode(1, ID, List.of(0L))))
        .isEqualTo("00018000000000000000");
    assertThat(HexFormat.of().formatHex(KeyCodec.encode(258, ID, List.of(-1L))))
        .isEqualTo("01027fffffffffffffff");
    assertThat(HexFormat.of().formatHex(KeyCodec.encode(1, CODE, List.of("Aé"))))
        .isEqualTo("000141c3a900");
    assertThat(KeyCodec.encode(1, ID, List.of(5))).isEqualTo(KeyCodec.encode(1, ID, List.of(5L)));
    assertThat(KeyCodec.encode(1, CODE, List.of("😀x")))
        .isEqualTo(
            concat(
                new byte[] {0, 1},
                "😀x".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[] {0}));
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void refusesNullValuesNamingTheColumn() {
    assertThatThrownBy(() -> KeyCodec.encode(3, ID_CODE, Arrays.asList(1L, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key column 'stock_code' is null; every key column needs a value");
  }

  @Test
  void refusesStringsWithNulOrUnpairedSurrogates() {
    assertThatThrownBy(() -> KeyCodec.encode(1, CODE, List.of("ab\u0000c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key column 'stock_code' contains the character U+0000 at index 2");
    assertThatThrownBy(() -> KeyCodec.encode(1, CODE, List.of("a\uD83D")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "key column 'stock_code' contains an unpaired UTF-16 surrogate at index 1");
  }

  @Test
  void refusesWrongTypesAndArityNamingTheColumn() {
    assertThatThrownBy(() -> KeyCodec.encode(1, ID, List.of(4.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "key column 'customer_id' expects a long (Long or Integer), got java.lang.Double '4.0'");
    assertThatThrownBy(() -> KeyCodec.encode(1, CODE, List.of(4L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "key column 'stock_code' expects a string (String), got java.lang.Long '4'");
    assertThatThrownBy(() -> KeyCodec.encode(1, ID_CODE, List.of(4L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the key is (customer_id long, stock_code string): expected 2 value(s), got 1: [4]");
  }

  @Test
  void keyColumnsAreLongOrString() {
    assertThatThrownBy(() -> new KeyColumn("price", FeatureType.DOUBLE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key column 'price' has type double; key columns must be long or string");
  }
}
