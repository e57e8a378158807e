package dev.turbo4j.core.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Answers method calls that templates write in Python but Jinjava would look up as Java
 * methods: {@code content.startswith('x')}, {@code content.strip()}, {@code d.get(k, default)},
 * {@code d.items()}, and {@code seq.py_slice(a, b, step)} (what {@code seq[a:b:step]} is
 * rewritten to, see {@link Jinja2Source}). It is placed before Jinjava's own resolvers;
 * calls it does not know fall through to them.
 */
final class PythonMethods extends ELResolver {

    /** The method name that {@code seq[a:b:step]} is rewritten to. */
    static final String SLICE_METHOD = "py_slice";

    private static final Object UNKNOWN = new Object();
    private static final Pattern LINE_BREAK =
        Pattern.compile("\r\n|[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        String name = method.toString();
        Object result = switch (base) {
            case String s -> stringMethod(s, name, args);
            case Map<?, ?> m -> mapMethod(m, name, args);
            case List<?> l when name.equals(SLICE_METHOD) && args.length == 3 ->
                PythonStrings.slice(l, index(args[0]), index(args[1]), index(args[2]));
            default -> UNKNOWN;
        };
        if (result == UNKNOWN) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static Object stringMethod(String s, String name, Object[] args) {
        int n = args.length;
        return switch (name) {
            case "startswith" -> n >= 1 ? matchesAny(s, args[0], true) : UNKNOWN;
            case "endswith" -> n >= 1 ? matchesAny(s, args[0], false) : UNKNOWN;
            case "strip" -> PythonStrings.strip(s, optString(args, 0), true, true);
            case "lstrip" -> PythonStrings.strip(s, optString(args, 0), true, false);
            case "rstrip" -> PythonStrings.strip(s, optString(args, 0), false, true);
            case "split" -> PythonStrings.split(s, optString(args, 0), optInt(args, 1, -1));
            case "rsplit" -> PythonStrings.rsplit(s, optString(args, 0), optInt(args, 1, -1));
            case "splitlines" -> n == 0 ? splitLines(s) : UNKNOWN;
            case "upper" -> n == 0 ? s.toUpperCase() : UNKNOWN;
            case "lower" -> n == 0 ? s.toLowerCase() : UNKNOWN;
            case "title" -> n == 0 ? PythonStrings.title(s) : UNKNOWN;
            case "capitalize" -> n == 0 ? PythonStrings.capitalize(s) : UNKNOWN;
            case "replace" -> n >= 2 ? PythonStrings.replace(s, str(args[0]), str(args[1]), optInt(args, 2, -1)) : UNKNOWN;
            case "find" -> n == 1 ? (long) s.indexOf(str(args[0])) : UNKNOWN;
            case "rfind" -> n == 1 ? (long) s.lastIndexOf(str(args[0])) : UNKNOWN;
            case "count" -> n == 1 ? count(s, str(args[0])) : UNKNOWN;
            case "join" -> n == 1 ? join(s, args[0]) : UNKNOWN;
            case "isdigit" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isDigit) : UNKNOWN;
            case "isalpha" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(Character::isLetter) : UNKNOWN;
            case "isspace" -> n == 0 ? !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isSpace) : UNKNOWN;
            case SLICE_METHOD -> n == 3 ? PythonStrings.slice(s, index(args[0]), index(args[1]), index(args[2])) : UNKNOWN;
            default -> UNKNOWN;
        };
    }

    private static Object mapMethod(Map<?, ?> m, String name, Object[] args) {
        return switch (name) {
            case "get" -> switch (args.length) {
                case 1 -> m.get(args[0]);
                case 2 -> m.containsKey(args[0]) ? m.get(args[0]) : args[1];
                default -> UNKNOWN;
            };
            case "items" -> {
                List<List<Object>> pairs = new ArrayList<>(m.size());
                m.forEach((k, v) -> pairs.add(Arrays.asList(k, v)));
                yield pairs;
            }
            case "keys" -> new ArrayList<Object>(m.keySet());
            case "values" -> new ArrayList<Object>(m.values());
            default -> UNKNOWN;
        };
    }

    private static boolean matchesAny(String s, Object prefixes, boolean atStart) {
        if (prefixes instanceof Collection<?> options) { // Python accepts a tuple of prefixes
            return options.stream().anyMatch(p -> atStart ? s.startsWith(str(p)) : s.endsWith(str(p)));
        }
        return atStart ? s.startsWith(str(prefixes)) : s.endsWith(str(prefixes));
    }

    private static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>(List.of(LINE_BREAK.split(s, -1)));
        if (lines.getLast().isEmpty()) { // a trailing line break does not start another line
            lines.removeLast();
        }
        return lines;
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long count = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            count++;
        }
        return count;
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> iterable) {
            iterable.forEach(item -> parts.add(str(item)));
        } else {
            return str(items);
        }
        return String.join(separator, parts);
    }

    private static String str(Object o) {
        return String.valueOf(o);
    }

    private static String optString(Object[] args, int i) {
        return args.length > i && args[i] != null ? str(args[i]) : null;
    }

    private static int optInt(Object[] args, int i, int fallback) {
        return args.length > i && args[i] instanceof Number num ? num.intValue() : fallback;
    }

    private static Long index(Object o) {
        return o instanceof Number num ? num.longValue() : null;
    }

    // Only method calls are handled here; properties are left to Jinjava's resolvers.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
