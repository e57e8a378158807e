package dev.turbo4j.server.openai;

import java.util.concurrent.ThreadLocalRandom;

/** Response ids as OpenAI shapes them ({@code chatcmpl-…}, {@code cmpl-…}) and {@code created} seconds. */
final class OpenAiIds {
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private OpenAiIds() {
    }

    static String chat() {
        return "chatcmpl-" + random(29);
    }

    static String completion() {
        return "cmpl-" + random(29);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    private static String random(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
