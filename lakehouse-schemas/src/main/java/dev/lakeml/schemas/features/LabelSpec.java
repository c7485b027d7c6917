package dev.lakeml.schemas.features;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How a label is derived from later data, and when it becomes known: a label for time t is known
 * only at t + window, and a training set must not use it before then.
 *
 * @param events which source rows count as the events the label looks for (a SQL condition)
 * @param match for {@link Kind#MATCHING_EVENT_WITHIN}: the columns a later event must share
 */
public record LabelSpec(
    String name,
    String entity,
    String source,
    String eventTime,
    Kind kind,
    Duration window,
    Optional<String> events,
    List<String> match,
    String description) {

  /** The shapes of label lakeml derives. */
  public enum Kind {
    /** 1 when the entity has no event in (t, t + window], e.g. churn. */
    NO_EVENT_WITHIN,
    /** 1 when the entity has an event in (t, t + window], e.g. repurchase. */
    EVENT_WITHIN,
    /**
     * 1 when a later event shares the {@code match} columns within the window, e.g. a cancelled
     * line.
     */
    MATCHING_EVENT_WITHIN;

    public static final String ACCEPTED = "no_event_within, event_within or matching_event_within";

    public static Kind parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'" + text + "' is not a label kind; expected " + ACCEPTED);
      }
    }
  }

  public LabelSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(eventTime, "eventTime");
    Objects.requireNonNull(kind, "kind");
    if (window.isZero() || window.isNegative()) {
      throw new IllegalArgumentException("a label's window must be longer than 0");
    }
    match = List.copyOf(match);
    if (kind == Kind.MATCHING_EVENT_WITHIN && match.isEmpty()) {
      throw new IllegalArgumentException(
          "matching_event_within needs 'match': the columns a later event shares");
    }
    description = description == null ? "" : description;
  }

  /** How long after a row's time its label becomes known. */
  public Duration knownAfter() {
    return window;
  }
}
