package dev.turbo4j.server;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The system's Chromium and chromedriver (Debian packages {@code chromium} and
 * {@code chromium-driver}), driven headless by Selenium. Both are found on the machine and
 * handed to Selenium explicitly, so Selenium Manager never runs and nothing is downloaded.
 * Missing browser: a test failure under CI (CI=true), a skip with the install command otherwise.
 */
final class HeadlessChromium {
    private static final List<String> BROWSERS = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/lib/chromium/chromium", "/usr/bin/google-chrome");
    private static final List<String> DRIVERS = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

    private HeadlessChromium() {
    }

    /** A new headless browser with a desktop-sized window. */
    static ChromeDriver start() {
        Optional<String> browser = find("turbo4j.chromium", BROWSERS);
        Optional<String> driver = find("webdriver.chrome.driver", DRIVERS);
        if (browser.isEmpty() || driver.isEmpty()) {
            String message = "the web UI browser test needs Chromium and chromedriver (" + (browser.isEmpty()
                    ? "no chromium" : "no chromedriver") + " found); install them with: "
                    + "apt-get install -y chromium chromium-driver (scripts/test.sh does this when run as root)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.get());
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL")); // console errors, CSP reports
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,900", "--no-first-run", "--disable-extensions", "--disable-background-networking");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driver.get())).usingAnyFreePort().build();
        ChromeDriver chrome = new ChromeDriver(service, options);
        chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return chrome;
    }

    private static Optional<String> find(String property, List<String> candidates) {
        String given = System.getProperty(property);
        if (given != null && Files.isExecutable(Path.of(given))) {
            return Optional.of(given);
        }
        return candidates.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
    }
}
