package dev.turbo4j.core.chat;

import static dev.turbo4j.core.chat.ChatMessage.assistant;
import static dev.turbo4j.core.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.time.Year;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Jinja2 behaviour Hugging Face chat templates depend on, where Jinjava differs from
 * Python Jinja2. Expected values are what Python Jinja2 (with HF's environment) prints, except
 * that a boolean printed directly reads {@code true}/{@code false} here, {@code True}/{@code False}
 * in Python (a known difference).
 */
class JinjaCompatibilityTest {

    private static final List<ChatMessage> CHAT = List.of(user("hi"), assistant("hello"));

    private static String render(String source) {
        return render(source, Map.of());
    }

    private static String render(String source, Map<String, ?> variables) {
        return new JinjaChatTemplate("test", source, Map.of("bos_token", "<s>")).render(CHAT, true, variables);
    }

    @Test
    void truthIsPythonsSoTheTextFalseIsAnOrdinaryString() {
        // Jinjava alone takes the string "false" (any case) as false.
        assertThat(new JinjaChatTemplate("test", "{% for m in messages %}{% if m.content %}[{{ m.content }}]{% endif %}{% endfor %}",
            Map.of()).render(List.of(user("false"), assistant("False"), user("")), false)).isEqualTo("[false][False]");
        assertThat(render("{% for m in ['false', '', 'x', 'False'] if m %}[{{ m }}]{% endfor %}")).isEqualTo("[false][x][False]");
        assertThat(render("{{ 'a' if 'false' else 'b' }}|{{ 'false' or 'z' }}|{{ '' or 'z' }}|{% if not 'False' %}x{% else %}y{% endif %}"
            + "|{% if 'false' and 'FALSE' %}t{% endif %}{% if [] %}L{% elif 0.0 %}Z{% elif 'false' %}e{% endif %}"))
            .isEqualTo("a|false|z|y|te");
    }

    @Test
    void keywordArgumentsMayHoldWholeExpressions() {
        // Qwen3's template opens with namespace(multi_step_tool=true, last_query_index=messages|length - 1).
        assertThat(render("{% set ns = namespace(last=messages|length - 1, flag=true, s='a' ~ 'b') %}{{ ns.last }}{{ ns.s }}"))
            .isEqualTo("1ab");
        assertThat(render("{{ 'x'|tojson(indent=2) }}{% set ns = namespace(a=(1 + 1), b=[1, 2][0] + 1,"
            + " c=messages[0]['role'] == 'user', d='-x') %}{{ ns.a }}{{ ns.b }}{{ ns.d }}{% if ns.c %}C{% endif %}"))
            .isEqualTo("\"x\"22-xC");
        assertThat(render("{% set ns = namespace(a=namespace(b=messages|length - 1).b + 1) %}{{ ns.a }}")).isEqualTo("2");
    }

    @Test
    void commentsControlWhitespaceAsInJinja2() {
        assertThat(render("A\n{# c #}\nB")).isEqualTo("A\nB");
        assertThat(render("A\n\n{# c #}\n\n{{- 'B' }}")).isEqualTo("A\n\nB");
        assertThat(render("A  {#- c -#}  B")).isEqualTo("AB");
        assertThat(render("x\n  {# c #}\ny")).isEqualTo("x\ny");
        assertThat(render("{% for m in messages %}{# per message #}\n{{ m.role }}\n{% endfor %}")).isEqualTo("user\nassistant\n");
        assertThat(render("{% raw %}{# x #}{{ y }}{% endraw %}|{{ 'a' }}")).isEqualTo("{# x #}{{ y }}|a");
        // Jinjava alone never ends a raw block at {%- endraw %}
        assertThat(render("A  {%- raw -%}  {{ x }}\\' q  {%- endraw -%}  |{{ 'a' }}")).isEqualTo("A{{ x }}\\' q|a");
        assertThat(render("{% raw %}\nX{% endraw %}\nY")).isEqualTo("\nXY");
        // Jinja2 reads template text with its newlines as \n (newline_sequence)
        assertThat(render("A\r\n{# c #}\r\nB{% if true %}\r\nC{% endif %}")).isEqualTo("A\nBC");
    }

    @Test
    void theGlobalFunctionsAreDefined() {
        // Llama 3.1/3.2 templates take today's date only "if strftime_now is defined".
        assertThat(render("{#- lead #}\n{%- if strftime_now is defined %}d{% endif %}{% if raise_exception is defined %}r{% endif %}"))
            .isEqualTo("dr");
    }

    @Test
    void generationBlocksRenderTheirBody() {
        assertThat(render("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]\n"
            + "{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}")).isEqualTo("hi[hello]\n");
    }

    @Test
    void equalityIsPythonsWithoutConversions() {
        String[] cases = {"'' == false", "'' != false", "0 == false", "1 == true", "'1' == 1", "[] == false", "none == none",
            "1 == 1.0", "[1, 'a'] == [1, 'a']", "{'a': 1} == {'a': 1.0}", "messages[0].role == 'user'", "'a' != 'a'",
            "9007199254740993 == 9007199254740992.0"};
        StringBuilder template = new StringBuilder();
        for (String c : cases) {
            template.append("{% if ").append(c).append(" %}T{% else %}F{% endif %}");
        }
        // Python: False True True True False False True True True True True False False (ints and floats exactly)
        assertThat(render(template.toString())).isEqualTo("FTTTFFTTTTTFF");
        // the official Llama-2 template's test: an empty system prompt keeps its <<SYS>> block
        assertThat(new JinjaChatTemplate("llama2", "{% set system_message = messages[0]['content'] %}"
            + "{% if system_message != false %}<<SYS>>{{ system_message }}<</SYS>>{% endif %}", Map.of())
            .render(List.of(new ChatMessage("system", ""), user("q")), false)).isEqualTo("<<SYS>><</SYS>>");
    }

    @Test
    void pythonStringMethods() {
        assertThat(render("{{ '  a b \u00a0'.strip() }}|{{ 'xxaxx'.lstrip('x') }}|{{ 'xxaxx'.rstrip('x') }}|{{ ' a '.lstrip() }}|"))
            .isEqualTo("a b|axx|xxa|a |");
        assertThat(render("{{ 'abc'.startswith('ab') }} {{ 'abc'.startswith('b') }} {{ 'abc'.endswith(['x', 'c']) }}"))
            .isEqualTo("true false true");
        assertThat(render("{{ 'a b  c '.split() | length }}|{{ 'a,b,c'.split(',', 1)[1] }}|{{ 'a.b.c'.rsplit('.', 1)[0] }}"
            + "|{{ 'x</think>\\n\\ny'.split('</think>')[-1].lstrip('\\n') }}"))
            .isEqualTo("3|b,c|a.b|y");
        assertThat(render("{{ 'ab'.upper() }} {{ 'AB'.lower() }} {{ 'hello wORLD'.title() }} {{ 'hELLO'.capitalize() }}"))
            .isEqualTo("AB ab Hello World Hello");
        assertThat(render("{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ '-'.join(['x', 'y']) }}"))
            .isEqualTo("bbb bba x-y");
        assertThat(render("{{ 'a\\nb\\r\\nc\\n'.splitlines() | length }} {{ 'banana'.count('an') }} {{ 'banana'.find('n') }}"))
            .isEqualTo("3 2 2");
    }

    @Test
    void trimFilterStripsUnicodeWhitespaceLikePython() {
        assertThat(render("[{{ '\u00a0 x \u2003' | trim }}]")).isEqualTo("[x]");
    }

    @Test
    void slicesWithAStep() {
        assertThat(render("{{ 'abc'[::-1] }}|{{ 'abcdef'[1:5:2] }}|{{ 'abcdef'[1:3] }}|{{ 'abcdef'[-2:] }}"))
            .isEqualTo("cba|bd|bc|ef");
        assertThat(render("{% for m in messages[::-1] %}{{ m.role }} {% endfor %}")).isEqualTo("assistant user ");
    }

    @Test
    void breakAndContinue() {
        assertThat(render("{% for i in [1, 2, 3, 4, 5] %}{% if i == 2 %}{% continue %}{% endif %}"
            + "{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}")).isEqualTo("13");
        assertThat(render("{% for i in [1, 2] %}{% for j in [1, 2, 3] %}{% if j == 2 %}{% break %}{% endif %}"
            + "{{ i }}{{ j }} {% endfor %}{% endfor %}")).isEqualTo("11 21 ");
    }

    @Test
    void breakOutsideALoopIsAnError() {
        assertThatThrownBy(() -> render("{% break %}"))
            .isInstanceOf(ChatTemplateException.class).hasMessageContaining("'break' outside a for loop");
    }

    @Test
    void loopVariables() {
        assertThat(render("{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}"
            + "{{ loop.length }}{{ loop.revindex0 }};{% endfor %}"))
            .isEqualTo("01truefalse21;12falsetrue20;");
        assertThat(render("{% for i in [1, 2, 3] %}{{ loop.previtem is defined }}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"))
            .isEqualTo("false-2;true1-3;true2-;");
    }

    @Test
    void loopFilterElseAndScoping() {
        assertThat(render("{% for m in messages if m.role == 'assistant' %}{{ loop.index }}{{ m.content }}{% endfor %}"))
            .isEqualTo("1hello");
        assertThat(render("{% for x in [] %}no{% else %}empty{% endfor %}")).isEqualTo("empty");
        // as in Jinja2, a variable set in a loop does not leak out of it; a namespace carries state out
        assertThat(render("{% set last = 'none' %}{% set ns = namespace(n=0) %}{% for m in messages %}"
            + "{% set last = m.role %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ last }} {{ ns.n }}"))
            .isEqualTo("none 2");
    }

    @Test
    void dictMethods() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        assertThat(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.get('z', 'dflt') }}{{ d.get('a') }}"
            + "{% for k in d %}{{ k }}{% endfor %}{{ d.keys() | length }}", Map.of("d", d)))
            .isEqualTo("a=1;b=2;dflt1ab2");
    }

    @Test
    void tojsonWritesWhatPythonJsonDumpsWrites() {
        assertThat(render("{{ {'s': 'é\"\\n', 'n': none, 't': true, 'l': [1, 2.5], 'e': {} } | tojson }}"))
            .isEqualTo("{\"s\": \"é\\\"\\n\", \"n\": null, \"t\": true, \"l\": [1, 2.5], \"e\": {}}");
        assertThat(render("{{ {'a': [1]} | tojson(indent=2) }}")).isEqualTo("{\n  \"a\": [\n    1\n  ]\n}");
        assertThat(render("{{ '<b>&' | tojson }}")).isEqualTo("\"<b>&\"");
    }

    @Test
    void definedNoneAndUndefined() {
        assertThat(render("{{ messages[0].tool_calls is defined }} {{ messages[0].role is defined }} "
            + "{{ nothing is defined }} {{ none is none }} [{{ nothing }}] {{ 'x' is string }} {{ 1 is string }}"))
            .isEqualTo("false true false true [] true false");
        assertThat(render("{% if not messages[0].tool_calls %}no tools{% endif %}")).isEqualTo("no tools");
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        assertThatThrownBy(() -> render("{% if messages | length > 1 %}{{ raise_exception('Only one message!') }}{% endif %}"))
            .isInstanceOf(ChatTemplateException.class).hasMessage("Only one message!");
    }

    @Test
    void otherTemplateErrorsAreReportedWithTheTemplateName() {
        assertThatThrownBy(() -> render("{% if %}x{% endif %}"))
            .isInstanceOf(ChatTemplateException.class).hasMessageContaining("chat template test");
        assertThatThrownBy(() -> render("{{ 'x'.no_such_method() }}"))
            .isInstanceOf(ChatTemplateException.class).hasMessageContaining("no_such_method");
    }

    @Test
    void whitespaceControlAsHuggingFaceSetsIt() {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before it
        assertThat(render("{% for m in messages %}\n    {% if true %}\n{{ m.role }}\n    {% endif %}\n{% endfor %}\n"))
            .isEqualTo("user\nassistant\n");
        // ...but only at the start of a line: a space after text or an expression stays
        assertThat(render("{{ 'a' }} {% if true %}b{% endif %}x\n\t{# c #}d")).isEqualTo("a bx\nd");
        assertThat(render("a  {{- 'b' -}}  c {#- note -#} d\n  {%- if true %} e{% endif %}")).isEqualTo("abcd e");
        // Jinja2 drops one trailing newline of the template (keep_trailing_newline=False)
        assertThat(render("x\n")).isEqualTo("x");
        assertThat(render("x\n\n")).isEqualTo("x\n");
    }

    @Test
    void notBindsLooserThanInIsAndComparisons() {
        assertThat(render("{{ not 'z' in 'xy' }} {{ not messages[0].role is defined }} {{ not messages[0]['role'] is none }} "
            + "{{ not 1 == 2 }} {{ not 1 != 2 }} {{ not nothing is not defined }} {{ not messages[0].role == 'user' and true }}"))
            .isEqualTo("true false true true false false false");
    }

    @Test
    void rewritesLeaveStringsAndTextAlone() {
        assertThat(render("not x in y, a[::-1] {{ 'not x in y, a[::-1]' }} {{ \"not 'q' is z\" }}"))
            .isEqualTo("not x in y, a[::-1] not x in y, a[::-1] not 'q' is z");
    }

    @Test
    void filtersBindTighterThanPlus() {
        assertThat(render("[{{ 'a' + ' b ' | trim + 'c' }}]")).isEqualTo("[abc]");
    }

    @Test
    void stringEscapesInLiterals() {
        assertThat(render("{{ 'a\\nb' }}|{{ \"c\\td\" }}|{{ 'it\\'s' }}")).isEqualTo("a\nb|c\td|it's");
    }

    @Test
    void messageTextIsNeverInterpretedAsTemplateCode() {
        var template = new JinjaChatTemplate("t", "{% for m in messages %}{{ m.content }}{% endfor %}", Map.of("bos_token", "<s>"));
        assertThat(template.render(List.of(user("{{ bos_token }}{% if true %}x{% endif %}")), false))
            .isEqualTo("{{ bos_token }}{% if true %}x{% endif %}");
    }

    @Test
    void strftimeNow() {
        assertThat(render("{{ strftime_now('%Y') }}")).isEqualTo(Year.now().toString());
        assertThat(TemplateFunctions.strftime(LocalDateTime.of(2024, 7, 5, 9, 3, 7), "%d %b %Y|%-d|%H:%M:%S|%A %B|%j|%I%p|%%"))
            .isEqualTo("05 Jul 2024|5|09:03:07|Friday July|187|09AM|%");
    }

    @Test
    void extraVariablesOverrideDefaults() {
        assertThat(render("{{ bos_token }}{{ add_generation_prompt }}", Map.of("bos_token", "<BOS>"))).isEqualTo("<BOS>true");
    }
}
