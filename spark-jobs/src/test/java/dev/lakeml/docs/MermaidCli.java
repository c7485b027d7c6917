package dev.lakeml.docs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Mermaid CLI ({@code mmdc} from {@code @mermaid-js/mermaid-cli}) installed in the repository's
 * {@code .tools/mermaid} by {@code .ci/docs-tools/install.sh}, rendering in Debian's Chromium with
 * the committed puppeteer configuration. Nothing is downloaded here: a missing tool fails the test
 * with the command that installs it.
 */
final class MermaidCli {
  static final String INSTALL_HINT =
      "run .ci/docs-tools/install.sh once (it installs Debian's chromium and the pinned"
          + " @mermaid-js/mermaid-cli into .tools/mermaid from the npm registry); .ci/run does it"
          + " in CI";
  private static final Pattern EXECUTABLE =
      Pattern.compile("\"executablePath\"\\s*:\\s*\"([^\"]+)\"");
  private static final long TIMEOUT_SECONDS = 180;

  private final Path mmdc;
  private final Path puppeteerConfig;

  private MermaidCli(Path mmdc, Path puppeteerConfig) {
    this.mmdc = mmdc;
    this.puppeteerConfig = puppeteerConfig;
  }

  /** The installed CLI; fails (not skips) with how to install it when any part is missing. */
  static MermaidCli installed(Path repoRoot) {
    Path mmdc = repoRoot.resolve(".tools/mermaid/node_modules/.bin/mmdc");
    Path config = repoRoot.resolve(".ci/docs-tools/puppeteer-config.json");
    List<String> missing = new ArrayList<>();
    if (onPath("node").isEmpty()) {
      missing.add("node is not on the PATH (Debian: apt-get install nodejs npm)");
    }
    if (!Files.isExecutable(mmdc)) {
      missing.add("the Mermaid CLI is not installed at " + mmdc);
    }
    if (!Files.isRegularFile(config)) {
      missing.add("the puppeteer configuration " + config + " is missing");
    } else {
      Matcher m = EXECUTABLE.matcher(read(config));
      if (!m.find()) {
        missing.add(config + " names no \"executablePath\"");
      } else if (!Files.isExecutable(Path.of(m.group(1)))) {
        missing.add(
            "Chromium is not installed at "
                + m.group(1)
                + " (Debian: apt-get install chromium), which "
                + repoRoot.relativize(config)
                + " names");
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionError(
          "cannot check the Mermaid diagrams: "
              + String.join("; ", missing)
              + ".\nTo fix: "
              + INSTALL_HINT
              + ".");
    }
    return new MermaidCli(mmdc, config);
  }

  /**
   * Renders {@code input} ({@code .mmd}, or {@code .md} with every {@code ```mermaid} block of it)
   * into {@code output}; empty when it rendered, else what mmdc said, stack traces left out.
   */
  Optional<String> render(Path input, Path output) {
    Path log = output.resolveSibling(output.getFileName() + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(
                mmdc.toString(),
                "--quiet",
                "--puppeteerConfigFile",
                puppeteerConfig.toString(),
                "--input",
                input.toString(),
                "--output",
                output.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    try {
      Process process = pb.start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        return Optional.of("mmdc did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() == 0) {
        return Optional.empty();
      }
      return Optional.of(
          "mmdc exited with " + process.exitValue() + ": " + withoutStackTrace(read(log)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + mmdc + " on " + input, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while rendering " + input, e);
    }
  }

  private static String withoutStackTrace(String log) {
    List<String> kept = new ArrayList<>();
    for (String line : log.split("\n")) {
      String t = line.strip();
      if (t.startsWith("at ") || t.contains("(file://") || t.contains("(https://") || t.isEmpty()) {
        continue;
      }
      kept.add(line.stripTrailing());
    }
    return String.join("\n    ", kept);
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
