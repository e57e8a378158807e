package dev.turbo4j.core.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * A Jinjava set up to render Hugging Face chat templates as Python Jinja2 does in
 * {@code apply_chat_template}: {@code trim_blocks} and {@code lstrip_blocks} on, Jinja2
 * operator precedence (filters bind tighter than {@code +}; see {@link Jinja2Source} for
 * {@code not}), Python string and dict methods, Python-style {@code tojson} and {@code trim},
 * {@code break}/{@code continue}, slices with a step, and the {@code raise_exception} /
 * {@code strftime_now} globals. Thread-safe: every render gets its own interpreter.
 */
final class JinjaEnvironment {
    private JinjaEnvironment() {
    }

    private static final Jinjava JINJAVA = create();
    /** The functions Hugging Face adds to a template's globals. */
    private static final List<String> GLOBAL_FUNCTIONS = List.of("raise_exception", "strftime_now");

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            // lstrip_blocks: done by Jinja2Source (Jinjava's also strips mid-line spaces)
            .withNestedInterpretationEnabled(false) // message text is data, never template code
            .withFailOnUnknownTokens(false) // undefined names render empty, as in Jinja2
            .withElResolver(resolver)
            .withLegacyOverrides(LegacyOverrides.newBuilder()
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withUseTrimmingForNotesAndExpressions(true) // {{- x -}} and {#- -#} trim too
                .build())
            .build();
        Jinjava jinjava = new PythonJinjava(config);
        var globals = jinjava.getGlobalContext();
        globals.registerTag(new PythonTruth.Tag());
        globals.registerTag(new PythonForTag());
        globals.registerTag(new GenerationTag());
        globals.registerTag(new PythonForTag.LoopControlTag("break"));
        globals.registerTag(new PythonForTag.LoopControlTag("continue"));
        globals.registerFilter(new PythonJson());
        globals.registerFilter(new PythonTrim());
        globals.registerFunction(function("raise_exception", "raiseException"));
        globals.registerFunction(function("strftime_now", "strftimeNow"));
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String javaName) {
        try {
            Method method = TemplateFunctions.class.getDeclaredMethod(javaName, String.class);
            method.setAccessible(true); // the class is package-private
            return new ELFunctionDefinition("", name, method);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Renders {@code source} with {@code variables}.
     *
     * @throws ConversationRejectedException with the template's own message for {@code raise_exception}
     * @throws ChatTemplateException         with Jinjava's description of the template's first fatal error
     */
    static String render(String templateName, String source, Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(variables);
        // Functions are not variables in Jinjava; these make "strftime_now is defined" true, as
        // templates that fall back to a fixed date otherwise test.
        for (String function : GLOBAL_FUNCTIONS) {
            context.putIfAbsent(function, function);
        }
        RenderResult result = JINJAVA.renderForResult(Jinja2Source.forJinjava(source), context);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
                continue;
            }
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof ConversationRejectedException raised) {
                    throw new ConversationRejectedException(raised.getMessage(), raised);
                }
            }
            throw new ChatTemplateException("chat template " + templateName + " failed at line "
                + error.getLineno() + ": " + error.getMessage());
        }
        return result.getOutput();
    }

    /** Jinjava whose expressions coerce to boolean by {@link PythonTruth} and compare by {@link PythonEquality}. */
    private static final class PythonJinjava extends Jinjava {
        private final ExpressionFactory expressions;

        PythonJinjava(JinjavaConfig config) {
            super(config);
            Properties properties = new Properties();
            properties.setProperty(TreeBuilder.class.getName(), PythonEquality.SyntaxBuilder.class.getName());
            expressions = new ExpressionFactoryImpl(properties, new PythonTruth.Converter());
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return expressions;
        }
    }

    /**
     * {@code {% generation %}}: Hugging Face marks the assistant's part of a prompt with it (for
     * training masks); rendering prints the body.
     */
    private static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** The {@code trim} filter with Python's {@code str.strip()} (Unicode whitespace, optional chars). */
    private static final class PythonTrim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            if (value == null) {
                return "";
            }
            return PythonStrings.strip(value.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }
}
