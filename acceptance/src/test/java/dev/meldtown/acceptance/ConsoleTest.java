package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console (module {@code console}, issue 13 items 4 and 5) in a real browser: Debian's chromium driven through
 * its chromium-driver (scripts/install/chromium.sh) against a real {@code bin/stack up}. It signs in from the URL
 * fragment and from the form, sees a document appear and change live after commits made through the API, resolves a
 * document conflict, and resolves a manual sync's Dolt row conflicts row by row. Screenshots of the main views are left
 * in {@code acceptance/target/console-screenshots} (the README's are copies, docs/console/).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@NeedsTools("chromium")
class ConsoleTest {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final Path SHOTS = LocalStack.ROOT.resolve("acceptance/target/console-screenshots");

    @TempDir
    static Path stackDir;
    @TempDir
    static Path profile;
    static LocalStack stack;
    static WebDriver browser;
    static String console;
    static String hub;
    static String sync;
    static String writer;
    static String admin;

    /**
     * On a failure, the page as the browser has it, beside the screenshots: {@code failed-<test>.png}, its HTML, and a
     * line on stderr with its address, its readyState and the browser console's messages (a page that never rendered
     * says why there).
     */
    @RegisterExtension
    static final TestWatcher EVIDENCE = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (browser == null) {
                return;
            }
            String name = "failed-" + context.getRequiredTestMethod().getName();
            try {
                Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                Files.writeString(SHOTS.resolve(name + ".html"), redacted(browser.getPageSource()));
                System.err.printf("[console] %s: at %s, readyState %s; %s.png and .html in %s%n", name, redacted(browser.getCurrentUrl()),
                        script("return document.readyState"), name, SHOTS);
                for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
                    System.err.printf("[console] %s: browser %s %s%n", name, e.getLevel(), redacted(e.getMessage()));
                }
            } catch (RuntimeException | java.io.IOException e) {
                System.err.printf("[console] %s: the page could not be saved: %s%n", name, e);
            }
        }
    };

    /** Without anything that looks like a JWT (a test's token stays out of the build log). */
    static String redacted(String text) {
        return text == null ? null : text.replaceAll("eyJ[\\w-]*\\.[\\w-]*\\.[\\w-]*", "<token>");
    }

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(stackDir);
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        console = stack.get("CONSOLE_URL");
        assertThat(console).as(".stack/env has CONSOLE_URL").isEqualTo(stack.get("BLOCK_STORE_URL") + "/console/");
        hub = stack.get("BLOCK_STORE_URL") + "/v1/tenants/demo";
        sync = stack.get("SYNC_ORCHESTRATOR_URL") + "/v1/tenants/demo";
        writer = stack.token("demo", "writer");
        admin = stack.token("demo", "admin");
        Files.createDirectories(SHOTS);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium"));
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,1000");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL")); // kept for a failure's evidence
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(executable("chromedriver"))).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void down() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.down();
        }
    }

    /** After each test: neither service logged the tokens the browser used (tokens never go into URLs or logs). */
    @AfterEach
    void noTokenInTheLogs() throws Exception {
        try (Stream<Path> logs = Files.list(stackDir.resolve("logs"))) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(text).as("%s holds no token", log.getFileName()).doesNotContain(writer).doesNotContain(admin);
            }
        }
    }

    @Test
    @Order(1)
    void signsInFromTheFragmentWhichLeavesTheAddressBarAndFromThePasteForm() throws Exception {
        // a pasted token that is not a JWT is refused with a readable error
        browser.get(console);
        WebElement input = until(d -> d.findElement(By.id("token-input")));
        input.sendKeys("not-a-token");
        browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
        until(d -> d.findElement(By.id("alert")).isDisplayed() && d.findElement(By.id("alert")).getText().contains("Not a Meldtown token"));

        // the paste form signs in; signing out while the documents are still loading (every request held 1.5 s here)
        // leaves the sign-in form: the late answer of the ended session must not replace it (it once did, with "Cannot
        // read properties of null (reading 'tenant')", which failed a full run)
        ChromeDriver chrome = (ChromeDriver) browser;
        chrome.executeCdpCommand("Network.enable", Map.of());
        chrome.executeCdpCommand("Network.emulateNetworkConditions",
                Map.of("offline", false, "latency", 1500, "downloadThroughput", -1, "uploadThroughput", -1));
        try {
            input = browser.findElement(By.id("token-input"));
            input.clear();
            input.sendKeys(writer);
            browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
            until(d -> d.findElement(By.id("who-text")).getText().contains("tenant demo"));
            assertThat(browser.findElement(By.id("who-text")).getText()).contains("writer");
            browser.findElement(By.id("sign-out")).click();
            until(d -> d.findElement(By.id("token-input")).isDisplayed());
            Thread.sleep(3000); // the documents' answer arrives meanwhile
            assertThat(browser.findElement(By.id("token-input")).isDisplayed()).as("the sign-in form stays").isTrue();
            assertThat(browser.findElement(By.id("alert")).isDisplayed()).as("no error from the ended session's view").isFalse();
        } finally {
            chrome.executeCdpCommand("Network.emulateNetworkConditions",
                    Map.of("offline", false, "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
        }

        // /#token=<jwt> signs in, and the fragment is removed from the address bar at once
        browser.get(console + "#token=" + writer);
        until(d -> d.findElement(By.id("who-text")).getText().contains("tenant demo"));
        assertThat(browser.getCurrentUrl()).doesNotContain(writer).doesNotContain("token=").endsWith("/console/#/docs");
        assertThat(script("return history.length > 0 && !location.href.includes('token')")).isEqualTo(true);
        // the demo tenant's towns and federation, read cross-origin from the sync-orchestrator, with its feed live
        until(d -> "live".equals(d.findElement(By.id("feed")).getAttribute("data-syncs")));

        // keyboard: a view puts the focus on its heading; Shift+Tab walks back through the navigation to the skip link,
        // Tab forward to a navigation link, Enter follows it; the skip link moves the focus to the content
        browser.get(console + "#/docs");
        until(d -> "view-title".equals(script("return document.activeElement.id")));
        assertThat(walk(true, "skip-link")).as("Shift+Tab from the heading passes the navigation").contains("nav:towns", "nav:docs");
        assertThat(walk(false, "nav:towns")).as("Tab from the skip link").containsExactly("nav:docs", "nav:towns");
        new Actions(browser).sendKeys(Keys.ENTER).perform();
        WebElement towns = browser.findElement(By.cssSelector("[data-nav=towns]"));
        until(d -> d.findElement(By.id("view-title")).getText().equals("Towns and peers"));
        assertThat(towns.getAttribute("aria-current")).isEqualTo("page");
        until(d -> !d.findElements(By.cssSelector("section.town[data-town=south] tr[data-peer=north]")).isEmpty());
        shot("towns");
        until(d -> "view-title".equals(script("return document.activeElement.id")));
        walk(true, "skip-link");
        new Actions(browser).sendKeys(Keys.ENTER).perform();
        until(d -> "main".equals(script("return document.activeElement.id")));
        assertThat(browser.getCurrentUrl()).as("the skip link keeps the view").endsWith("#/towns");
    }

    /** Presses Tab (or Shift+Tab) until the focused element is {@code target}; returns what it passed (ids, nav:NAME). */
    private static List<String> walk(boolean back, String target) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Actions keys = new Actions(browser);
            (back ? keys.keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT) : keys.sendKeys(Keys.TAB)).perform();
            String focused = (String) script("const e = document.activeElement; return e.dataset.nav ? 'nav:' + e.dataset.nav : e.id");
            seen.add(focused);
            if (target.equals(focused)) {
                return seen;
            }
        }
        throw new AssertionError("keyboard focus never reached " + target + "; it went through " + seen);
    }

    @Test
    @Order(2)
    void aDocumentCommittedThroughTheApiAppearsAndChangesLiveWithoutAReload() throws Exception {
        browser.get(console + "#/docs");
        until(d -> d.findElement(By.id("view-title")).getText().equals("Documents"));
        script("window.__sameLoad = 'yes'");
        String doc = "live-notes";
        assertThat(browser.findElements(By.cssSelector("[data-doc='" + doc + "']"))).isEmpty();

        ok(LocalStack.send("PUT", hub + "/docs/" + doc, writer, Map.of("compression", "none", "conflictPolicy", "keep")));
        ok(LocalStack.post(hub + "/docs/" + doc + "/replicas/hub/commits", writer,
                Map.of("document", Map.of("title", "First words"), "author", "alice", "description", "start")));
        WebElement link = until(d -> d.findElement(By.cssSelector("[data-doc='" + doc + "'] a")));
        link.click();
        until(d -> d.findElement(By.id("current-json")).getText().contains("First words"));
        until(d -> "live".equals(d.findElement(By.id("feed")).getAttribute("data-document")));
        assertThat(browser.findElements(By.cssSelector("#log tr[data-block]"))).hasSize(1);

        // a second commit through the API: the open view follows the document's feed
        ok(LocalStack.post(hub + "/docs/" + doc + "/replicas/hub/commits", writer,
                Map.of("document", Map.of("title", "Second words"), "author", "bob", "description", "edit")));
        until(d -> d.findElement(By.id("current-json")).getText().contains("Second words"));
        until(d -> d.findElements(By.cssSelector("#log tr[data-block]")).size() == 2);
        until(d -> !d.findElements(By.cssSelector("#feed-list li[data-type='dev.meldtown.block.committed']")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("#log svg g[data-block]"))).as("the graph draws both blocks").hasSize(2);
        assertThat(script("return window.__sameLoad")).as("no reload happened").isEqualTo("yes");
    }

    @Test
    @Order(3)
    void aWriterResolvesADocumentConflictFromTheDocumentView() throws Exception {
        String doc = "groceries";
        String base = hub + "/docs/" + doc;
        ok(LocalStack.send("PUT", base, writer, Map.of("compression", "none", "conflictPolicy", "keep")));
        ok(LocalStack.post(base + "/replicas/a/commits", writer, Map.of("document", groceries("Milk"))));
        meld(base, "a", "b");
        assertThat(LocalStack.await(WAIT, () -> milk(base, "b").equals("Milk"))).as("b received a's list").isTrue();
        ok(LocalStack.post(base + "/replicas/a/commits", writer, Map.of("document", groceries("Oat milk"))));
        ok(LocalStack.post(base + "/replicas/b/commits", writer, Map.of("document", groceries("2 l of milk"))));
        meld(base, "b", "a");
        assertThat(LocalStack.await(WAIT, () -> conflicts(base).size() == 1)).as("a holds the conflict on milk").isTrue();
        JsonNode conflict = conflicts(base).get(0);
        String loser = conflict.get("others").get(0).get("revision").asText();
        String loserTitle = conflict.get("others").get(0).get("value").get("title").asText();

        browser.get(console + "#/docs/" + doc + "/a");
        WebElement card = until(d -> d.findElement(By.cssSelector("article.conflict[data-object='" + conflict.get("object").asText() + "']")));
        assertThat(card.findElement(By.cssSelector(".leaf.winner")).getText()).contains(conflict.get("winner").get("value").get("title").asText());
        assertThat(card.getText()).contains("Oat milk").contains("2 l of milk");
        assertThat(browser.findElements(By.cssSelector("#log tr[data-block]")).size()).as("the log shows every block of a").isGreaterThanOrEqualTo(3);
        shot("document");

        card.findElement(By.cssSelector(".leaf[data-revision='" + loser + "'] button.resolve-leaf")).click();
        until(d -> d.findElement(By.id("conflicts")).getText().contains("No conflicts."));
        assertThat(conflicts(base)).isEmpty();
        assertThat(milk(base, "a")).as("the chosen leaf won").isEqualTo(loserTitle);
        until(d -> d.findElement(By.id("current-json")).getText().contains(loserTitle));
    }

    @Test
    @Order(4)
    void aWriterResolvesTheRowConflictsOfAManualSyncRowByRow() throws Exception {
        String pair = sync + "/towns/south/peers/north";
        sql("north", "CREATE TABLE tasks (id INT PRIMARY KEY, title VARCHAR(40), prio INT)",
                "INSERT INTO tasks VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)", "CALL DOLT_COMMIT('-Am', 'tasks')");
        JsonNode aligned = json(ok(LocalStack.post(pair + "/sync", writer, Map.of("strategy", "theirs"))));
        assertThat(aligned.get("error").isNull()).as(aligned.toString()).isTrue();
        sql("north", "UPDATE tasks SET title = CONCAT('north-', id)", "CALL DOLT_COMMIT('-Am', 'north edits')");
        sql("south", "UPDATE tasks SET title = CONCAT('south-', id), prio = prio * 10", "CALL DOLT_COMMIT('-Am', 'south edits')");
        JsonNode manual = json(ok(LocalStack.post(pair + "/sync", writer, Map.of("strategy", "manual"))));
        assertThat(manual.get("error").get("category").asText()).as(manual.toString()).isEqualTo("conflict");

        browser.get(console + "#/towns");
        WebElement peerRow = until(d -> d.findElement(By.cssSelector("section.town[data-town=south] tr[data-peer=north]")));
        until(d -> d.findElement(By.cssSelector("section.town[data-town=south] tr[data-peer=north]")).getText().contains("yes"));
        peerRow = browser.findElement(By.cssSelector("section.town[data-town=south] tr[data-peer=north]"));
        peerRow.findElement(By.linkText("north")).click();
        until(d -> d.findElements(By.cssSelector("#rows-form tr[data-table=tasks]")).size() == 3);
        assertThat(browser.findElement(By.id("resolve-rows")).isEnabled()).as("not until every row has a choice").isFalse();
        assertThat(browser.findElement(By.id("sync-history")).getText()).contains("manual").contains("conflict");

        choose(1, "ours");
        choose(2, "theirs");
        assertThat(browser.findElement(By.id("rows-progress")).getText()).isEqualTo("2 of 3 rows chosen");
        WebElement third = choose(3, "value");
        WebElement value = third.findElement(By.tagName("textarea"));
        value.clear();
        value.sendKeys("{\"title\":\"agreed\",\"prio\":9}");
        shot("row-conflicts");
        browser.findElement(By.id("resolve-rows")).click();
        until(d -> d.findElement(By.id("row-conflicts")).getText().contains("No kept conflicts"));
        until(d -> d.findElement(By.id("sync-history")).getText().contains("(resolved)"));

        // the towns hold the choices: 1 as south had it, 2 as north had it, 3 as typed
        Map<Integer, String> rows = new LinkedHashMap<>();
        try (Connection c = stack.sql("south"); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT id, title, prio FROM tasks ORDER BY id")) {
            while (r.next()) {
                rows.put(r.getInt(1), r.getString(2) + "/" + r.getInt(3));
            }
        }
        assertThat(rows).containsExactly(Map.entry(1, "south-1/10"), Map.entry(2, "north-2/2"), Map.entry(3, "agreed/9"));
        assertThat(LocalStack.getJson(sync + "/towns/south/peers/north/syncs?limit=1", writer).get(0).get("conflictsResolved").asBoolean()).isTrue();
    }

    @Test
    @Order(5)
    void federationsFollowTheSyncFeedProblemsShowAndANarrowScreenFits() throws Exception {
        browser.get(console + "#/federations");
        WebElement fed = until(d -> d.findElement(By.cssSelector("section.federation[data-federation=demo]")));
        assertThat(fed.getText()).contains("No round yet.");
        until(d -> "live".equals(d.findElement(By.id("feed")).getAttribute("data-syncs")));
        script("window.__sameLoad = 'yes'");
        // a round run through the API: its sync.completed events reach the open view through the sync feed
        JsonNode round = json(ok(LocalStack.post(sync + "/federations/demo/sync", admin, Map.of())));
        assertThat(round.isArray()).isTrue();
        until(d -> d.findElement(By.cssSelector("section.federation[data-federation=demo]")).getText().contains("Last round"));
        until(d -> !d.findElements(By.cssSelector("#feed-list li[data-type='dev.meldtown.sync.completed']")).isEmpty());
        assertThat(script("return window.__sameLoad")).as("no reload happened").isEqualTo("yes");
        fed = browser.findElement(By.cssSelector("section.federation[data-federation=demo]"));
        assertThat(fed.getText()).contains("mesh").contains("north").contains("south");
        shot("federations");

        // a service's problem+json is shown as it was answered
        browser.get(console + "#/docs/no-such-doc");
        until(d -> d.findElement(By.id("alert")).isDisplayed() && d.findElement(By.id("alert")).getText().startsWith("404 Not Found: ")
                && d.findElement(By.id("alert")).getText().contains("no-such-doc"));

        // a narrow screen: nothing scrolls sideways, tables stack their cells
        browser.manage().window().setSize(new Dimension(390, 900));
        try {
            for (String view : List.of("#/docs/groceries/a", "#/towns", "#/towns/south/peers/north", "#/federations")) {
                browser.get(console + view);
                until(d -> !d.findElements(By.id("view-title")).isEmpty());
                Thread.sleep(500);
                assertThat(script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
                        .as("%s fits a 390 px wide screen", view).isEqualTo(true);
            }
            browser.get(console + "#/docs/groceries/a");
            until(d -> !d.findElements(By.id("current-json")).isEmpty());
            shot("narrow-document");
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 1000));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String executable(String name) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new IllegalStateException(name + " is not installed: run scripts/install/chromium.sh");
    }

    private static <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(browser, WAIT).ignoring(RuntimeException.class).until(d -> {
            T value = condition.apply(d);
            return Boolean.FALSE.equals(value) ? null : value;
        });
    }

    private static Object script(String js) {
        return ((JavascriptExecutor) browser).executeScript(js);
    }

    /** A screenshot of the whole page (the window grows to the page's height for it, up to 3000 px). */
    private static void shot(String name) throws Exception {
        Dimension before = browser.manage().window().getSize();
        long height = (Long) script("return Math.min(3000, document.documentElement.scrollHeight + 140)");
        browser.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.max(before.getHeight(), height)));
        Thread.sleep(300);
        Files.write(SHOTS.resolve(name + ".png"), ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
        browser.manage().window().setSize(before);
    }

    private static WebElement choose(int id, String take) {
        WebElement row = browser.findElement(By.cssSelector("#rows-form tr[data-table=tasks][data-key='{\"id\":" + id + "}']"));
        row.findElement(By.cssSelector("input[type=radio][value=" + take + "]")).click();
        return row;
    }

    private static HttpResponse<String> ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return r;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return LocalStack.JSON.readTree(r.body());
    }

    private static Map<String, Object> groceries(String milk) {
        return Map.of("title", "Groceries", "items\u266D", List.of(Map.of("_id", "milk", "title", milk), Map.of("_id", "bread", "title", "Bread")));
    }

    private static void meld(String base, String source, String target) throws Exception {
        ok(LocalStack.post(base + "/replicas/" + target + "/meld", writer, Map.of("source", source)));
    }

    private static List<JsonNode> conflicts(String base) {
        try {
            List<JsonNode> list = new ArrayList<>();
            LocalStack.getJson(base + "/replicas/a/conflicts", writer).forEach(list::add);
            return list;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String milk(String base, String replica) {
        try {
            for (JsonNode item : LocalStack.getJson(base + "/replicas/" + replica + "/document", writer).path("items\u266D")) {
                if ("milk".equals(item.path("_id").asText())) {
                    return item.path("title").asText();
                }
            }
            return "";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sql(String town, String... statements) throws Exception {
        try (Connection c = stack.sql(town); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
