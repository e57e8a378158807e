package dev.turbo4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** api_client's Ctrl-C against a hung server: the console stops waiting, and the stuck turn stays silent. */
class AbandonableTurnTest {

    @Test
    void aTurnThatNeverEndsIsAbandonedAfterTheGraceAndSaysNothingMore() throws Exception {
        CountDownLatch serverResumes = new CountDownLatch(1);
        CountDownLatch turnEnded = new CountDownLatch(1);
        List<String> printed = new CopyOnWriteArrayList<>();
        AbandonableTurn turn = AbandonableTurn.start(abandoned -> {
            try {
                serverResumes.await(); // a read from a server that hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!abandoned.get()) {
                printed.add("late answer");
            }
            turnEnded.countDown();
        });
        AtomicBoolean told = new AtomicBoolean();
        turn.abandonAfter(Duration.ofMillis(50), () -> told.set(true));
        turn.await(); // returns although the turn is still stuck
        assertThat(turn.abandoned()).isTrue();
        assertThat(told).isTrue();
        serverResumes.countDown();
        assertThat(turnEnded.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(printed).isEmpty();
    }

    @Test
    void aTurnThatEndsInTimeIsNotAbandoned() throws Exception {
        AbandonableTurn turn = AbandonableTurn.start(abandoned -> { });
        turn.await();
        AtomicBoolean told = new AtomicBoolean();
        turn.abandonAfter(Duration.ofMillis(1), () -> told.set(true));
        Thread.sleep(100);
        assertThat(turn.abandoned()).isFalse();
        assertThat(told).isFalse();
    }
}
