package dev.lakeml.schemas.sealed;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One file of a sealed folder as its manifest lists it.
 *
 * @param path relative to the folder, with '/' separators, never leaving it
 * @param bytes the file's size
 * @param sha256 64 lower-case hex digits
 */
public record SealedFile(String path, long bytes, String sha256) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public SealedFile {
    if (path == null
        || path.isBlank()
        || path.startsWith("/")
        || path.contains("\\")
        || List.of(path.split("/", -1)).stream()
            .anyMatch(p -> p.isEmpty() || p.equals(".") || p.equals(".."))) {
      throw new IllegalArgumentException(
          "file path '"
              + path
              + "' must be relative to its folder, with '/' separators and no empty, '.' or '..'"
              + " parts");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("file '" + path + "': bytes must be >= 0, got " + bytes);
    }
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "file '" + path + "': sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
    }
  }
}
