package dev.turbo4j.core.chat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites Jinja2 template text into the equivalent text for Jinjava, where the two parse
 * differently. Only code inside {@code {{ }}} and {@code {% %}} is rewritten, never string
 * literals or template text; {@code raw} blocks become string literals:
 * <ul>
 *   <li>{@code x[a:b:step]} becomes {@code x.py_slice(a, b, step)} (Jinjava has no step);</li>
 *   <li>{@code not x in y}, {@code not x is t}, {@code not x == y}: Jinja2 binds {@code not}
 *       looser than {@code in}/{@code is}/{@code ==}, Jinjava tighter, so they become
 *       {@code x not in y}, {@code x is not t}, {@code x != y};</li>
 *   <li>{@code f(name=a - 1)} becomes {@code f(name=(a - 1))} (Jinjava ends a keyword
 *       value at its first operator);</li>
 *   <li>a comment becomes an empty {@code {{ '' }}} with the comment's own {@code -} marks, and
 *       the newline after it goes ({@code trim_blocks}), so whitespace control around it acts
 *       as in Jinja2;</li>
 *   <li>{@code lstrip_blocks}: Jinjava's strips spaces before a tag even in mid-line, so it is
 *       done here, only from the start of a line as Jinja2 does;</li>
 *   <li>newlines are {@code \n}, and one trailing newline is dropped, as Jinja2 does
 *       ({@code newline_sequence}, {@code keep_trailing_newline=False}).</li>
 * </ul>
 */
final class Jinja2Source {
    private Jinja2Source() {
    }

    private static final Pattern LINE_START_BEFORE_TAG = Pattern.compile("(^|[\\r\\n])[ \\t]+(\\{[%#])");
    private static final Pattern STEP_SLICE =
        Pattern.compile("\\[\\s*([^\\[\\]:]*?)\\s*:\\s*([^\\[\\]:]*?)\\s*:\\s*([^\\[\\]:]*?)\\s*\\]");
    /** {@code {%[-] raw [-]%}} body {@code {%[-] endraw [-]%}}: groups 1, 2 the dashes, 3 the body, 4, 5 the dashes. */
    private static final Pattern RAW_BLOCK = Pattern.compile(
        "\\{%(-)?\\s*raw\\s*(-)?%}(.*?)\\{%(-)?\\s*endraw\\s*(-)?%}", Pattern.DOTALL);
    /** Macro headers declare defaults ({@code a=1}), which Jinjava's macro tag parses itself. */
    private static final Pattern MACRO_HEADER = Pattern.compile("-?\\s*macro\\b");
    /** An operator in a keyword value (outside its strings) would end the value early in Jinjava. */
    private static final Pattern HAS_OPERATOR = Pattern.compile("[-+*/%~<>!=]|\\b(if|and|or|not|in|is)\\b");
    /** A string, number or name path such as {@code messages[0]['role']} or {@code message.content}. */
    private static final String OPERAND = "('(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?"
        + "|(?!(?:in|is|not|and|or)\\b)[A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*)";

    /** Replaces a match by its operand (group 1) followed by {@code operator}; null: a slice call. */
    private record Rewrite(Pattern pattern, String operator) {
    }

    private static final List<Rewrite> NOT_REWRITES = List.of(
        new Rewrite(Pattern.compile("\\bnot\\s+" + OPERAND + "\\s+in\\b"), " not in"),
        new Rewrite(Pattern.compile("\\bnot\\s+" + OPERAND + "\\s+is\\s+not\\b"), " is"),
        new Rewrite(Pattern.compile("\\bnot\\s+" + OPERAND + "\\s+is\\b"), " is not"),
        new Rewrite(Pattern.compile("\\bnot\\s+" + OPERAND + "\\s*=="), " !="),
        new Rewrite(Pattern.compile("\\bnot\\s+" + OPERAND + "\\s*!="), " =="));

    /** The Jinjava text that renders as {@code source} does in Jinja2. */
    static String forJinjava(String source) {
        // Jinja2's lexer turns every \r\n and \r of the template into \n (newline_sequence).
        String text = source.replace("\r\n", "\n").replace('\r', '\n');
        return rewriteCode(lstripBlocks(rawAsStrings(withoutTrailingNewline(text))));
    }

    /**
     * Each {@code {% raw %}…{% endraw %}} as {@code {% if true %}{{ '…' }}{% endif %}} with the
     * tags' own {@code -} marks: the body is printed verbatim (no rewrite, no lstrip can touch
     * a string), and Jinjava, which does not end a raw block at {@code {%- endraw %}}, never
     * sees one. As Jinja2's lexer does, {@code raw -%}} strips the body's leading whitespace
     * and {@code {%- endraw} its trailing whitespace.
     */
    static String rawAsStrings(String source) {
        Matcher raw = RAW_BLOCK.matcher(source);
        StringBuilder out = new StringBuilder();
        while (raw.find()) {
            String body = raw.group(3);
            if (raw.group(2) != null) {
                body = body.stripLeading();
            }
            if (raw.group(4) != null) {
                body = body.stripTrailing();
            }
            String literal = "'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'";
            raw.appendReplacement(out, Matcher.quoteReplacement("{%" + (raw.group(1) == null ? "" : "-") + " if true %}{{ "
                    + literal + " }}{% endif " + (raw.group(5) == null ? "" : "-") + "%}"));
        }
        return raw.appendTail(out).toString();
    }

