package dev.lakeml.schemas.artifact;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

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
  private static final String TEMP_MANIFEST = "." + ModelManifest.FILE_NAME + ".tmp";

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
    if (!manifest.files().containsKey(path)) {
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
    Map<String, ModelManifest.FileEntry> files = new TreeMap<>();
    for (Path file : listFiles(dir)) {
      files.put(relative(dir, file), new ModelManifest.FileEntry(size(file), sha256(file)));
    }
    String required = requiredFile(manifest.format());
    if (!files.containsKey(required)) {
      throw new ModelArtifactException(
          dir.resolve(required)
              + ": missing; format "
              + manifest.format()
              + " needs it before the artifact can be sealed");
    }
    ModelManifest sealed = manifest.withFiles(files);
    Path temp = dir.resolve(TEMP_MANIFEST);
    try {
      Files.write(temp, sealed.toYaml().getBytes(StandardCharsets.UTF_8));
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target);
      }
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
    ModelManifest manifest = ModelManifest.read(manifestFile);
    String required = requiredFile(manifest.format());
    if (!manifest.files().containsKey(required)) {
      throw new ModelArtifactException(
          manifestFile
              + ": files does not list "
              + required
              + ", which format "
              + manifest.format()
              + " needs");
    }
    for (Map.Entry<String, ModelManifest.FileEntry> e : manifest.files().entrySet()) {
      verify(dir.resolve(e.getKey()), e.getValue());
    }
    for (Path file : listFiles(dir)) {
      if (!manifest.files().containsKey(relative(dir, file))) {
        throw new ModelArtifactException(
            file
                + ": not listed in "
                + ModelManifest.FILE_NAME
                + "; an artifact holds only the files its manifest lists (was it added after"
                + " sealing?)");
      }
    }
    return new ModelArtifact(dir, manifest);
  }

  private static void verify(Path file, ModelManifest.FileEntry expected) {
    if (!Files.isRegularFile(file)) {
      throw new ModelArtifactException(
          file
              + ": missing; "
              + ModelManifest.FILE_NAME
              + " lists it with "
              + expected.size()
              + " bytes: the artifact is incomplete");
    }
    long size = size(file);
    if (size != expected.size()) {
      throw new ModelArtifactException(
          file
              + ": size is "
              + size
              + " bytes, manifest says "
              + expected.size()
              + ": the artifact is truncated or corrupt");
    }
    String sha = sha256(file);
    if (!sha.equals(expected.sha256())) {
      throw new ModelArtifactException(
          file
              + ": SHA-256 is "
              + sha
              + ", manifest says "
              + expected.sha256()
              + ": the artifact is corrupt");
    }
  }

  static String requiredFile(String format) {
    return switch (format) {
      case ModelManifest.XGBOOST -> ModelManifest.XGBOOST_MODEL_FILE;
      case ModelManifest.DJL_MLP -> ModelManifest.MLP_PARAMS_FILE;
      default -> throw new IllegalArgumentException("format '" + format + "' is unknown");
    };
  }

  /** The regular files under {@code dir}, except the manifest and anything under a dot name. */
  private static List<Path> listFiles(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !dir.relativize(p).toString().equals(ModelManifest.FILE_NAME))
          .filter(p -> !hidden(dir.relativize(p)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ModelArtifactException(dir + ": cannot list the folder: " + e, e);
    } catch (UncheckedIOException e) {
      throw new ModelArtifactException(dir + ": cannot list the folder: " + e.getCause(), e);
    }
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String relative(Path dir, Path file) {
    return dir.relativize(file).toString().replace(File.separatorChar, '/');
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new ModelArtifactException(file + ": cannot read its size: " + e, e);
    }
  }

  /** The SHA-256 of a file, as 64 lower-case hex digits. */
  static String sha256(Path file) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ModelArtifactException(file + ": cannot read: " + e, e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
