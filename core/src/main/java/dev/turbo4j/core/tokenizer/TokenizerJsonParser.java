package dev.turbo4j.core.tokenizer;

import dev.turbo4j.core.model.ModelJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.model.ModelLoadException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads a Hugging Face tokenizer.json into an {@link HfTokenizer}. */
final class TokenizerJsonParser {

    /** A problem in the file's content; reported with the file name by {@link #parse}. */
    private static final class FormatException extends RuntimeException {
        FormatException(String message) {
            super(message);
        }
    }

    private TokenizerJsonParser() {
    }

    static HfTokenizer parse(Path file, TokenizerConfig config) {
        JsonNode root = ModelJson.read(file);
        if (root == null) {
            throw new ModelLoadException(file + ": not found");
        }
        try {
            return build(root, config);
        } catch (FormatException | IllegalArgumentException e) {
            throw new ModelLoadException(file + ": " + e.getMessage(), e);
        }
    }

    private static HfTokenizer build(JsonNode root, TokenizerConfig config) {
        if (root == null || !root.isObject()) {
            throw new FormatException("not a tokenizer.json object");
        }
        BpeModel model = model(required(root, "model"));
        List<AddedToken> addedTokens = addedTokens(root.get("added_tokens"));
        Map<String, Integer> ids = new HashMap<>();
        addedTokens.forEach(t -> ids.put(t.content(), t.id()));
        java.util.function.ToIntFunction<String> idOf = token -> {
            Integer added = ids.get(token);
            return added != null ? added : model.tokenToId(token);
        };

        PostProcessor postProcessor = postProcessor(root.get("post_processor"), idOf);
        int bosId = config.bosToken() != null ? idOf.applyAsInt(config.bosToken()) : -1;
        if (bosId < 0 && postProcessor != null && postProcessor.leadingSpecialIds().length == 1) {
            bosId = postProcessor.leadingSpecialIds()[0];
        }
        int eosId = config.eosToken() != null ? idOf.applyAsInt(config.eosToken()) : -1;
        if (config.addBosToken() != null || config.addEosToken() != null) {
            // transformers' Llama-style tokenizers rebuild the template from these flags.
            postProcessor = bosEosTemplate(config, postProcessor, bosId, eosId);
        }
        return new HfTokenizer(model, normalizer(root.get("normalizer")), preTokenizer(root.get("pre_tokenizer")),
                postProcessor, decoder(root.get("decoder")), addedTokens, bosId, eosId);
    }

    private static PostProcessor bosEosTemplate(TokenizerConfig config, PostProcessor fromFile, int bosId, int eosId) {
        boolean fileAddsBos = fromFile != null && bosId >= 0 && fromFile.leadingSpecialIds().length == 1
                && fromFile.leadingSpecialIds()[0] == bosId;
        boolean addBos = config.addBosToken() != null ? config.addBosToken() : fileAddsBos;
        boolean addEos = Boolean.TRUE.equals(config.addEosToken());
        if ((addBos && bosId < 0) || (addEos && eosId < 0)) {
            throw new FormatException("tokenizer_config.json asks for " + (addBos && bosId < 0 ? "a BOS" : "an EOS")
                    + " token, but its bos_token/eos_token is missing or unknown");
        }
        List<PostProcessor.Template.Item> items = new ArrayList<>();
        if (addBos) {
            items.add(new PostProcessor.Template.Item(new int[] {bosId}));
        }
        items.add(PostProcessor.Template.Item.SEQUENCE);
        if (addEos) {
            items.add(new PostProcessor.Template.Item(new int[] {eosId}));
        }
        return new PostProcessor.Template(items);
    }

    // ---- model ----