    static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) {
            return source.substring(0, source.length() - 2);
        }
        return source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
    }

    static String lstripBlocks(String source) {
        return LINE_START_BEFORE_TAG.matcher(source).replaceAll("$1$2");
    }

    /** Applies the code rewrites inside every {@code {{ }}} and {@code {% %}}. */
    private static String rewriteCode(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int from = 0;
        while (true) {
            int open = source.indexOf('{', from);
            while (open >= 0 && open + 1 < source.length() && "{%#".indexOf(source.charAt(open + 1)) < 0) {
                open = source.indexOf('{', open + 1);
            }
            if (open < 0 || open + 1 >= source.length()) {
                return out.append(source, from, source.length()).toString();
            }
            char kind = source.charAt(open + 1);
            String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int end = kind == '#' ? source.indexOf(close, open + 2) : closingIndex(source, open + 2, close);
            if (end < 0) { // unterminated: leave it for Jinjava to report
                return out.append(source, from, source.length()).toString();
            }
            String code = source.substring(open + 2, end);
            out.append(source, from, open);
            from = end + close.length();
            if (kind == '#') {
                // A comment as Jinja2 lexes it: a token of its own, which a later "-" strips up
                // to but not across, and after which trim_blocks drops one newline.
                boolean stripAfter = code.endsWith("-");
                out.append(code.startsWith("-") ? "{{- '' " : "{{ '' ").append(stripAfter ? "-}}" : "}}");
                if (!stripAfter && from < source.length() && source.charAt(from) == '\n') {
                    from++;
                }
            } else {
                boolean macro = kind == '%' && MACRO_HEADER.matcher(code).lookingAt();
                out.append(source, open, open + 2).append(rewriteExpression(code, !macro)).append(close);
            }
        }
    }

    /** Where {@code close} ends the tag opened before {@code from}, skipping string literals. */
    private static int closingIndex(String s, int from, String close) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String rewriteExpression(String code, boolean keywordArguments) {
        String result = replaceOutsideStrings(code, new Rewrite(STEP_SLICE, null));
        if (keywordArguments) {
            result = parenthesizeKeywordValues(result);
        }
        for (Rewrite rewrite : NOT_REWRITES) {
            result = replaceOutsideStrings(result, rewrite);
        }
        return result;
    }

    private static String replaceOutsideStrings(String code, Rewrite rewrite) {
        boolean[] inString = stringMask(code);
        Matcher m = rewrite.pattern().matcher(code);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = inString[m.start()] ? m.group()
                : rewrite.operator() == null ? sliceCall(m) : m.group(1) + rewrite.operator();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(out).toString();
    }

    private static String sliceCall(Matcher m) {
        return "." + PythonMethods.SLICE_METHOD + "(" + orNone(m.group(1)) + ", " + orNone(m.group(2)) + ", "
            + orNone(m.group(3)) + ")";
    }

    private static String orNone(String part) {
        return part.isBlank() ? "none" : part;
    }

    /**
     * {@code f(name=a - 1)} becomes {@code f(name=(a - 1))}: Jinjava ends a keyword argument's
     * value at the first binary operator, parsing {@code (name=a) - 1}, which broke templates
     * such as Qwen3's {@code namespace(last_query_index=messages|length - 1)}. Values with no
     * operator are left as they are.
     */
    static String parenthesizeKeywordValues(String code) {
        boolean[] inString = stringMask(code);
        StringBuilder out = new StringBuilder(code.length() + 8);
        Deque<Character> brackets = new ArrayDeque<>();
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            out.append(c);
            if (inString[i]) {
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            } else if (c == '=' && !brackets.isEmpty() && brackets.peek() == '(' && isKeywordEquals(code, i, inString)) {
                int valueEnd = argumentEnd(code, i + 1, inString);
                String value = code.substring(i + 1, valueEnd);
                if (HAS_OPERATOR.matcher(maskStrings(value, inString, i + 1)).find()) {
                    // The value's own calls may hold keyword values too: f(a=g(b=x - 1)).
                    out.append('(').append(parenthesizeKeywordValues(value)).append(')');
                    i = valueEnd - 1;
                }
            }
        }
        return out.toString();
    }

    /** An {@code =} that follows {@code ( name} or {@code , name} (not {@code ==}, {@code <=}, ...). */
    private static boolean isKeywordEquals(String code, int at, boolean[] inString) {
        if (at + 1 < code.length() && code.charAt(at + 1) == '=') {
            return false;
        }
        int j = at - 1;
        while (j >= 0 && Character.isWhitespace(code.charAt(j))) {
            j--;
        }
        int nameEnd = j + 1;
        while (j >= 0 && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_')) {
            j--;
        }
        if (j + 1 == nameEnd || !Character.isJavaIdentifierStart(code.charAt(j + 1)) || inString[j + 1]) {
            return false;
        }
        while (j >= 0 && Character.isWhitespace(code.charAt(j))) {
            j--;
        }
        return j >= 0 && (code.charAt(j) == '(' || code.charAt(j) == ',');
    }

    /** Where the argument starting at {@code from} ends: the next top-level comma or closing bracket. */
    private static int argumentEnd(String code, int from, boolean[] inString) {
        int depth = 0;
        for (int i = from; i < code.length(); i++) {
            char c = code.charAt(i);
            if (inString[i]) {
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return code.length();
    }

    /** {@code text} (found at {@code offset} in the code) with its string literals blanked. */
    private static String maskStrings(String text, boolean[] inString, int offset) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (inString[offset + i]) {
                chars[i] = ' ';
            }
        }
        return new String(chars);
    }

    /** For each position of {@code code}: is it inside a string literal? */
    private static boolean[] stringMask(String code) {
        boolean[] mask = new boolean[code.length() + 1];
        char quote = 0;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (quote != 0) {
                mask[i] = true;
                if (c == '\\' && i + 1 < code.length()) {
                    mask[++i] = true;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                mask[i] = true;
            }
        }
        return mask;
    }
}
