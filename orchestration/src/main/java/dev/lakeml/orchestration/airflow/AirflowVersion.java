package dev.lakeml.orchestration.airflow;

import java.util.Objects;

/**
 * The Airflow release a server runs and the REST API the client uses with it.
 *
 * @param version Airflow's version, e.g. {@code 3.2.1}
 * @param gitVersion the build's git description, or null
 * @param apiPath {@code /api/v2} (Airflow 3) or {@code /api/v1} (Airflow 2)
 */
public record AirflowVersion(String version, String gitVersion, String apiPath) {
  static final String V1 = "/api/v1";
  static final String V2 = "/api/v2";

  public AirflowVersion {
    Objects.requireNonNull(version, "version");
    if (!V1.equals(apiPath) && !V2.equals(apiPath)) {
      throw new IllegalArgumentException("apiPath must be /api/v1 or /api/v2, got " + apiPath);
    }
  }

  /** Whether the server speaks Airflow 3's API ({@code /api/v2}, bearer tokens). */
  public boolean isAirflow3() {
    return V2.equals(apiPath);
  }

  /** E.g. {@code Airflow 3.2.1 (/api/v2)}. */
  @Override
  public String toString() {
    return "Airflow " + version + " (" + apiPath + ")";
  }
}
