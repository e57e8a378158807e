package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.server.webui.WebUiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web chat UI in a real browser (headless Chromium): over the demo model through the webui
 * server and at the api_server's /ui, and over a scripted backend whose "model output" is
 * markup that must come out as text. Leaves a screenshot in target/webui-screenshot.png.
 */
class WebUiBrowserTest {
    static final Path SCREENSHOT = Path.of("target/webui-screenshot.png");

    static TestServer ts;
    static WebUiServer ui;
    static ScriptedBackend scripted;
    static WebUiServer scriptedUi;
    static ChromeDriver browser;

    @BeforeAll
    static void start() {
        browser = HeadlessChromium.start(); // first: without a browser there is nothing to start
        ts = TestServer.start();
        ui = WebUiServer.start(URI.create(ts.url()), null, "127.0.0.1", 0);
        scripted = new ScriptedBackend();
        scriptedUi = WebUiServer.start(URI.create(scripted.url()), null, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (scriptedUi != null) {
            scriptedUi.close();
            scripted.close();
            ui.close();
            ts.close();
        }
    }

    /** Nothing the page did may have failed: no script errors, no Content-Security-Policy violations. */
    @AfterEach
    void theConsoleStaysClean() {
        List<String> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
        assertThat(severe).as("browser console errors").isEmpty();
    }

    @Test
    void streamsAnswersShowsTheKvBlocksAtWorkAndStops() throws Exception {
        open(ui.url(), TestServer.MODEL);
        int total = ts.engine.stats().totalBlocks();
        waitFor("a cell per KV block, all free", () -> count(".kv-block") == total && count(".kv-block.free") == total);

        // a first, short turn
        setSlider("max_tokens", 24);
        send("Who is the LORD?");
        waitFor("the first answer to finish", () -> !busy());
        assertThat(lastAnswer().getText()).isNotBlank();
        assertThat(text("last-stats")).contains("tokens", "tokens/s", "first token");

        // another client's session keeps its KV blocks between turns: Cached in the panel
        JsonNode kept = TestServer.json(ts.post("/v1/chat/interactive", """
                {"prompt": "Blessed is the man", "session_id": 99, "interactive_mode": true,
                 "request_output_len": 100, "ignore_eos": true}""").body());
        assertThat(kept.get("tokens").asInt()).isEqualTo(100);
        waitFor("cached blocks in the panel", () -> count(".kv-block.cached") > 0);

        // a long second turn: text streams in, blocks turn Active, Stop ends it
        setSlider("max_tokens", 1000);
        setSlider("temperature", 1.0);
        boolean stopped = false;
        for (int attempt = 0; attempt < 3 && !stopped; attempt++) { // the model may end an answer early by itself
            if (attempt == 0) {
                send("Tell me of the kings of Israel.");
            } else {
                browser.findElement(By.id("regenerate")).click();
            }
            waitFor("streamed text", () -> !busy() || !lastAnswer().getText().isBlank());
            int seen = lastAnswer().getText().length();
            waitFor("more streamed text, or the end", () -> !busy() || lastAnswer().getText().length() > seen);
            waitFor("active blocks while generating, or the end", () -> !busy() || count(".kv-block.active") > 0);
            if (busy()) {
                assertThat(browser.findElement(By.id("send")).isDisplayed()).isFalse();
                Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT,
                        StandardCopyOption.REPLACE_EXISTING);
                browser.findElement(By.id("stop")).click();
                waitFor("the answer to stop", () -> !busy());
                stopped = lastAnswerNote().startsWith("stopped");
            }
        }
        assertThat(stopped).as("a generation was stopped with the Stop button").isTrue();
        assertThat(browser.findElement(By.id("send")).isDisplayed()).isTrue();
        assertThat(count(".message.user")).isEqualTo(2);
        assertThat(count(".message.assistant")).isEqualTo(2);
        // Stop closed the stream, and the server cancelled the generation and freed its blocks
        waitFor("no active blocks after Stop", () -> count(".kv-block.active") == 0);
        EngineStats after = ts.engine.stats();
        assertThat(after.running()).isZero();
        assertThat(after.activeBlocks()).isZero();
        ts.post("/v1/chat/interactive", "{\"prompt\": \"\", \"session_id\": 99, \"request_output_len\": 0}");
        waitFor("all blocks free", () -> count(".kv-block.free") == total);
        assertThat(SCREENSHOT).exists();
    }

