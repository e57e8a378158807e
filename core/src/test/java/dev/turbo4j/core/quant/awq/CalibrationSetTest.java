package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CalibrationSetTest {

    @Test
    void theBuiltinTextSharesNoLineWithTheHeldOutEvaluationText() throws IOException {
        Set<String> eval = Files.readAllLines(QuantTestData.EVAL_TEXT).stream().map(String::strip).collect(Collectors.toSet());
        String[] calibration = CalibrationSet.builtinText().split("\n");
        assertThat(calibration.length).isGreaterThan(2000);
        assertThat(Arrays.stream(calibration).map(String::strip).filter(eval::contains)).isEmpty();
    }

    @Test
    void sequencesStartWithBosAndAreConsecutiveWindowsOfTheText() {
        Tokenizer tokenizer = TokenizerLoader.load(QuantTestData.KJV);
        CalibrationSet set = CalibrationSet.of("test", "In the beginning God created the heaven and the earth.\n"
                .repeat(20), tokenizer, 3, 9);
        assertThat(set.count()).isEqualTo(3);
        int[] ids = tokenizer.encode("In the beginning God created the heaven and the earth.\n".repeat(20), false);
        for (int s = 0; s < 3; s++) {
            assertThat(set.samples()[s]).hasSize(9);
            assertThat(set.samples()[s][0]).isEqualTo(tokenizer.bosId());
            assertThat(Arrays.copyOfRange(set.samples()[s], 1, 9)).isEqualTo(Arrays.copyOfRange(ids, 8 * s, 8 * s + 8));
        }
        assertThat(set.textTokens()).isEqualTo(Arrays.copyOf(ids, 24));
    }

    @Test
    void tooShortATextOrAMissingFileIsAClearError() {
        Tokenizer tokenizer = TokenizerLoader.load(QuantTestData.KJV);
        assertThatThrownBy(() -> CalibrationSet.of("tiny.txt", "Amen.", tokenizer, 4, 512))
                .hasMessageContaining("tiny.txt").hasMessageContaining("fewer than one sequence of 512");
        assertThatThrownBy(() -> CalibrationSet.load("/no/such/calib.txt", tokenizer, 4, 512))
                .hasMessageContaining("/no/such/calib.txt: file not found");
    }
}
