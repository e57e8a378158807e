package dev.turbo4j.core.quant.awq;

import java.nio.file.Path;

/** Where the quantization tests find the demo model and the held-out text. */
final class QuantTestData {
    static final Path KJV = Path.of("../models/kjv-llama-tiny");
    static final Path EVAL_TEXT = Path.of("src/test/resources/golden/kjv-llama-tiny/eval.txt");

    private QuantTestData() {
    }
}
