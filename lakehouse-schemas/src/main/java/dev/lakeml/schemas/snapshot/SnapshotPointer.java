package dev.lakeml.schemas.snapshot;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a snapshot pointer ({@code CURRENT}) names: a version and the SHA-256 of that version's
 * {@code manifest.yaml}. The manifest lists the digest of every other file, and the pointer holds
 * the manifest's: a reader that checks both has checked every byte it serves, manifest included.
 *
 * <p>Text form: {@code "<version> <sha256>\n"}. A pointer written before manifests were digested
 * holds the version alone; it is read ({@link #manifestSha256()} empty) so that the publisher can
 * replace it, and a server refuses to open what it names.
 *
 * @param version 1 or more
 * @param manifestSha256 64 lower-case hex digits, or empty for an old pointer
 */
public record SnapshotPointer(long version, Optional<String> manifestSha256) {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,18})(?: ([0-9a-f]{64}))?");

  public SnapshotPointer {
    if (version < 1) {
      throw new IllegalArgumentException("a snapshot version is 1 or more, found " + version);
    }
    if (manifestSha256.isPresent() && !manifestSha256.get().matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "a manifest digest is 64 lower-case hex digits, found '" + manifestSha256.get() + "'");
    }
  }

  public static SnapshotPointer of(long version, String manifestSha256) {
    return new SnapshotPointer(version, Optional.of(manifestSha256));
  }

  /** The pointer file's content. */
  public String toText() {
    return version + manifestSha256.map(s -> " " + s).orElse("") + "\n";
  }

  /**
   * Reads a pointer's text strictly.
   *
   * @param where the pointer's location, for the message
   * @throws SnapshotException naming {@code where} and what was found
   */
  public static SnapshotPointer parse(String text, String where) {
    Matcher m = TEXT.matcher(text.strip());
    if (m.matches()) {
      long v = Long.parseLong(m.group(1));
      if (v >= 1) {
        return new SnapshotPointer(v, Optional.ofNullable(m.group(2)));
      }
    }
    throw new SnapshotException(
        where
            + ": expected a snapshot version (a number of 1 or more) and the SHA-256 of its"
            + " manifest, found '"
            + text.strip()
            + "'");
  }

  /**
   * Checks a manifest's bytes against this pointer.
   *
   * @throws SnapshotException when the pointer holds no digest, or another one
   */
  public void check(String manifestSha256Found, String manifestFile, String pointerFile) {
    if (manifestSha256.isEmpty()) {
      throw new SnapshotException(
          pointerFile
              + " names version "
              + version
              + " without the SHA-256 of its manifest (a pointer written before lakeml checked"
              + " manifests): publish again to serve it");
    }
    if (!manifestSha256.get().equals(manifestSha256Found)) {
      throw new SnapshotException(
          manifestFile
              + " has SHA-256 "
              + manifestSha256Found
              + " but "
              + pointerFile
              + " names "
              + manifestSha256.get()
              + ": the manifest was changed after the commit");
    }
  }
}
