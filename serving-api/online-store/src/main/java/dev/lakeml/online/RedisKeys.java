package dev.lakeml.online;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The key layout of Redis snapshots under one prefix.
 *
 * <pre>
 * &lt;prefix&gt;:current                     "&lt;version&gt;": the pointer, switched with one SET
 * &lt;prefix&gt;:v&lt;version&gt;:manifest          the manifest YAML (the commit record)
 * &lt;prefix&gt;:v&lt;version&gt;:committed         "1", read with every request to detect a deleted snapshot
 * &lt;prefix&gt;:v&lt;version&gt;:rows              hash view_id -&gt; entries written (checked at commit)
 * &lt;prefix&gt;:v&lt;version&gt;:&lt;key bytes&gt;       a feature row ({@link KeyCodec} key, {@link FeatureRowCodec} value)
 * </pre>
 *
 * <p>The names after the version cannot collide with an encoded key: a key ends either with the
 * 0x00 that terminates a string column or with the eight bytes of a long column after a two-byte
 * view id (so at least ten bytes), and {@code manifest}, {@code committed} and {@code rows} do
 * neither.
 */
final class RedisKeys {
  private final String prefix;

  RedisKeys(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("a Redis key prefix must not be blank");
    }
    this.prefix = prefix;
  }

  String prefix() {
    return prefix;
  }

  byte[] current() {
    return bytes(prefix + ":current");
  }

  byte[] versionPrefix(long version) {
    return bytes(prefix + ":v" + version + ":");
  }

  byte[] manifest(long version) {
    return bytes(prefix + ":v" + version + ":manifest");
  }

  byte[] committed(long version) {
    return bytes(prefix + ":v" + version + ":committed");
  }

  byte[] rows(long version) {
    return bytes(prefix + ":v" + version + ":rows");
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A SCAN pattern for every versioned key under the prefix (glob characters escaped). */
  byte[] scanPatternAllVersions() {
    return bytes(escapeGlob(prefix) + ":v*");
  }

  /** The version of a key under {@code <prefix>:v<version>:}, if it is one. */
  OptionalLong versionOf(byte[] key) {
    byte[] head = bytes(prefix + ":v");
    if (key.length <= head.length
        || !java.util.Arrays.equals(key, 0, head.length, head, 0, head.length)) {
      return OptionalLong.empty();
    }
    long v = 0;
    int i = head.length;
    int digits = 0;
    while (i < key.length && key[i] >= '0' && key[i] <= '9' && digits < 18) {
      v = v * 10 + (key[i] - '0');
      i++;
      digits++;
    }
    if (digits == 0 || i >= key.length || key[i] != ':' || v < 1) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(v);
  }

  /** Whether the key is the manifest key of some version (its name after the version). */
  boolean isManifest(byte[] key, long version) {
    return java.util.Arrays.equals(key, manifest(version));
  }

  static String escapeGlob(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  String describe(String host, int port) {
    return "redis " + host + ":" + port + " prefix '" + prefix + "'";
  }
}
