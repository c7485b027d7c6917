package dev.lakeml.schemas.sealed;

import dev.lakeml.schemas.yaml.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** The files as a manifest lists them: {@code path}, {@code bytes}, {@code sha256} each. */
  public static List<Map<String, Object>> toYaml(List<SealedFile> files) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (SealedFile f : files) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", f.path());
      m.put("bytes", f.bytes());
      m.put("sha256", f.sha256());
      out.add(m);
    }
    return out;
  }

  /** Reads the list {@link #toYaml} writes, strictly, from the {@code files} key of a manifest. */
  public static List<SealedFile> read(ConfigNode manifest) {
    List<SealedFile> out = new ArrayList<>();
    for (ConfigNode f :
        manifest.required("files", "a list of files (path, bytes, sha256)").list("files")) {
      String path = f.requiredString("path", "the file's path, relative to its folder");
      long bytes = f.required("bytes", "a whole number of bytes").longValue("a whole number");
      String sha = f.requiredString("sha256", "64 lower-case hex digits");
      f.finish();
      out.add(f.build(() -> new SealedFile(path, bytes, sha)));
    }
    return out;
  }
}
