package dev.lakeml.schemas.artifact;

import dev.lakeml.schemas.sealed.SealedFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model folder whose {@code model.yaml} has been checked against its files: a portable artifact
 * that the Spark training job writes and the batch job and the serving API score with.
 *
 * <p>Layout: the model files ({@value ModelManifest#XGBOOST_MODEL_FILE} for XGBoost, DJL's {@value
 * ModelManifest#MLP_PARAMS_FILE} for an MLP) and {@value ModelManifest#FILE_NAME}, written last by
 * {@link #seal}, listing the size and SHA-256 of every other file. A folder without the manifest is
 * incomplete and refused.
 *
 * <p>Files and folders whose name starts with '.' are not part of an artifact: {@link #seal} does
 * not list them and {@link #open} does not refuse them. They are the checksum side files Hadoop
 * writes ({@code .xgboost-model.ubj.crc}) and the temporary manifest; no loader reads them.
 */
public final class ModelArtifact {
  private final Path dir;
  private final ModelManifest manifest;

  private ModelArtifact(Path dir, ModelManifest manifest) {
    this.dir = dir;
    this.manifest = manifest;
  }

  /** The artifact folder. */
  public Path dir() {
    return dir;
  }

  public ModelManifest manifest() {
    return manifest;
  }

  /** A listed file of the artifact. */
  public Path file(String path) {
    if (manifest.file(path).isEmpty()) {
      throw new IllegalArgumentException(dir + ": has no file '" + path + "' in its manifest");
    }
    return dir.resolve(path);
  }

  /**
   * Commits a folder of model files as an artifact: lists every file with its size and SHA-256 in
   * {@code manifest} (replacing the files it lists) and writes {@code model.yaml} atomically, last.
   *
   * @throws ModelArtifactException if the folder is already sealed or lacks the model file of the
   *     manifest's format
   */
  public static ModelArtifact seal(Path dir, ModelManifest manifest) {
    if (!Files.isDirectory(dir)) {
      throw new ModelArtifactException(dir + ": is not a folder; cannot seal a model artifact");
    }
    Path target = dir.resolve(ModelManifest.FILE_NAME);
    if (Files.exists(target)) {
      throw new ModelArtifactException(
          target + ": already exists; an artifact is sealed once (write a new folder instead)");
    }
    ModelManifest sealed;
    try {
      sealed = manifest.withFiles(SealedFolder.digest(dir, dir, ModelArtifact::member));
    } catch (IOException e) {
      throw new ModelArtifactException(dir + ": cannot list and digest the folder: " + e, e);
    }
    String required = requiredFile(manifest.format());
    if (sealed.file(required).isEmpty()) {
      throw new ModelArtifactException(
          dir.resolve(required)
              + ": missing; format "
              + manifest.format()
              + " needs it before the artifact can be sealed");
    }
    try {
      SealedFolder.writeAtomically(target, sealed.toYaml());
    } catch (IOException e) {
      throw new ModelArtifactException(target + ": cannot write the manifest: " + e, e);
    }
    return new ModelArtifact(dir, sealed);
  }

  /**
   * Opens an artifact, checking that the manifest exists and reads strictly, that every listed file
   * has its size and SHA-256, and that no other file is present.
   *
   * @throws ModelArtifactException naming the folder or file, what was expected and what was found
   */
  public static ModelArtifact open(Path dir) {
    return open(dir, Optional.empty());
  }

  /**
   * Opens an artifact as {@link #open(Path)} does, after checking that its {@code model.yaml} has
   * the SHA-256 the serving pointer recorded: a manifest edited after the pointer was written is
   * refused, and with it every file it lists.
   */
  public static ModelArtifact open(Path dir, String manifestSha256) {
    return open(dir, Optional.of(manifestSha256));
  }

  /** The SHA-256 of an artifact's {@code model.yaml}, if it has one (what a pointer records). */
  public static Optional<String> manifestSha256(Path dir) {
    Path manifestFile = dir.resolve(ModelManifest.FILE_NAME);
    if (!Files.isRegularFile(manifestFile)) {
      return Optional.empty();
    }
    try {
      return Optional.of(SealedFolder.sha256(manifestFile));
    } catch (IOException e) {
      throw new ModelArtifactException(manifestFile + ": cannot digest: " + e, e);
    }
  }

  private static ModelArtifact open(Path dir, Optional<String> expectedManifestSha) {
    if (!Files.isDirectory(dir)) {
      throw new ModelArtifactException(dir + ": no such model folder");
    }
    Path manifestFile = dir.resolve(ModelManifest.FILE_NAME);
    if (!Files.exists(manifestFile)) {
      throw new ModelArtifactException(
          dir
              + ": has no "
              + ModelManifest.FILE_NAME
              + ": the artifact is incomplete (the manifest is written last) or this is not a"
              + " model folder");
    }
    if (expectedManifestSha.isPresent()) {
      String found = manifestSha256(dir).orElseThrow();
      if (!found.equals(expectedManifestSha.get())) {
        throw new ModelArtifactException(
            manifestFile
                + ": SHA-256 is "
                + found
                + " but the serving pointer recorded "
                + expectedManifestSha.get()
                + ": the manifest was changed after the version was registered");
      }
    }
    ModelManifest manifest = ModelManifest.read(manifestFile);
    String required = requiredFile(manifest.format());
    if (manifest.file(required).isEmpty()) {
      throw new ModelArtifactException(
          manifestFile
              + ": files does not list "
              + required
              + ", which format "
              + manifest.format()
              + " needs");
    }
    Optional<SealedFolder.Mismatch> mismatch;
    try {
      mismatch = SealedFolder.verify(dir, manifest.files(), dir, ModelArtifact::member);
    } catch (IOException e) {
      throw new ModelArtifactException(dir + ": cannot verify the artifact: " + e, e);
    }
    mismatch.ifPresent(
        m -> {
          throw new ModelArtifactException(describe(m));
        });
    return new ModelArtifact(dir, manifest);
  }

  private static String describe(SealedFolder.Mismatch m) {
    return switch (m.kind()) {
      case MISSING ->
          m.file()
              + ": missing; "
              + ModelManifest.FILE_NAME
              + " lists it with "
              + m.listed().bytes()
              + " bytes: the artifact is incomplete";
      case SIZE ->
          m.file()
              + ": size is "
              + m.foundBytes()
              + " bytes, manifest says "
              + m.listed().bytes()
              + ": the artifact is truncated or corrupt";
      case CONTENT ->
          m.file()
              + ": SHA-256 is "
              + m.foundSha()
              + ", manifest says "
              + m.listed().sha256()
              + ": the artifact is corrupt";
      case UNLISTED ->
          m.file()
              + ": not listed in "
              + ModelManifest.FILE_NAME
              + "; an artifact holds only the files its manifest lists (was it added after"
              + " sealing?)";
    };
  }

  static String requiredFile(String format) {
    return switch (format) {
      case ModelManifest.XGBOOST -> ModelManifest.XGBOOST_MODEL_FILE;
      case ModelManifest.DJL_MLP -> ModelManifest.MLP_PARAMS_FILE;
      default -> throw new IllegalArgumentException("format '" + format + "' is unknown");
    };
  }

  /** Whether a path belongs to the artifact: not the manifest, nothing under a dot name. */
  private static boolean member(String relative) {
    if (relative.equals(ModelManifest.FILE_NAME)) {
      return false;
    }
    for (String part : relative.split("/")) {
      if (part.startsWith(".")) {
        return false;
      }
    }
    return true;
  }
}
