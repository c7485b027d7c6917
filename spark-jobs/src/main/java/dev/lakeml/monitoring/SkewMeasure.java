package dev.lakeml.monitoring;

/**
 * One input of one model version on one day, as a row of {@code monitoring.skew} holds it.
 *
 * @param source the feature view the input comes from, or how the request gave it
 * @param requests requests of the version the API answered that day
 * @param sampled of them, compared
 * @param maxAbsDifference NaN when no request had both values
 * @param example one differing request (id, online and offline values); null when none differs
 */
public record SkewMeasure(
    String feature,
    String source,
    String status,
    long requests,
    long sampled,
    long matched,
    long mismatched,
    long missingOnline,
    long missingOffline,
    double maxAbsDifference,
    String example) {

  /** Recomputed and compared. */
  public static final String OK = "ok";

  /** No request of the model was logged that day. */
  public static final String NO_DATA = "no data";

  /** Computed from the request, whose fields the log does not keep: nothing to recompute from. */
  public static final String NOT_RECOMPUTED = "not recomputed";

  /** The share of sampled requests whose two values differ; NaN when none was sampled. */
  public double mismatchRate() {
    return sampled == 0 || !status.equals(OK) ? Double.NaN : 1.0 - (double) matched / sampled;
  }
}
