package dev.turbo4j.core.tokenizer;

import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads the tokenizer of a model folder: tokenizer.json (Hugging Face tokenizers) when present,
 * else tokenizer.model (SentencePiece). tokenizer_config.json, when present, decides whether
 * {@code encode(text, true)} adds BOS/EOS, as transformers does.
 */
public final class TokenizerLoader {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_MODEL = "tokenizer.model";

    private TokenizerLoader() {
    }

    /**
     * Loads the tokenizer of a model folder.
     *
     * @throws ModelLoadException when the folder has no tokenizer file, or the file is unusable
     */
    public static Tokenizer load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": not a folder (expected a model folder with "
                    + TOKENIZER_JSON + " or " + TOKENIZER_MODEL + ")");
        }
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            return loadFile(json);
        }
        Path model = dir.resolve(TOKENIZER_MODEL);
        if (Files.isRegularFile(model)) {
            return loadFile(model);
        }
        throw new ModelLoadException(dir + ": no tokenizer found; looked for " + TOKENIZER_JSON
                + " (Hugging Face tokenizers) and " + TOKENIZER_MODEL + " (SentencePiece)");
    }

    /**
     * Loads one tokenizer file: a {@code .json} file as Hugging Face tokenizer.json, anything
     * else as a SentencePiece model (e.g. Mistral's tokenizer.model.v3). The tokenizer_config.json
     * next to it, if any, is applied.
     *
     * @throws ModelLoadException when the file is missing or unusable
     */
    public static Tokenizer loadFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file + ": tokenizer file not found");
        }
        Path dir = file.toAbsolutePath().getParent();
        TokenizerConfig config = TokenizerConfig.read(dir);
        if (file.getFileName().toString().endsWith(".json")) {
            return TokenizerJsonParser.parse(file, config);
        }
        return loadSentencePiece(file, config);
    }

    private static Tokenizer loadSentencePiece(Path file, TokenizerConfig config) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        if (looksLikeTiktoken(bytes)) {
            throw new ModelLoadException(file + ": a tiktoken rank file (base64 token and rank per line), not a "
                    + "SentencePiece model; use the model's tokenizer.json instead");
        }
        SentencePieceModelFile model;
        try {
            model = SentencePieceModelFile.parse(bytes);
        } catch (ProtobufReader.MalformedException e) {
            throw new ModelLoadException(file + ": not a valid SentencePiece model (" + e.getMessage() + ")", e);
        }
        try {
            return new SentencePieceTokenizer(model, config);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage(), e);
        }
    }

    /** tiktoken files (Llama-3's tokenizer.model) are text lines "base64 rank". */
    private static boolean looksLikeTiktoken(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && end < 200 && bytes[end] != '\n') {
            end++;
        }
        String firstLine = new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
        return firstLine.matches("[A-Za-z0-9+/=]+ [0-9]+");
    }
}
