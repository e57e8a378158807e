package dev.turbo4j.core.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;

/**
 * Python's {@code ==} and {@code !=} for template expressions. The expression language
 * Jinjava builds on converts before comparing ({@code '' == false} and {@code '1' == 1} are
 * true there); Python compares values of different kinds as unequal, except numbers (with
 * {@code True} as 1). The official Llama-2 template's {@code system_message != false} depends
 * on it: an empty system prompt still gets its {@code <<SYS>>} block.
 */
final class PythonEquality {
    private PythonEquality() {
    }

    static boolean equal(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) { // before identity: NaN is not equal to itself
            return numbersEqual(a, b);
        }
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isString(a) && isString(b)) {
            return a.toString().equals(b.toString());
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            Iterator<?> i = x.iterator();
            Iterator<?> j = y.iterator();
            while (i.hasNext()) {
                if (!equal(i.next(), j.next())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    private static boolean isNumber(Object o) {
        return o instanceof Number || o instanceof Boolean;
    }

    private static boolean isString(Object o) {
        return o instanceof CharSequence || o instanceof SafeString;
    }

    /** As Python compares numbers: exactly, ints against floats too; NaN equals nothing. */
    private static boolean numbersEqual(Object a, Object b) {
        if (isFloating(a) || isFloating(b)) {
            double x = asDouble(a);
            double y = asDouble(b);
            if (Double.isNaN(x) || Double.isNaN(y) || Double.isInfinite(x) || Double.isInfinite(y)) {
                return x == y;
            }
        }
        return exact(a).compareTo(exact(b)) == 0;
    }

    private static boolean isFloating(Object o) {
        return o instanceof Double || o instanceof Float;
    }

    private static double asDouble(Object o) {
        return o instanceof Boolean bool ? (bool ? 1 : 0) : ((Number) o).doubleValue();
    }

    private static BigDecimal exact(Object o) {
        return switch (o) {
            case Boolean bool -> bool ? BigDecimal.ONE : BigDecimal.ZERO;
            case BigDecimal d -> d;
            case BigInteger i -> new BigDecimal(i);
            case Double d -> new BigDecimal(d); // the double's exact value
            case Float f -> new BigDecimal(f.doubleValue());
            case Number n -> BigDecimal.valueOf(n.longValue());
            default -> throw new IllegalArgumentException("not a number: " + o);
        };
    }

    private static final AstBinary.Operator EQ =
        (bindings, context, left, right) -> equal(left.eval(bindings, context), right.eval(bindings, context));
    private static final AstBinary.Operator NE =
        (bindings, context, left, right) -> !equal(left.eval(bindings, context), right.eval(bindings, context));

    /** Jinjava's expression syntax with {@code ==} and {@code !=} as Python's. */
    public static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        public SyntaxBuilder() {
        }

        public SyntaxBuilder(Feature... features) {
            super(features);
        }

        @Override
        protected jinjava.de.odysseus.el.tree.impl.Parser createParser(String expression) {
            return new Parser(this, expression);
        }
    }

    private static final class Parser extends ExtendedParser {
        Parser(SyntaxBuilder builder, String expression) {
            super(builder, expression);
        }

        @Override
        protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
            return super.createAstBinary(left, right, operator == AstBinary.EQ ? EQ : operator == AstBinary.NE ? NE : operator);
        }
    }
}
