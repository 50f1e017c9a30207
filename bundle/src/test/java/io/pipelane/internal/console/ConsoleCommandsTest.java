package io.pipelane.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.pipelane.internal.osgi.RealFramework.config;

import io.pipelane.UnknownEndpointException;
import io.pipelane.internal.osgi.PipelaneRuntime;
import io.pipelane.internal.osgi.RealFramework;
import io.pipelane.testing.ClosedPort;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the console shows of configurations: each error with its PID and key, the defaults in force, and never a
 * secret. The commands run over the real core in a real framework.
 */
class ConsoleCommandsTest {
    private static final String PROXY_PASSWORD = "console-proxy-pw";
    private static final String URI_PASSWORD = "console-uri-pw";
    private static final String STORE_PASSWORD = "console-store-pw";

    @TempDir
    Path storage;
    private RealFramework framework;
    private PipelaneRuntime runtime;
    private EndpointsCommand endpoints;
    private GetCommand get;
    private CacheCommand cache;

    @BeforeEach
    void start() throws Exception {
        framework = new RealFramework(storage);
        runtime = new io.pipelane.internal.osgi.PipelaneCore(framework.context());
        endpoints = new EndpointsCommand(runtime);
        get = new GetCommand(runtime);
        cache = new CacheCommand(runtime);
    }

    @AfterEach
    void stop() throws Exception {
        framework.close();
        runtime.engine().close(new io.pipelane.ConnectionClosedException("test over"));
    }

    @Test
    void endpointsShowsEachErrorWithItsPidAndKeyAndNoSecret() throws Exception {
        runtime.defaults(config("io.pipelane", "proxy.host", "proxy", "proxy.port", "3128", "proxy.user", "u",
                "proxy.password", PROXY_PASSWORD), null);
        runtime.putEndpoint("io.pipelane.endpoint~good", config("io.pipelane.endpoint~good", "uri",
                "http://127.0.0.1:1", "proxy.host", "p", "proxy.port", "1", "proxy.user", "u", "proxy.password",
                PROXY_PASSWORD));
        runtime.putEndpoint("io.pipelane.endpoint~creds", config("io.pipelane.endpoint~creds", "uri",
                "https://svc:" + URI_PASSWORD + "@127.0.0.1:1"));
        runtime.putEndpoint("io.pipelane.endpoint~depth", config("io.pipelane.endpoint~depth", "uri",
                "http://127.0.0.1:1", "maxPipelineDepth", "0"));
        runtime.putTls("io.pipelane.tls~t", config("io.pipelane.tls~t", "truststore", "/nonexistent.p12",
                "truststore.password", STORE_PASSWORD));
        String listing = endpoints.text();
        assertTrue(listing.contains("io.pipelane.endpoint~depth: key 'maxPipelineDepth': 0 is less than 1"), listing);
        assertTrue(listing.contains("io.pipelane.endpoint~creds: key 'uri': invalid endpoint URI "
                + "'https://****@127.0.0.1:1'"), listing);
        assertTrue(listing.contains("https://****@127.0.0.1:1"), listing);
        assertTrue(listing.contains("io.pipelane.tls~t: key 'truststore'"), listing);
        assertTrue(listing.contains("proxy.password=****"), listing);
        for (String secret : new String[] {PROXY_PASSWORD, URI_PASSWORD, STORE_PASSWORD}) {
            assertFalse(listing.contains(secret), listing);
        }
        UnknownEndpointException e = assertThrows(UnknownEndpointException.class,
                () -> get.get("https://u:" + URI_PASSWORD + "@h", "/"));
        assertFalse(e.getMessage().contains(URI_PASSWORD), e.getMessage());
        assertFalse(cache.text("https://u:" + URI_PASSWORD + "@h").contains(URI_PASSWORD));
    }

    @Test
    void endpointsShowsAnInvalidDefaultsConfigurationAndTheDefaultsInForce() {
        runtime.defaults(config("io.pipelane", "connectTimeout", "3s"), null);
        runtime.defaults(config("io.pipelane", "connectTimeout", "999999999d"), null);
        String listing = endpoints.text();
        assertTrue(listing.contains("Defaults (io.pipelane): INVALID, not applied: io.pipelane: key 'connectTimeout': "
                + "999999999d is more than 365d"), listing);
        assertTrue(listing.contains("in force: the last valid io.pipelane (fix or delete the configuration to "
                + "recover)"), listing);
        assertTrue(listing.contains("Defaults in force: persistence=AUTO, connectTimeout=3s"), listing);
        runtime.defaults(null, null);
        assertFalse(endpoints.text().contains("INVALID"), "deleting it recovers");
    }

    /**
     * Issue 14: pipelane:get against a stopped server. Whether the connect is refused before or after a request is
     * queued (both happen over the runs), every request's line names the refusal, never a bare "(FAILED)".
     */
    @Test
    void getAgainstAStoppedServerNamesTheCauseOnEveryLine() throws Exception {
        try (ClosedPort stopped = new ClosedPort()) {
            runtime.putEndpoint("io.pipelane.endpoint~stopped", config("io.pipelane.endpoint~stopped", "uri",
                    stopped.uri()));
            for (int run = 0; run < 20; run++) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> get.send("stopped", "/", 4, out));
                assertEquals("4 of 4 request(s) to stopped failed", e.getMessage());
                String text = bytes.toString(StandardCharsets.UTF_8);
                List<String> failed = text.lines().filter(l -> l.matches("#\\d+ failed: .*"))
                        .collect(Collectors.toList());
                assertEquals(4, failed.size(), text);
                for (String line : failed) {
                    assertTrue(line.contains("Connection refused to 127.0.0.1:" + stopped.port()),
                            "the line names the cause: " + line);
                    assertFalse(line.contains("(FAILED) <-") || line.endsWith("(FAILED)"), line);
                }
                assertTrue(text.contains("to stopped (" + stopped.uri() + "/) on one connection"), text);
                assertTrue(text.contains(": no response, 4 failed"), text);
            }
        }
    }
}
