package dev.lakeml.schemas.yaml;

/**
 * A project file that cannot be accepted: names the file, the key path and line, and what was
 * expected instead.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String keyPath;

  public ConfigException(String file, String keyPath, int line, String problem) {
    super(format(file, keyPath, line, problem));
    this.file = file;
    this.keyPath = keyPath;
  }

  public ConfigException(String message) {
    super(message);
    this.file = null;
    this.keyPath = null;
  }

  private static String format(String file, String keyPath, int line, String problem) {
    StringBuilder sb = new StringBuilder();
    sb.append(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    if (keyPath != null && !keyPath.isEmpty()) {
      sb.append(": at '").append(keyPath).append('\'');
    }
    sb.append(": ").append(problem);
    return sb.toString();
  }

  /** The file the problem is in, or null when it is not about one file. */
  public String file() {
    return file;
  }

  /** The dotted key path, e.g. {@code sources[0].columns[2].type}, or null. */
  public String keyPath() {
    return keyPath;
  }
}
