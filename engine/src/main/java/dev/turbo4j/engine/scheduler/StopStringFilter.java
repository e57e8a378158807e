package dev.turbo4j.engine.scheduler;

import java.util.List;

/**
 * Finds stop strings in generated text while streaming: text that might be the start of a
 * stop string is held back until it is known not to be one, so a stop string never reaches
 * the client, even in part.
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds decoded text; returns what may be sent now. */
    String append(String delta) {
        if (stopped) {
            return "";
        }
        text.append(delta);
        int cut = -1;
        for (String s : stops) {
            int i = text.indexOf(s, Math.max(0, emitted - s.length() + 1));
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (cut >= 0) {
            stopped = true;
            text.setLength(cut);
            return release(cut);
        }
        return release(text.length() - heldBack());
    }

    /** Releases everything held back (generation ended for another reason). */
    String finish() {
        return stopped ? "" : release(text.length());
    }

    boolean stopped() {
        return stopped;
    }

    /** The final text. */
    String text() {
        return text.toString();
    }

    /** Length of the longest suffix that is a proper prefix of some stop string. */
    private int heldBack() {
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length() - emitted); len > hold; len--) {
                if (endsWith(s, len)) {
                    hold = len;
                    break;
                }
            }
        }
        return hold;
    }

    private boolean endsWith(String stop, int len) {
        int start = text.length() - len;
        for (int i = 0; i < len; i++) {
            if (text.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String release(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }
}