    @Test
    void regenerateReplacesTheLastAnswerAndNewChatStartsOver() {
        open(ui.url(), TestServer.MODEL);
        setSlider("max_tokens", 12);
        send("In the beginning");
        waitFor("the answer", () -> !busy() && count(".message.assistant") == 1);
        browser.findElement(By.id("regenerate")).click();
        waitFor("the new answer", () -> !busy());
        assertThat(count(".message.user")).isEqualTo(1);
        assertThat(count(".message.assistant")).isEqualTo(1);
        assertThat(lastAnswer().getText()).isNotBlank();
        browser.findElement(By.id("new-chat")).click();
        assertThat(count(".message")).isZero();
        assertThat(browser.findElement(By.id("empty-hint")).isDisplayed()).isTrue();
        assertThat(text("last-stats")).isEmpty();
    }

    @Test
    void theApiServerServesTheSameUiAtSlashUi() {
        open(ts.url() + "/ui", TestServer.MODEL);
        setSlider("max_tokens", 8);
        send("Amen");
        waitFor("the answer", () -> !busy() && count(".message.assistant") == 1);
        assertThat(lastAnswer().getText()).isNotBlank();
        assertThat(count(".kv-block")).isEqualTo(ts.engine.stats().totalBlocks());
    }

    @Test
    void modelOutputIsShownAsTextNeverAsMarkup() throws Exception {
        scripted.answerWith("""
                **Bold** and `code`

                <script>window.__pwned = 1</script>
                <img src=x onerror="window.__pwned = 2">
                [click](javascript:window.__pwned=3) and [docs](https://example.org/a?b=1&c=2)

                ```html
                <b>not bold</b>
                ```""");
        open(scriptedUi.url(), ScriptedBackend.MODEL);
        // the panel draws exactly the pool it is given: A C C F F F F F
        waitFor("the scripted KV pool", () -> count(".kv-block") == 8);
        assertThat(count(".kv-block.active")).isEqualTo(1);
        assertThat(count(".kv-block.cached")).isEqualTo(2);
        assertThat(count(".kv-block.free")).isEqualTo(5);
        assertThat(text("kv-cached")).isEqualTo("2");

        browser.findElement(By.id("system")).sendKeys("Answer briefly.");
        send("<i>hi</i>");
        waitFor("the answer", () -> !busy() && count(".message.assistant") == 1);
        WebElement answer = lastAnswer();
        assertThat(answer.getText()).contains("<script>window.__pwned = 1</script>")
                .contains("<img src=x onerror=\"window.__pwned = 2\">").contains("<b>not bold</b>");
        assertThat(answer.findElements(By.cssSelector("script, img, b, i"))).isEmpty();
        assertThat(answer.findElement(By.tagName("strong")).getText()).isEqualTo("Bold");
        assertThat(answer.findElement(By.cssSelector("p code")).getText()).isEqualTo("code");
        assertThat(answer.findElement(By.cssSelector("pre code")).getText()).isEqualTo("<b>not bold</b>");
        List<WebElement> links = answer.findElements(By.tagName("a"));
        assertThat(links).hasSize(1);
        assertThat(links.getFirst().getAttribute("href")).isEqualTo("https://example.org/a?b=1&c=2");
        assertThat(browser.findElement(By.cssSelector(".message.user .message-body")).getText()).isEqualTo("<i>hi</i>");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.__pwned === undefined")).isEqualTo(true);

        // the request: system prompt first, then the conversation, with the sliders' values
        JsonNode first = scripted.chatRequests.getLast();
        assertThat(first.get("stream").asBoolean()).isTrue();
        assertThat(first.get("model").asText()).isEqualTo(ScriptedBackend.MODEL);
        assertThat(first.get("messages").toString()).isEqualTo(
                "[{\"role\":\"system\",\"content\":\"Answer briefly.\"},{\"role\":\"user\",\"content\":\"<i>hi</i>\"}]");
        assertThat(first.get("temperature").asDouble()).isEqualTo(0.7);
        assertThat(first.get("top_p").asDouble()).isEqualTo(0.8);
        assertThat(first.get("top_k").asInt()).isEqualTo(40);
        assertThat(first.get("max_tokens").asInt()).isEqualTo(256); // the slider is capped at session_len
        scripted.answerWith("Second.");
        send("again");
        waitFor("the second answer", () -> !busy() && count(".message.assistant") == 2);
        JsonNode second = scripted.chatRequests.getLast().get("messages");
        assertThat(second).hasSize(4); // multi-turn: the whole conversation goes with each turn
        assertThat(second.get(2).get("role").asText()).isEqualTo("assistant");
        assertThat(second.get(2).get("content").asText()).startsWith("**Bold** and `code`");
        assertThat(second.get(3).get("content").asText()).isEqualTo("again");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/webui-screenshot-markup.png"),
                StandardCopyOption.REPLACE_EXISTING);

