package dev.lakeml.schemas.sealed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealedFolderTest {
  @TempDir Path dir;

  private List<SealedFile> sealTwoFiles() throws IOException {
    Files.writeString(dir.resolve("a.bin"), "alpha");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/b.bin"), "beta");
    Files.writeString(dir.resolve(".hidden"), "not a member");
    return SealedFolder.digest(dir, dir, p -> !p.startsWith("."));
  }

  @Test
  void digestListsMembersInPathOrderWithSizeAndSha256() throws IOException {
    List<SealedFile> files = sealTwoFiles();
    assertThat(files).extracting(SealedFile::path).containsExactly("a.bin", "sub/b.bin");
    assertThat(files.get(0).bytes()).isEqualTo(5);
    // sha256("alpha"), computed independently with sha256sum
    assertThat(files.get(0).sha256())
        .isEqualTo("8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8");
    assertThat(SealedFolder.verify(dir, files, dir, p -> !p.startsWith("."))).isEmpty();
  }

  @Test
  void verifyNamesEachKindOfMismatch() throws IOException {
    List<SealedFile> files = sealTwoFiles();
    Files.writeString(dir.resolve("a.bin"), "alphA");
    assertThat(SealedFolder.verify(dir, files, dir, p -> !p.startsWith(".")))
        .hasValueSatisfying(
            m -> assertThat(m.kind()).isEqualTo(SealedFolder.Mismatch.Kind.CONTENT));
    Files.writeString(dir.resolve("a.bin"), "alph");
    assertThat(SealedFolder.verify(dir, files, dir, p -> !p.startsWith(".")))
        .hasValueSatisfying(
            m -> {
              assertThat(m.kind()).isEqualTo(SealedFolder.Mismatch.Kind.SIZE);
              assertThat(m.foundBytes()).isEqualTo(4);
            });
    Files.delete(dir.resolve("a.bin"));
    assertThat(SealedFolder.verify(dir, files, dir, p -> !p.startsWith(".")))
        .hasValueSatisfying(m -> assertThat(m.file()).isEqualTo(dir.resolve("a.bin")))
        .hasValueSatisfying(
            m -> assertThat(m.kind()).isEqualTo(SealedFolder.Mismatch.Kind.MISSING));
    Files.writeString(dir.resolve("a.bin"), "alpha");
    Files.writeString(dir.resolve("sub/c.bin"), "added later");
    assertThat(SealedFolder.verify(dir, files, dir, p -> !p.startsWith(".")))
        .hasValueSatisfying(
            m -> {
              assertThat(m.kind()).isEqualTo(SealedFolder.Mismatch.Kind.UNLISTED);
              assertThat(m.file()).isEqualTo(dir.resolve("sub/c.bin"));
            });
  }

  @Test
  void writeAtomicallyReplacesTheFileAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("pointer.yaml");
    SealedFolder.writeAtomically(target, "one\n");
    SealedFolder.writeAtomically(target, "two ünïcødé\n");
    assertThat(Files.readString(target)).isEqualTo("two ünïcødé\n");
    try (var list = Files.list(dir)) {
      assertThat(list).containsExactly(target);
    }
  }

  @Test
  void aListedFileMustStayInsideItsFolder() {
    String sha = "0".repeat(64);
    assertThatThrownBy(() -> new SealedFile("../etc/passwd", 1, sha))
        .hasMessageContaining("file path '../etc/passwd' must be relative to its folder");
    assertThatThrownBy(() -> new SealedFile("db//x", 1, sha))
        .hasMessageContaining("no empty, '.' or '..' parts");
    assertThatThrownBy(() -> new SealedFile("db/x", 1, "ABC"))
        .hasMessageContaining("file 'db/x': sha256 must be 64 lower-case hex digits");
  }
}
