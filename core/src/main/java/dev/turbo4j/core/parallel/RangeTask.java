package dev.turbo4j.core.parallel;

/** Work on the index range [start, end), run by one worker. */
@FunctionalInterface
public interface RangeTask {
    void run(int start, int end);
}
