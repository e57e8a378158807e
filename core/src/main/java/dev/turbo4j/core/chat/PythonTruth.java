package dev.turbo4j.core.chat;

import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.IfTag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.TagNode;
import java.lang.reflect.Array;
import java.util.Collection;
import java.util.Map;

/**
 * Python's truth test, which templates rely on in {@code if}, {@code not}, {@code and},
 * {@code or} and loop filters: empty strings, collections and maps, zero and None are false,
 * everything else true. Jinjava also takes the string {@code "false"} as false, so a message
 * whose content is "false" would vanish from a prompt.
 */
final class PythonTruth {
    private PythonTruth() {
    }

    static boolean of(Object value) {
        return switch (value) {
            case null -> false;
            case Boolean b -> b;
            case Number n -> n.doubleValue() != 0;
            case CharSequence s -> !s.isEmpty();
            case SafeString s -> !s.getValue().isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> !value.getClass().isArray() || Array.getLength(value) > 0;
        };
    }

    /** The expression language's coercion to boolean ({@code not}, {@code and}, {@code or}, {@code x if c else y}). */
    static final class Converter extends TruthyTypeConverter {
        @Override
        protected Boolean coerceToBoolean(Object value) {
            return of(value);
        }
    }

    /** {@code if} / {@code elif} with Python's truth test. */
    static final class Tag extends IfTag {
        @Override
        public boolean isPositiveIfElseNode(TagNode node, JinjavaInterpreter interpreter) {
            return of(interpreter.resolveELExpression(node.getHelpers(), node.getLineNumber(), node.getStartPosition()));
        }
    }
}
