package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.ProxyOptions;
import io.pipelane.ProxyRules;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.TlsOptions;
import io.pipelane.testing.DebianPackage;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache through a real proxy, Debian's tinyproxy ({@link DebianPackage} installs it when missing; {@code .ci/run}
 * installs it for CI, where the test fails rather than skip without it). {@link ProxyTest} covers the same ground
 * with a proxy written in test code.
 */
class TinyproxyTest {
    private static final Path TINYPROXY = Path.of("/usr/bin/tinyproxy");

    private final ConnectionFactory factory = ConnectionFactory.builder().build();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Process tinyproxy;
    private int port;

    @BeforeEach
    void startTinyproxy(@TempDir Path dir) throws Exception {
        DebianPackage.require("tinyproxy", TINYPROXY);
        // tinyproxy binds a port found free here, later: another process may take it first. Then tinyproxy ends
        // ("Could not create listening sockets") and is started again on another port. Once it logs that it
        // accepts connections, it has bound the port itself, so the port is its own.
        StringBuilder seen = new StringBuilder();
        for (int attempt = 0; attempt < 5 && tinyproxy == null; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path conf = dir.resolve("tinyproxy.conf");
            Files.writeString(conf, String.join("\n", "Port " + port, "Listen 127.0.0.1", "Timeout 5",
                    "MaxClients 20", "Allow 127.0.0.1", "LogLevel Info", "DisableViaHeader Yes", ""));
            Process p = new ProcessBuilder(TINYPROXY.toString(), "-d", "-c", conf.toString())
                    .redirectErrorStream(true).start();
            // Ready once it logs that it accepts connections (or it ended).
            BufferedReader log = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            seen.setLength(0);
            boolean accepting = false;
            for (String line; !accepting && (line = log.readLine()) != null; ) {
                seen.append(line).append('\n');
                accepting = line.contains("Accepting connections");
            }
            if (!accepting) {
                p.waitFor(10, TimeUnit.SECONDS);
                assertTrue(seen.toString().contains("Could not create listening sockets"),
                        "tinyproxy did not start:\n" + seen);
                continue; // its port was taken: another one
            }
            tinyproxy = p;
            Thread drain = new Thread(() -> {
                try {
                    while (log.readLine() != null) {
                        // keep its pipe from filling up
                    }
                } catch (IOException ignored) {
                    // it ended
                }
            }, "tinyproxy-log");
            drain.setDaemon(true);
            drain.start();
        }
        assertTrue(tinyproxy != null && tinyproxy.isAlive(), "tinyproxy found 5 ports taken:\n" + seen);
    }

    @AfterEach
    void tearDown() throws Exception {
        factory.close();
        for (AutoCloseable r : resources) r.close();
        if (tinyproxy != null) {
            tinyproxy.destroy();
            if (!tinyproxy.waitFor(3, TimeUnit.SECONDS)) {
                tinyproxy.destroyForcibly();
                tinyproxy.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static void echo(ScriptedServer.Peer peer) throws IOException {
        for (RecordedRequest r; (r = peer.readRequest()) != null; ) peer.respond(200, r.method + " " + r.target);
    }

    /**
     * tinyproxy serves one request per client connection, yet relays an HTTP/1.1 response without
     * {@code Connection: close}: a request sent next on that connection is written and never answered. A GET is
     * idempotent, so the cache sends it again on a new connection; one at a time, every request completes.
     */
    @Test
    void forwardedThroughTinyproxy() throws Exception {
        ScriptedServer origin = new ScriptedServer(TinyproxyTest::echo);
        resources.add(origin);
        ProxyRules rules = ProxyRules.builder().http(ProxyOptions.of("127.0.0.1", port)).build();
        ConnectionCache cache = factory.cache(CacheOptions.builder().parallel(1).proxies(rules).build());
        resources.add(0, cache);
        Endpoint ep = Endpoint.http("127.0.0.1", origin.port());
        for (int i = 0; i < 4; i++) {
            assertEquals("GET /f" + i, cache.call(ep, Request.get("/f" + i), BodyHandlers.ofString())
                    .get(20, TimeUnit.SECONDS).body());
        }
        assertEquals(0, cache.metrics().get(0).failures());

        // A fresh connection per request suits it best: the requests run side by side.
        ConnectionCache noCache = factory.cache(CacheOptions.noCache().toBuilder().proxies(rules).build());
        resources.add(0, noCache);
        List<CompletableFuture<Response<String>>> rs = new ArrayList<>();
        for (int i = 0; i < 6; i++) rs.add(noCache.call(ep, Request.get("/n" + i), BodyHandlers.ofString()));
        for (int i = 0; i < 6; i++) assertEquals("GET /n" + i, rs.get(i).get(20, TimeUnit.SECONDS).body());
        assertEquals(0, noCache.metrics().get(0).retries());
    }

    @Test
    void tunnelledThroughTinyproxy() throws Exception {
        ProxyTest.certificates(Files.createTempDirectory("pipelane-tls"));
        ScriptedServer origin = new ScriptedServer(TinyproxyTest::echo, ProxyTest.serverTls(), 50);
        resources.add(origin);
        ConnectionCache cache = factory.cache(CacheOptions.builder()
                .connectionOptions(ConnectionOptions.builder()
                        .tls(TlsOptions.builder().sslContext(ProxyTest.clientTls()).build()).build())
                .proxies(ProxyRules.builder().all(ProxyOptions.of("127.0.0.1", port)).build()).build());
        resources.add(0, cache);
        for (int i = 0; i < 3; i++) {
            assertEquals("GET /s" + i, cache.call(Endpoint.https("127.0.0.1", origin.port()), Request.get("/s" + i),
                    BodyHandlers.ofString()).get(20, TimeUnit.SECONDS).body());
        }
        assertEquals(3, origin.requests().size());
    }
}
