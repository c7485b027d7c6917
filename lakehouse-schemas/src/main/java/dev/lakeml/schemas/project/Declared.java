package dev.lakeml.schemas.project;

import java.util.List;
import java.util.function.Function;

/**
 * Finds what a project declares by name: the one place that words the error for a name the project
 * does not declare, listing the names it does.
 */
public final class Declared {
  private Declared() {}

  /** A name that the project does not declare; a usage error, not a failure of a job. */
  public static final class UnknownNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnknownNameException(String message) {
      super(message);
    }
  }

  /**
   * The item of {@code declared} named {@code name}.
   *
   * @param kind what the item is, for the message ("model", "feature view", ...)
   * @throws UnknownNameException "unknown model 'x'; the project declares [a, b]"
   */
  public static <T> T find(String kind, String name, List<T> declared, Function<T, String> nameOf) {
    for (T item : declared) {
      if (nameOf.apply(item).equals(name)) {
        return item;
      }
    }
    throw new UnknownNameException(
        "unknown "
            + kind
            + " '"
            + name
            + "'; the project declares "
            + (declared.isEmpty() ? "none" : declared.stream().map(nameOf).toList().toString()));
  }
}
