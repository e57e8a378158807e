package dev.turbo4j.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code tojson} filter as Hugging Face defines it for chat templates:
 * {@code json.dumps(x, ensure_ascii=False, indent=indent, separators=separators,
 * sort_keys=sort_keys)}. Unlike Jinjava's own filter it writes Python's default separators
 * ({@code ", "} and {@code ": "}), and it does not escape HTML characters.
 */
final class PythonJson implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return filter(value, interpreter, args, Map.of());
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
        boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        String itemSeparator = indent == null ? ", " : ",";
        String keySeparator = ": ";
        if (kwargs.get("separators") instanceof List<?> separators && separators.size() == 2) {
            itemSeparator = String.valueOf(separators.get(0));
            keySeparator = String.valueOf(separators.get(1));
        }
        String indentText = switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(n.intValue());
            default -> indent.toString();
        };
        return new Writer(indentText, itemSeparator, keySeparator, sortKeys).write(value);
    }

    private record Writer(String indent, String itemSeparator, String keySeparator, boolean sortKeys) {

        String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out, 0);
            return out.toString();
        }

        private void write(Object value, StringBuilder out, int depth) {
            switch (value) {
                case null -> out.append("null");
                case Boolean b -> out.append(b);
                case Double d -> out.append(pythonFloat(d));
                case Float f -> out.append(pythonFloat(f.doubleValue()));
                case Number n -> out.append(n);
                case CharSequence s -> quote(s.toString(), out);
                case Map<?, ?> m -> writeMap(m, out, depth);
                case Collection<?> c -> writeList(new ArrayList<>(c), out, depth);
                case Object array when array.getClass().isArray() -> {
                    List<Object> items = new ArrayList<>();
                    for (int i = 0; i < Array.getLength(array); i++) {
                        items.add(Array.get(array, i));
                    }
                    writeList(items, out, depth);
                }
                default -> quote(value.toString(), out);
            }
        }

        private void writeMap(Map<?, ?> map, StringBuilder out, int depth) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            Map<?, ?> entries = sortKeys ? new TreeMap<>(map) : map;
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                out.append(first ? "" : itemSeparator);
                newline(out, depth + 1);
                Object key = e.getKey();
                quote(key instanceof CharSequence ? key.toString() : write(key), out);
                out.append(keySeparator);
                write(e.getValue(), out, depth + 1);
                first = false;
            }
            newline(out, depth);
            out.append('}');
        }

        private void writeList(List<?> items, StringBuilder out, int depth) {
            if (items.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < items.size(); i++) {
                out.append(i == 0 ? "" : itemSeparator);
                newline(out, depth + 1);
                write(items.get(i), out, depth + 1);
            }
            newline(out, depth);
            out.append(']');
        }

        private void newline(StringBuilder out, int depth) {
            if (indent != null) {
                out.append('\n').append(indent.repeat(depth));
            }
        }
    }

    /** Python's {@code repr(float)} for the common cases: {@code 1.0}, {@code 0.5}, {@code 1e-05}. */
    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return (long) d + ".0";
        }
        String s = Double.toString(d); // e.g. 1.0E-5 -> 1e-05
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e).replaceAll("\\.0$", "");
        int exponent = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
