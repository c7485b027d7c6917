package dev.lakeml.schemas.features;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A group of features of one entity computed from one source's silver table, with a TTL: a feature
 * row older than the TTL (measured back from the time it is used) is not served.
 *
 * @param source the project source whose silver table is read
 * @param eventTime the source column that says when a row happened
 * @param filter a Spark SQL condition on source rows (e.g. keys present), or empty
 * @param ttl how long a feature row stays valid; {@link Duration#ZERO} means forever
 */
public record FeatureViewSpec(
    String name,
    String entity,
    String source,
    String eventTime,
    Optional<String> filter,
    List<FeatureSpec> features,
    Duration ttl,
    String owner,
    String description) {

  public FeatureViewSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(entity, "entity");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(eventTime, "eventTime");
    features = List.copyOf(features);
    if (features.isEmpty()) {
      throw new IllegalArgumentException("a feature view needs at least one feature");
    }
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("the TTL cannot be negative");
    }
    owner = owner == null ? "" : owner;
    description = description == null ? "" : description;
  }

  public Optional<FeatureSpec> feature(String featureName) {
    return features.stream().filter(f -> f.name().equals(featureName)).findFirst();
  }

  /**
   * A hash of everything that changes the values (not the owner or descriptions): the view's
   * version in the registry, so that a changed definition is never mistaken for the old one.
   */
  public String definitionHash() {
    StringBuilder canonical = new StringBuilder();
    canonical
        .append("view=")
        .append(name)
        .append('|')
        .append(entity)
        .append('|')
        .append(source)
        .append('|')
        .append(eventTime)
        .append('|')
        .append(filter.orElse(""))
        .append('|')
        .append(Durations.format(ttl));
    for (FeatureSpec f : features) {
      canonical.append("\nfeature=").append(f.name()).append('|');
      if (f instanceof FeatureSpec.Aggregate a) {
        canonical
            .append(a.function())
            .append('|')
            .append(a.of().orElse(""))
            .append('|')
            .append(a.where().orElse(""))
            .append('|')
            .append(Durations.format(a.window()));
      } else if (f instanceof FeatureSpec.Ratio r) {
        canonical.append("ratio|").append(r.numerator()).append('|').append(r.denominator());
      }
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
