package dev.lakeml.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DjlRuntimeTest {
  @Test
  void theDeviceFollowsTheLakemlDeviceSetting() {
    String before = System.getProperty("lakeml.device");
    try {
      System.setProperty("lakeml.device", "gpu");
      assertThat(DjlRuntime.device()).isEqualTo(Device.gpu());
      System.setProperty("lakeml.device", "cpu");
      assertThat(DjlRuntime.device()).isEqualTo(Device.cpu());
    } finally {
      if (before == null) {
        System.clearProperty("lakeml.device");
      } else {
        System.setProperty("lakeml.device", before);
      }
    }
  }
}
