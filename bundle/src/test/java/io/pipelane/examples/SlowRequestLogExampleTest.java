package io.pipelane.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.BodyHandlers;
import io.pipelane.ConnectionFactory;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.testing.ScriptedServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

/** The README's example listener is this module's {@link SlowRequestLog}, and it logs a slow request. */
class SlowRequestLogExampleTest {

    @Test
    void theReadmeShowsTheCompiledExample() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String marker = "<!-- compiled: bundle/src/test/java/io/pipelane/examples/SlowRequestLog.java -->";
        int at = readme.indexOf(marker);
        assertTrue(at >= 0, "the README marks its example listener");
        int start = readme.indexOf("```java\n", at) + "```java\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start));
        String source = Files.readString(Path.of("src/test/java/io/pipelane/examples/SlowRequestLog.java"));
        String compiled = source.substring(source.indexOf("@Component"));
        assertEquals(compiled.strip(), shown.strip());
    }

    @Test
    void aSlowResponseIsLogged() throws Exception {
        BlockingQueue<String> logged = new LinkedBlockingQueue<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r.getLevel() + " " + r.getMessage()); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger logger = Logger.getLogger("com.example.slow");
        logger.addHandler(capture);
        try (ScriptedServer server = new ScriptedServer(peer -> {
                 peer.readRequest();
                 Thread.sleep(700); // a response that is slow by construction, not a race
                 peer.respond(200, "late");
             });
             ConnectionFactory factory = ConnectionFactory.builder()
                     .endpoint("billing", Endpoint.http(server.host(), server.port()))
                     .listener(new SlowRequestLog())
                     .build()) {
            assertEquals("late", factory.create("billing").call(Request.get("/invoices"), BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS).body());
            String line = logged.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "the slow request was logged");
            assertTrue(line.matches("WARNING GET /invoices on Connection#\\d+\\[billing] took \\d+ ms"), line);
        } finally {
            logger.removeHandler(capture);
        }
    }
}
