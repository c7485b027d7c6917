package dev.lakeml.serving;

import java.util.regex.Pattern;

/** Checks names that become paths or view names: no traversal, no separators. */
final class ModelNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_\\-]{0,127}");

  private ModelNames() {}

  static boolean isModelName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  static String requireModelName(String name, String where) {
    if (!isModelName(name)) {
      throw new ServingConfig.SettingException(
          where
              + ": '"
              + name
              + "' is not a model name (letters, digits, '_' and '-', starting with a letter or"
              + " digit)");
    }
    return name;
  }
}
