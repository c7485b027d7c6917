/**
 * The model-artifact format, written by the training job and read by the model runtime: a folder of
 * model files sealed by {@code model.yaml}.
 *
 * <ul>
 *   <li>{@link dev.lakeml.schemas.artifact.ModelArtifact}: the sealed folder (written last, with
 *       the size and SHA-256 of every file) and its verification.
 *   <li>{@link dev.lakeml.schemas.artifact.ModelManifest}: format, inputs, preprocessing, params
 *       and lineage, read strictly.
 *   <li>{@link dev.lakeml.schemas.artifact.ServingPointer}: {@code aliases.yaml}, which version
 *       each alias (champion, challenger, previous_champion) names; written by the registry, read
 *       by the serving API.
 *   <li>Encoding: {@link dev.lakeml.schemas.artifact.FeatureEncoder} turns raw values (numbers,
 *       booleans, timestamps, null) into the row a model reads, by {@link
 *       dev.lakeml.schemas.artifact.InputType}.
 * </ul>
 */
package dev.lakeml.schemas.artifact;
