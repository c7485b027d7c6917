/**
 * The model runtime, free of Spark: scorers of the sealed model artifacts that the training job
 * writes, called by the batch prediction job (inside {@code mapPartitions}) and by the serving API
 * with identical results.
 *
 * <p>Roles:
 *
 * <ul>
 *   <li>Scoring: {@link dev.lakeml.scoring.Scorers#open} verifies an artifact ({@link
 *       dev.lakeml.schemas.artifact.ModelArtifact}) and returns a thread-safe {@link
 *       dev.lakeml.scoring.Scorer}: {@link dev.lakeml.scoring.XgboostScorer} or {@link
 *       dev.lakeml.scoring.DjlMlpScorer}.
 *   <li>DJL: {@link dev.lakeml.scoring.DjlRuntime} keeps DJL offline and picks the device; {@link
 *       dev.lakeml.scoring.MlpBlock} is the network's shape, shared with the trainer in {@code
 *       spark-jobs}.
 * </ul>
 *
 * <p>The artifact format itself (manifest, inputs, encoding) is in {@code lakehouse-schemas}
 * ({@code dev.lakeml.schemas.artifact}), so that a module can read it without native libraries.
 *
 * <p>In Spark: open one scorer per artifact per JVM, encode each row with the spine time as
 * reference, score in batches.
 */
package dev.lakeml.scoring;