        // on a phone-sized screen the panels stack under the chat, and nothing is wider than the screen
        Dimension desktop = browser.manage().window().getSize();
        try {
            browser.manage().window().setSize(new Dimension(400, 860));
            waitFor("the narrow layout", () -> browser.findElement(By.cssSelector(".side")).getLocation().getY()
                    > browser.findElement(By.cssSelector(".chat")).getLocation().getY());
            assertThat(((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollWidth <= window.innerWidth")).isEqualTo(true);
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/webui-screenshot-narrow.png"),
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.manage().window().setSize(desktop);
        }
    }

    @Test
    void anAnswerCutOffByTheServerIsShownAsBrokenOffAndALengthLimitAsCutOff() {
        open(scriptedUi.url(), ScriptedBackend.MODEL);
        browser.findElement(By.id("new-chat")).click();
        try {
            scripted.answerWith("Half an answer");
            scripted.breakOff(true);
            send("tell me");
            waitFor("the end of the stream", () -> !busy());
            // once this looked like a whole answer: no error, an ordinary note
            assertThat(text("error")).isEqualTo("the answer broke off: the connection closed before the answer ended");
            assertThat(lastAnswer().getText()).isEqualTo("Half an answer");
            assertThat(lastAnswerNote()).startsWith("broken off");
            scripted.breakOff(false);
            scripted.finishWith("length");
            browser.findElement(By.id("prompt")).sendKeys("more");
            browser.findElement(By.id("send")).click(); // the button hides while the answer runs
            waitFor("the second answer", () -> !busy() && count(".message.assistant") == 2);
            assertThat(lastAnswerNote()).startsWith("cut off at the length limit");
            assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
            // focus went back from the hidden button to the message box, not to the page
            assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("prompt");
        } finally {
            scripted.breakOff(false);
            scripted.finishWith("stop");
            scripted.answerWith("Hello.");
        }
    }

    @Test
    void theMarkdownRendererEscapesBeforeItMarksUp() {
        open(scriptedUi.url(), ScriptedBackend.MODEL);
        @SuppressWarnings("unchecked")
        List<String> html = (List<String>) ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import(new URL('markdown.js', document.baseURI).href)
                  .then((m) => done(arguments[0].map(m.renderMarkdown)))
                  .catch((e) => done(['failed: ' + e]));""", List.of(
                "<script>alert(1)</script>",
                "[x](javascript:alert(1)) [y](https://a.b/\"onmouseover=\"alert)",
                "# Title\n\n- one\n- **two**\n\n3. three",
                "```js\nlet a = '<b>';",
                "> quoted *text*\n\n---\nsnake_case_name and _em_",
                "![a cat](https://a.b/cat.png)"));
        assertThat(html).containsExactly(
                "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
                "<p>[x](javascript:alert(1)) <a href=\"https://a.b/&quot;onmouseover=&quot;alert\" target=\"_blank\" "
                        + "rel=\"noopener noreferrer nofollow\">y</a></p>",
                "<h1>Title</h1><ul><li>one</li><li><strong>two</strong></li></ul><ol start=\"3\"><li>three</li></ol>",
                "<pre><code class=\"language-js\">let a = &#39;&lt;b&gt;&#39;;</code></pre>",
                "<blockquote>quoted <em>text</em></blockquote><hr><p>snake_case_name and <em>em</em></p>",
                // an image is a link to it (the page loads none), not "!" and a link
                "<p><a href=\"https://a.b/cat.png\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">image: a cat</a></p>");
    }

    // ---- helpers ------------------------------------------------------------------------

    static void open(String url, String model) {
        browser.get(url);
        waitFor("the model name", () -> text("model-name").equals(model));
    }

    static void send(String message) {
        WebElement prompt = browser.findElement(By.id("prompt"));
        prompt.sendKeys(message);
        prompt.sendKeys(Keys.ENTER);
        waitFor("the answer to start", () -> count(".message.assistant .message-body") > 0);
    }

    static void setSlider(String id, double value) {
        ((JavascriptExecutor) browser).executeScript(
                "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
                        + " s.dispatchEvent(new Event('input'));", id, String.valueOf(value));
    }

    static boolean busy() {
        return "true".equals(browser.findElement(By.tagName("body")).getDomAttribute("data-busy"));
    }

    static WebElement lastAnswer() {
        return browser.findElements(By.cssSelector(".message.assistant .message-body")).getLast();
    }

    static String lastAnswerNote() {
        return browser.findElements(By.cssSelector(".message.assistant .message-note")).getLast().getText();
    }

    static int count(String css) {
        return browser.findElements(By.cssSelector(css)).size();
    }

    static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(50)).withMessage(what)
                .until(d -> condition.getAsBoolean());
    }
}
