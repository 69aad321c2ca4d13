package io.ssekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class VideoStatusTest {

  @Test
  void wireValuesAreLowerCase() {
    assertThat(VideoStatus.values())
        .extracting(VideoStatus::wireValue)
        .containsExactly(
            "queued", "downloading", "transcribing", "processing", "analyzing", "completed", "failed");
  }

  @ParameterizedTest
  @EnumSource(VideoStatus.class)
  void fromWireValueReturnsSameStatus(VideoStatus status) {
    assertThat(VideoStatus.fromWireValue(status.wireValue())).isEqualTo(status);
  }

  @ParameterizedTest
  @EnumSource(VideoStatus.class)
  void jsonIsWireValue(VideoStatus status) {
    assertThat(EventJson.write(status)).isEqualTo("\"" + status.wireValue() + "\"");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"done", "QUEUED", "Queued", " queued", ""})
  void fromWireValueRejectsUnknown(String value) {
    assertThatThrownBy(() -> VideoStatus.fromWireValue(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown video status \"" + value + "\" (expected one of: queued, downloading,"
                + " transcribing, processing, analyzing, completed, failed)");
  }

  @Test
  void onlyCompletedAndFailedAreTerminal() {
    assertThat(VideoStatus.values())
        .filteredOn(VideoStatus::isTerminal)
        .containsExactly(VideoStatus.COMPLETED, VideoStatus.FAILED);
  }
}