    private static BpeModel model(JsonNode node) {
        String type = text(node, "type", "BPE");
        if (!type.equals("BPE")) {
            throw new FormatException("model type " + type + " is not supported (only BPE)");
        }
        JsonNode vocabNode = required(node, "vocab");
        if (!vocabNode.isObject()) {
            throw new FormatException("model.vocab is not an object");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        vocabNode.properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        JsonNode mergesNode = node.get("merges");
        List<BpeModel.Merge> merges = new ArrayList<>(mergesNode == null ? 0 : mergesNode.size());
        if (mergesNode != null) {
            for (JsonNode merge : mergesNode) {
                merges.add(merge(merge, merges.size()));
            }
        }
        BpeModel.Options options = new BpeModel.Options(
                textOrNull(node, "unk_token"),
                node.path("fuse_unk").asBoolean(false),
                node.path("byte_fallback").asBoolean(false),
                node.path("ignore_merges").asBoolean(false),
                textOrNull(node, "continuing_subword_prefix"),
                textOrNull(node, "end_of_word_suffix"));
        return new BpeModel(vocab, merges, options);
    }

    /** A merge as "left right" (the older form) or ["left", "right"]. */
    private static BpeModel.Merge merge(JsonNode merge, int index) {
        if (merge.isTextual()) {
            String s = merge.asText();
            int space = s.indexOf(' ');
            if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                throw new FormatException("merge #" + index + " \"" + s + "\" is not two tokens separated by one space");
            }
            return new BpeModel.Merge(s.substring(0, space), s.substring(space + 1));
        }
        if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new BpeModel.Merge(merge.get(0).asText(), merge.get(1).asText());
        }
        throw new FormatException("merge #" + index + " is neither \"a b\" nor [\"a\", \"b\"]: " + merge);
    }

    private static List<AddedToken> addedTokens(JsonNode node) {
        List<AddedToken> tokens = new ArrayList<>();
        if (node == null || node.isNull()) {
            return tokens;
        }
        for (JsonNode t : node) {
            tokens.add(new AddedToken(required(t, "id").asInt(), required(t, "content").asText(),
                    t.path("special").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false),
                    t.path("normalized").asBoolean(!t.path("special").asBoolean(false))));
        }
        return tokens;
    }

    // ---- normalizer ----

    private static Normalizer normalizer(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = text(node, "type", null);
        return switch (type == null ? "" : type) {
            case "Sequence" -> {
                List<Normalizer> list = new ArrayList<>();
                for (JsonNode child : required(node, "normalizers")) {
                    list.add(normalizer(child));
                }
                yield new Normalizer.Sequence(list);
            }
            case "Prepend" -> new Normalizer.Prepend(required(node, "prepend").asText());
            case "Replace" -> new Normalizer.Replace(pattern(required(node, "pattern")), required(node, "content").asText());
            case "NFC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Strip" -> new Normalizer.Strip(node.path("strip_left").asBoolean(true), node.path("strip_right").asBoolean(true));
            default -> throw new FormatException("normalizer type " + type + " is not supported");
        };
    }

    // ---- pre-tokenizer ----

    private static PreTokenizer preTokenizer(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = text(node, "type", null);
        return switch (type == null ? "" : type) {
            case "Sequence" -> {
                List<PreTokenizer> list = new ArrayList<>();
                for (JsonNode child : required(node, "pretokenizers")) {
                    list.add(preTokenizer(child));
                }
                yield new PreTokenizer.Sequence(list);
            }
            case "Split" -> new PreTokenizer.Split(pattern(required(node, "pattern")),
                    splitBehavior(required(node, "behavior").asText()), node.path("invert").asBoolean(false));
            case "ByteLevel" -> new PreTokenizer.ByteLevel(node.path("add_prefix_space").asBoolean(true),
                    node.path("use_regex").asBoolean(true));
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(node), prependScheme(node),
                    node.path("split").asBoolean(true));
            case "Digits" -> new PreTokenizer.Split(Pattern.compile("\\p{N}"),
                    node.path("individual_digits").asBoolean(false)
                            ? PreTokenizer.SplitBehavior.ISOLATED : PreTokenizer.SplitBehavior.CONTIGUOUS, false);
            case "Whitespace" -> new PreTokenizer.Split(
                    Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS), PreTokenizer.SplitBehavior.REMOVED, true);
            case "WhitespaceSplit" -> new PreTokenizer.Split(
                    Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS), PreTokenizer.SplitBehavior.REMOVED, false);
            default -> throw new FormatException("pre_tokenizer type " + type + " is not supported");
        };
    }

    private static PreTokenizer.SplitBehavior splitBehavior(String name) {
        return switch (name) {
            case "Removed" -> PreTokenizer.SplitBehavior.REMOVED;
            case "Isolated" -> PreTokenizer.SplitBehavior.ISOLATED;
            case "MergedWithPrevious" -> PreTokenizer.SplitBehavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.SplitBehavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.SplitBehavior.CONTIGUOUS;
            default -> throw new FormatException("split behavior " + name + " is unknown");
        };
    }

    private static char replacement(JsonNode node) {
        String replacement = text(node, "replacement", "\u2581");
        if (replacement.length() != 1) {
            throw new FormatException("Metaspace replacement must be one character: \"" + replacement + "\"");
        }
        return replacement.charAt(0);
    }

    /** prepend_scheme, or the older add_prefix_space flag (true = always). */
    private static PreTokenizer.PrependScheme prependScheme(JsonNode node) {
        if (node.has("prepend_scheme")) {
            return switch (node.get("prepend_scheme").asText()) {
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw new FormatException("prepend_scheme " + node.get("prepend_scheme") + " is unknown");
            };
        }
        return node.path("add_prefix_space").asBoolean(true)
                ? PreTokenizer.PrependScheme.ALWAYS : PreTokenizer.PrependScheme.NEVER;
    }

    // ---- decoder ----

    private static Decoder decoder(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = text(node, "type", null);
        return switch (type == null ? "" : type) {
            case "Sequence" -> {
                List<Decoder> list = new ArrayList<>();
                for (JsonNode child : required(node, "decoders")) {
                    list.add(decoder(child));
                }
                yield new Decoder.Sequence(list);
            }
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "Replace" -> new Decoder.Replace(pattern(required(node, "pattern")), required(node, "content").asText());
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> {
                String content = required(node, "content").asText();
                if (content.length() != 1) {
                    throw new FormatException("Strip decoder content must be one character: \"" + content + "\"");
                }
                yield new Decoder.Strip(content.charAt(0), node.path("start").asInt(0), node.path("stop").asInt(0));
            }
            case "Metaspace" -> new Decoder.Metaspace(replacement(node), prependScheme(node));
            default -> throw new FormatException("decoder type " + type + " is not supported");
        };
    }

    // ---- post-processor ----

    private static PostProcessor postProcessor(JsonNode node, java.util.function.ToIntFunction<String> idOf) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = text(node, "type", null);
        return switch (type == null ? "" : type) {
            case "Sequence" -> {
                List<PostProcessor> list = new ArrayList<>();
                for (JsonNode child : required(node, "processors")) {
                    list.add(postProcessor(child, idOf));
                }
                yield new PostProcessor.Sequence(list);
            }
            case "ByteLevel" -> new PostProcessor.Identity();
            case "TemplateProcessing" -> template(node);
            case "RobertaProcessing", "BertProcessing" ->
                    new PostProcessor.Surround(required(node, "cls").get(1).asInt(), required(node, "sep").get(1).asInt());
            default -> throw new FormatException("post_processor type " + type + " is not supported");
        };
    }

    private static PostProcessor template(JsonNode node) {
        JsonNode specialTokens = node.path("special_tokens");
        List<PostProcessor.Template.Item> items = new ArrayList<>();
        for (JsonNode piece : required(node, "single")) {
            if (piece.has("Sequence")) {
                items.add(PostProcessor.Template.Item.SEQUENCE);
            } else if (piece.has("SpecialToken")) {
                String name = piece.get("SpecialToken").path("id").asText();
                JsonNode special = specialTokens.get(name);
                if (special == null) {
                    throw new FormatException("post_processor template uses " + name + ", missing from its special_tokens");
                }
                JsonNode idsNode = required(special, "ids");
                int[] ids = new int[idsNode.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = idsNode.get(i).asInt();
                }
                items.add(new PostProcessor.Template.Item(ids));
            } else {
                throw new FormatException("post_processor template piece " + piece + " is unknown");
            }
        }
        return new PostProcessor.Template(items);
    }

    // ---- helpers ----

    /** A {"String": literal} or {"Regex": onig regex} pattern; Java's regex dialect covers those in use. */
    private static Pattern pattern(JsonNode node) {
        if (node.has("String")) {
            return Pattern.compile(Pattern.quote(node.get("String").asText()));
        }
        if (node.has("Regex")) {
            String regex = node.get("Regex").asText();
            try {
                return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw new FormatException("regex " + regex + " is not supported: " + e.getDescription());
            }
        }
        throw new FormatException("pattern " + node + " is neither {\"String\": ...} nor {\"Regex\": ...}");
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new FormatException("\"" + field + "\" is missing" + (node.has("type") ? " in " + node.get("type").asText() : ""));
        }
        return value;
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }

    private static String textOrNull(JsonNode node, String field) {
        return text(node, field, null);
    }
}
