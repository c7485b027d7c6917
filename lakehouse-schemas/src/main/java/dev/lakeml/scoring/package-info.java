/**
 * The model runtime, free of Spark: portable model artifacts that the Spark training job writes and
 * that the Spark batch job (inside {@code mapPartitions}) and the serving API load and score with
 * identical results.
 *
 * <p>Roles:
 *
 * <ul>
 *   <li>The artifact: {@link dev.lakeml.scoring.ModelArtifact} (a folder of model files sealed by
 *       {@code model.yaml}, written last, with the size and SHA-256 of every file) and {@link
 *       dev.lakeml.scoring.ModelManifest} (format, inputs, preprocessing, params, lineage), read
 *       strictly.
 *   <li>Encoding: {@link dev.lakeml.scoring.FeatureEncoder} turns raw values (numbers, booleans,
 *       timestamps, null) into the row a model reads, by {@link dev.lakeml.scoring.InputType}.
 *   <li>Scoring: {@link dev.lakeml.scoring.Scorers#open} returns a thread-safe {@link
 *       dev.lakeml.scoring.Scorer}: {@link dev.lakeml.scoring.XgboostScorer} or {@link
 *       dev.lakeml.scoring.DjlMlpScorer}.
 *   <li>Training without Spark: {@link dev.lakeml.scoring.MlpTrainer} (DJL, PyTorch on the CPU,
 *       reproducible from a seed); {@link dev.lakeml.scoring.DjlRuntime} keeps DJL offline.
 * </ul>
 *
 * <p>In Spark: train on the driver, {@code save} or {@code seal} into a folder, ship the folder
 * path; in {@code mapPartitions} open one scorer per partition (or per executor), encode each row
 * with the spine time as reference, score in batches, close at the end of the partition.
 */
package dev.lakeml.scoring;
