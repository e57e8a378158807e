package dev.turbo4j.core.chat;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code for} tag, replacing Jinjava's: it adds what chat templates use and Jinjava
 * lacks — {@code {% break %}} and {@code {% continue %}} (Hugging Face enables Jinja's
 * {@code loopcontrols}), {@code loop.previtem} / {@code loop.nextitem}, a filter
 * ({@code for m in messages if m.role != 'system'}) and an {@code {% else %}} branch for an
 * empty loop. As in Jinja2, variables set inside the loop do not leak out of it.
 *
 * <p>Known limit: text written inside a nested block ({@code if}) before a {@code break} or
 * {@code continue} in that same block is dropped; text before the block is kept.
 */
final class PythonForTag implements Tag {

    private static final Pattern HEADER =
        Pattern.compile("^\\s*(.+?)\\s+in\\s+(.+?)(?:\\s+if\\s+(.+?))?(?:\\s+recursive)?\\s*$", Pattern.DOTALL);

    @Override
    public String getName() {
        return "for";
    }

    @Override
    public String getEndTagName() {
        return "endfor";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        Matcher header = HEADER.matcher(tagNode.getHelpers());
        if (!header.matches()) {
            throw new InterpretException("for tag expects 'for <names> in <iterable>', got: " + tagNode.getHelpers(),
                tagNode.getLineNumber(), tagNode.getStartPosition());
        }
        List<String> names = List.of(header.group(1).trim().split("\\s*,\\s*"));
        String condition = header.group(3);
        List<Node> body = new ArrayList<>();
        List<Node> emptyBody = new ArrayList<>();
        for (Node child : tagNode.getChildren()) {
            if (!emptyBody.isEmpty() || (child instanceof TagNode t && t.getName().equals("else"))) {
                emptyBody.add(child);
            } else {
                body.add(child);
            }
        }
        if (!emptyBody.isEmpty()) {
            emptyBody.removeFirst(); // the else tag itself
        }

        StringBuilder out = new StringBuilder();
        try (var scope = interpreter.enterScope()) {
            Object iterable = interpreter.resolveELExpression(header.group(2), tagNode.getLineNumber());
            List<Object> items = new ArrayList<>();
            for (Object item : iterate(iterable, tagNode)) {
                assign(names, item, interpreter, tagNode);
                if (condition == null
                    || PythonTruth.of(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    items.add(item);
                }
            }
            for (int i = 0; i < items.size(); i++) {
                assign(names, items.get(i), interpreter, tagNode);
                interpreter.getContext().put("loop", loopVariable(items, i));
                try {
                    for (Node node : body) {
                        out.append(node.render(interpreter).getValue());
                    }
                } catch (LoopControl control) {
                    if (control.isBreak) {
                        break;
                    }
                }
            }
            if (items.isEmpty()) {
                for (Node node : emptyBody) {
                    out.append(node.render(interpreter).getValue());
                }
            }
        }
        return out.toString();
    }

    private static List<?> iterate(Object iterable, TagNode tagNode) {
        return switch (iterable) {
            case null -> List.of(); // Jinja2 iterates an undefined value as empty
            case Map<?, ?> map -> new ArrayList<>(map.keySet()); // Python iterates a dict's keys
            case Iterable<?> it -> {
                List<Object> list = new ArrayList<>();
                it.forEach(list::add);
                yield list;
            }
            case String s -> s.codePoints().mapToObj(Character::toString).toList();
            case Object array when array.getClass().isArray() -> {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < Array.getLength(array); i++) {
                    list.add(Array.get(array, i));
                }
                yield list;
            }
            default -> throw new InterpretException("'" + iterable + "' is not iterable",
                tagNode.getLineNumber(), tagNode.getStartPosition());
        };
    }

    private static void assign(List<String> names, Object item, JinjavaInterpreter interpreter, TagNode tagNode) {
        if (names.size() == 1) {
            interpreter.getContext().put(names.getFirst(), interpreter.wrap(item));
            return;
        }
        List<?> values = switch (item) {
            case Map.Entry<?, ?> e -> java.util.Arrays.asList(e.getKey(), e.getValue());
            case List<?> l -> l;
            default -> List.of();
        };
        if (values.size() != names.size()) {
            throw new InterpretException("cannot unpack " + item + " into " + names,
                tagNode.getLineNumber(), tagNode.getStartPosition());
        }
        for (int i = 0; i < names.size(); i++) {
            interpreter.getContext().put(names.get(i), interpreter.wrap(values.get(i)));
        }
    }

    /** Jinja2's {@code loop} object; previtem / nextitem are left undefined at the ends. */
    private static Map<String, Object> loopVariable(List<Object> items, int i) {
        int length = items.size();
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("index0", (long) i);
        loop.put("index", (long) i + 1);
        loop.put("revindex0", (long) (length - 1 - i));
        loop.put("revindex", (long) (length - i));
        loop.put("first", i == 0);
        loop.put("last", i == length - 1);
        loop.put("length", (long) length);
        loop.put("depth0", 0L);
        loop.put("depth", 1L);
        if (i > 0) {
            loop.put("previtem", items.get(i - 1));
        }
        if (i < length - 1) {
            loop.put("nextitem", items.get(i + 1));
        }
        return loop;
    }

    /**
     * Thrown by {@code {% break %}} and {@code {% continue %}}, caught by the enclosing loop.
     * An {@link InterpretException} so that Jinjava passes it through the tags in between
     * unchanged; outside any loop it surfaces as a template error.
     */
    static final class LoopControl extends InterpretException {
        final boolean isBreak;

        LoopControl(boolean isBreak) {
            super("'" + (isBreak ? "break" : "continue") + "' outside a for loop");
            this.isBreak = isBreak;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // control flow, not an error: no stack trace needed
        }
    }

    /** {@code {% break %}} or {@code {% continue %}}. */
    record LoopControlTag(String name) implements Tag {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getEndTagName() {
            return null;
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            throw new LoopControl(name.equals("break"));
        }
    }
}
