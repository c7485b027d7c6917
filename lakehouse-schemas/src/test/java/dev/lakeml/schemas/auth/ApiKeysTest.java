package dev.lakeml.schemas.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  private static final String KEY = "k-0123456789abcdef";

  @Test
  void authenticatesEachKeyAsItsNameAndRole() {
    ApiKeys keys =
        ApiKeys.parse(
            List.of("# comment", "", "alice:" + KEY + ":read", "ops:" + KEY + "-admin:admin"),
            "keys.txt");
    assertThat(keys.size()).isEqualTo(2);
    assertThat(keys.authenticate(KEY)).contains(new ApiKeys.Caller("alice", ApiKeys.Role.READ));
    assertThat(keys.authenticate(KEY + "-admin"))
        .contains(new ApiKeys.Caller("ops", ApiKeys.Role.ADMIN));
    assertThat(keys.authenticate(KEY + "x")).isEmpty();
  }

  @Test
  void theSameKeyUnderTwoEntriesIsRefusedNamingBothNeverTheKey() {
    assertThatThrownBy(
            () ->
                ApiKeys.parse(
                    List.of("alice:" + KEY + ":read", "ops:" + KEY + ":admin"), "keys.txt"))
        .isInstanceOf(ApiKeys.KeyException.class)
        .hasMessageContaining("keys.txt entry 2 ('ops')")
        .hasMessageContaining("same key as 'alice'")
        .hasMessageNotContaining(KEY);
    assertThatThrownBy(
            () -> ApiKeys.parse(List.of("a:" + KEY + ":read", "b: " + KEY + " :read"), "env"))
        .hasMessageContaining("same key as 'a'");
  }

  @Test
  void badEntriesAreRefusedWithTheirLine() {
    assertThatThrownBy(() -> ApiKeys.parse(List.of("alice:short:read"), "f"))
        .hasMessageContaining("f entry 1 ('alice'): a key needs at least 16 characters");
    assertThatThrownBy(() -> ApiKeys.parse(List.of("alice:" + KEY + ":root"), "f"))
        .hasMessageContaining("role must be read or admin, found 'root'");
    assertThatThrownBy(
            () -> ApiKeys.parse(List.of("a:" + KEY + ":read", "a:" + KEY + "2:read"), "f"))
        .hasMessageContaining("used twice ('a')");
  }
}
