package dev.turbo4j.engine.scheduler;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopStringFilterTest {

    @Test
    void aStopStringSplitAcrossTokensNeverReachesTheClient() {
        StopStringFilter s = new StopStringFilter(List.of("</answer>"));
        StringBuilder sent = new StringBuilder();
        for (String delta : new String[] {"The LORD", " is", " good.</", "ans", "wer> more"}) {
            sent.append(s.append(delta));
        }
        assertThat(s.stopped()).isTrue();
        assertThat(sent.toString()).isEqualTo("The LORD is good.");
        assertThat(s.text()).isEqualTo("The LORD is good.");
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopStringFilter s = new StopStringFilter(List.of("\n\n"));
        assertThat(s.append("verse\n")).isEqualTo("verse");
        assertThat(s.append("And")).isEqualTo("\nAnd");
        assertThat(s.append("\n")).isEmpty();
        assertThat(s.finish()).isEqualTo("\n");
        assertThat(s.stopped()).isFalse();
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        StopStringFilter s = new StopStringFilter(List.of("world", "lo w"));
        assertThat(s.append("hello world")).isEqualTo("hel");
        assertThat(s.text()).isEqualTo("hel");
    }

    @Test
    void withoutStopsEverythingPassesAtOnce() {
        StopStringFilter s = new StopStringFilter(List.of());
        assertThat(s.append("abc")).isEqualTo("abc");
        assertThat(s.finish()).isEmpty();
    }
}
