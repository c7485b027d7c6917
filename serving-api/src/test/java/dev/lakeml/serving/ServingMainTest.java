package dev.lakeml.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Bad configuration: one line on stderr, exit code 2, no stack trace. */
class ServingMainTest {
  private static Process run(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + "/bin/java",
                "-cp",
                System.getProperty("java.class.path"),
                ServingMain.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("LAKEML_API_KEYS");
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p;
  }

  @Test
  void missingProjectExitsWithTwoAndOneLine() throws Exception {
    Process p = run("--lakehouse", "/nowhere");
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(err.strip())
        .isEqualTo(
            "serving-api: --project is required (or set LAKEML_PROJECT); run with --help for all options");
  }

  @Test
  void unknownOptionAndBadValuesAreNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServingConfig.parse(new String[] {"--prot", "1"}, java.util.Map.of()))
        .hasMessageStartingWith("unknown option --prot");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServingConfig.parse(
                    new String[] {"--project", "p", "--lakehouse", "l", "--max-concurrent", "0"},
                    java.util.Map.of()))
        .hasMessage("--max-concurrent must be a whole number from 1 to 100000, found '0'");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServingConfig.parse(
                    new String[] {"--project", "p", "--lakehouse", "l", "--backend", "disk"},
                    java.util.Map.of()))
        .hasMessage("--backend must be rocksdb, memory or redis, found 'disk'");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServingConfig.parse(
                    new String[] {"--project", "p", "--lakehouse", "l", "--backend", "redis"},
                    java.util.Map.of()))
        .hasMessage("--backend redis needs --redis host:port (or LAKEML_REDIS)");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServingConfig.parse(
                    new String[] {"--project", "p", "--lakehouse", "l", "--redis", "h:6379"},
                    java.util.Map.of()))
        .hasMessage("--redis and --redis-prefix apply to --backend redis; the backend is rocksdb");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServingConfig.parse(
                    new String[] {
                      "--project", "p", "--lakehouse", "l", "--backend", "redis", "--redis", "h"
                    },
                    java.util.Map.of()))
        .hasMessage("--redis must be host:port, found 'h'");
    ServingConfig redis =
        ServingConfig.parse(
            new String[] {"--project", "p", "--lakehouse", "l", "--backend", "redis"},
            java.util.Map.of("LAKEML_REDIS", "cache:6380"));
    assertThat(redis.redis()).contains(new ServingConfig.RedisAddress("cache", 6380));
    assertThat(redis.redisPrefix()).isEmpty();
  }

  @Test
  void environmentIsTheFallback() {
    ServingConfig c =
        ServingConfig.parse(
            new String[] {"--port", "9000"},
            java.util.Map.of(
                "LAKEML_PROJECT",
                "/p",
                "LAKEML_LAKEHOUSE",
                "/l",
                "LAKEML_PORT",
                "1",
                "LAKEML_API_KEYS",
                "a:0123456789abcdefgh:read"));
    assertThat(c.port()).isEqualTo(9000);
    assertThat(c.onlinePath().toString()).isEqualTo("/l/_online");
    assertThat(c.apiKeys()).contains("a:0123456789abcdefgh:read");
    assertThat(c.apiKeysFile()).isEmpty();
    assertThat(c.backend()).isEqualTo("rocksdb");
    assertThat(
            ServingConfig.parse(
                    new String[] {"--project", "p", "--lakehouse", "l"},
                    java.util.Map.of("LAKEML_BACKEND", "memory"))
                .backend())
        .isEqualTo("memory");
  }
}
