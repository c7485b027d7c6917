package dev.lakeml.schemas.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RetentionTest {
  static TreeSet<Long> set(Long... v) {
    return new TreeSet<>(List.of(v));
  }

  @Test
  void keepsTheNewestAndNeverTheCurrentOrPrevious() {
    assertThat(Retention.doomed(set(1L, 2L, 3L, 4L, 5L), set(), Optional.of(5L), 2))
        .containsExactly(1L, 2L, 3L);
    assertThat(Retention.doomed(set(1L, 2L, 3L, 4L, 5L), set(), Optional.of(5L), 3))
        .containsExactly(1L, 2L);
    // Rolled back to 2: 2 and its previous 1 stay, as do the newest two.
    assertThat(Retention.doomed(set(1L, 2L, 3L, 4L, 5L), set(), Optional.of(2L), 2))
        .containsExactly(3L);
    assertThat(Retention.doomed(set(1L, 2L), set(), Optional.of(2L), 2)).isEmpty();
    assertThat(Retention.doomed(set(1L, 2L, 3L), set(), Optional.empty(), 2)).containsExactly(1L);
  }

  @Test
  void deletesOnlyIncompleteSnapshotsOlderThanTheCurrent() {
    assertThat(Retention.doomed(set(2L, 4L), set(1L, 3L, 5L), Optional.of(4L), 2))
        .containsExactly(1L, 3L);
    assertThat(Retention.doomed(set(), set(1L), Optional.empty(), 2)).isEmpty();
  }

  @Test
  void refusesRetainingFewerThanTwo() {
    assertThatThrownBy(() -> Retention.doomed(set(), set(), Optional.empty(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "retain must be 2 or more (the current snapshot and the previous one, for rollback), got 1");
  }
}
