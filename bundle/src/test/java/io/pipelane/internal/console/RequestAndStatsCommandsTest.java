package io.pipelane.internal.console;

import static io.pipelane.internal.osgi.RealFramework.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;
import io.pipelane.internal.osgi.PipelaneCore;
import io.pipelane.internal.osgi.PipelaneRuntime;
import io.pipelane.internal.osgi.RealFramework;
import io.pipelane.testing.ClosedPort;
import io.pipelane.testing.ScriptedServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pipelane:request} and {@code pipelane:stats} over the real core in a real framework, against a real
 * server on loopback: what an operator sees, byte for byte where it matters.
 */
class RequestAndStatsCommandsTest {
    private static final String SECRET = "request-secret-token";

    @TempDir
    Path storage;
    private RealFramework framework;
    private PipelaneRuntime runtime;
    private RequestCommand request;
    private StatsCommand stats;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        framework = new RealFramework(storage.resolve("framework"));
        runtime = new PipelaneCore(framework.context());
        request = new RequestCommand(runtime);
        stats = new StatsCommand(runtime);
    }

    @AfterEach
    void stop() throws Exception {
        framework.close();
        runtime.engine().close(new io.pipelane.ConnectionClosedException("test over"));
        if (server != null) server.close();
    }

    /** Answers each request with 201, an X-Echo field and a body naming what it received. */
    private void echoServer() throws Exception {
        server = new ScriptedServer(peer -> {
            ScriptedServer.RecordedRequest r;
            while ((r = peer.readRequest()) != null) {
                byte[] body = (r.method + " " + r.target + " x-trace=" + r.header("X-Trace") + " body="
                        + r.bodyText()).getBytes(StandardCharsets.UTF_8);
                peer.send("HTTP/1.1 201 Created\r\nX-Echo: yes\r\nContent-Length: " + body.length + "\r\n\r\n");
                peer.send(body);
            }
        });
        runtime.putEndpoint("io.pipelane.endpoint~echo", config("io.pipelane.endpoint~echo", "uri", uri()));
    }

    private String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    /** What the command printed, and how it failed (null if it did not). */
    private record Run(String output, Exception failure) {
    }

    private Run request(Object... words) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Exception failure = null;
        try {
            request.send(words, out);
        } catch (Exception e) {
            failure = e;
        }
        return new Run(bytes.toString(StandardCharsets.UTF_8), failure);
    }

    @Test
    void aRequestWithAHeaderAndABodyRoundTripsAndIsPrintedLikeCurlAndCounted() throws Exception {
        echoServer();
        Run put = request("-X", "PUT", "-H", "X-Trace: abc", "-d", "hello there", "echo", "/items/1");
        assertEquals(null, put.failure());
        String echoed = "PUT /items/1 x-trace=abc body=hello there";
        assertEquals("HTTP/1.1 201 Created\nX-Echo: yes\nContent-Length: " + echoed.length() + "\n\n" + echoed + "\n",
                put.output());

        // A body from a file to a URL: POST by default, the query kept, the fragment never sent.
        Path file = Files.writeString(storage.resolve("body.txt"), "from a file", StandardCharsets.UTF_8);
        Run post = request("-f", file.toString(), uri() + "/upload?x=1#part");
        assertEquals(null, post.failure());
        assertTrue(post.output().startsWith("HTTP/1.1 201 Created\n"), post.output());
        assertTrue(post.output().endsWith("\n\nPOST /upload?x=1 x-trace=null body=from a file\n"), post.output());

        String echo = stats.text("echo");
        assertTrue(echo.startsWith("echo  " + uri() + "\n"), echo);
        assertTrue(echo.contains("\n  requests     1, 0 in flight, 1 completed, 0 failed\n"), echo);
        assertTrue(echo.contains("\n  connections  0 live, 1 opened, 0 failed to connect; 0 pipelining, 1 not\n")
                || echo.contains("\n  connections  0 live, 1 opened, 0 failed to connect; 1 pipelining, 0 not\n"),
                echo);
        assertTrue(Pattern.compile("\n  latency      p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms "
                + "\\(1 responses\\)\n").matcher(echo).find(), echo);
        assertTrue(echo.contains("\n  bytes        "), echo);
        assertFalse(echo.contains(uri() + "\n  requests"), "only the endpoint asked for: " + echo);
        // The URL's connection counts under its URI, beside the configured endpoint.
        String all = stats.text(null);
        assertTrue(all.contains("\n" + uri() + "\n  connections"), all);
        assertTrue(all.contains("Connection listeners: none registered.\n"), all);
        // A URI selects the endpoints configured with it and the traffic to it as a URL.
        String byUri = stats.text(uri());
        assertTrue(byUri.startsWith("echo  " + uri() + "\n") && byUri.contains("\n" + uri() + "\n  connections"), byUri);
        assertEquals("No statistics for http://****@h: no configured endpoint of that name and no traffic to it.\n"
                + "\nConnection listeners: none registered.\n", stats.text("http://u:" + SECRET + "@h"));
    }

    @Test
    void aBinaryBodyIsNotPrintedButSavedWithDashO() throws Exception {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) binary[i] = (byte) i;
        server = new ScriptedServer(peer -> {
            while (peer.readRequest() != null) {
                peer.send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 256\r\n\r\n");
                peer.send(binary);
            }
        });
        Run shown = request(uri() + "/blob");
        assertEquals(null, shown.failure());
        assertEquals("HTTP/1.1 200 OK\nContent-Type: application/octet-stream\nContent-Length: 256\n\n"
                + "[binary body, 256 bytes, application/octet-stream: not printed; -o FILE saves it]\n", shown.output());

        Path saved = storage.resolve("blob.bin");
        Run kept = request("-o", saved.toString(), uri() + "/blob");
        assertEquals(null, kept.failure());
        assertTrue(kept.output().endsWith("\n\n[256 bytes of body saved to " + saved + "]\n"), kept.output());
        assertArrayEquals(binary, Files.readAllBytes(saved));
    }

    @Test
    void textIsPrintedInTheCharsetItNamesAndControlCharactersMakeABodyBinary() {
        io.pipelane.Headers latin1 = io.pipelane.Headers.of("Content-Type", "text/plain; charset=\"ISO-8859-1\"");
        assertEquals("caf\u00e9\n", ResponseText.body(new byte[] {'c', 'a', 'f', (byte) 0xe9}, latin1));
        io.pipelane.Headers none = io.pipelane.Headers.empty();
        assertEquals("caf\u00e9\n", ResponseText.body("caf\u00e9".getBytes(StandardCharsets.UTF_8), none));
        assertEquals("a\r\nb\tc\n", ResponseText.body("a\r\nb\tc\n".getBytes(StandardCharsets.UTF_8), none));
        // An escape sequence would drive the operator's terminal: the body counts as binary.
        assertEquals("[binary body, 9 bytes: not printed; -o FILE saves it]\n",
                ResponseText.body("\u001b[2Jboom!".getBytes(StandardCharsets.UTF_8), none));
        // Not UTF-8.
        assertEquals("[binary body, 2 bytes: not printed; -o FILE saves it]\n",
                ResponseText.body(new byte[] {(byte) 0xc3, (byte) 0x28}, none));
        assertEquals("", ResponseText.body(new byte[0], none));
    }

    @Test
    void aFailurePrintsItsCauseChainAndNoSecret() throws Exception {
        try (ClosedPort stopped = new ClosedPort()) {
            aFailurePrintsItsCauseChainAndNoSecret(stopped.port());
        }
    }

    private void aFailurePrintsItsCauseChainAndNoSecret(int closed) {
        String url = "http://127.0.0.1:" + closed + "/x";
        Run refused = request("-H", "Authorization: Bearer " + SECRET, url);
        assertTrue(refused.failure() instanceof IllegalStateException, String.valueOf(refused.failure()));
        assertEquals("pipelane:request: GET /x to " + url + " failed", refused.failure().getMessage());
        assertTrue(refused.output().startsWith("request failed: GET /x to " + url + ": RetryException: "),
                refused.output());
        assertTrue(refused.output().contains(" <- ConnectException: "), refused.output());
        assertFalse(refused.output().contains(SECRET), refused.output());

        // A URL with user-info is refused, masked; so is a header that is not 'Name: value'.
        Run userInfo = request("http://u:" + SECRET + "@127.0.0.1:" + closed + "/");
        assertTrue(userInfo.failure() instanceof IllegalArgumentException, String.valueOf(userInfo.failure()));
        assertTrue(userInfo.failure().getMessage().contains("http://****@127.0.0.1:" + closed),
                userInfo.failure().getMessage());
        Run badHeader = request("-H", "Bearer " + SECRET, url);
        assertEquals("pipelane:request: -H number 1 is not 'Name: value' (no name before a ':')",
                badHeader.failure().getMessage());
        // A value glued to its option, or an unknown option with a value, is not quoted back.
        Run glued = request("-HAuthorization: Bearer " + SECRET, url);
        assertEquals("pipelane:request: -H takes its value as the next word (-H value)", glued.failure().getMessage());
        Run gluedBody = request("-d" + SECRET, url);
        assertEquals("pipelane:request: -d takes its value as the next word (-d value)",
                gluedBody.failure().getMessage());
        Run longForm = request("--header=Authorization: Bearer " + SECRET, url);
        assertEquals("pipelane:request: unknown option '--header...'", longForm.failure().getMessage());
        // An unquoted field splits into words: the value would be taken for the target (an endpoint name).
        Run unquoted = request("-H", "Authorization:", SECRET, "/x");
        assertEquals("pipelane:request: -H number 1 has no value after its ':' (quote the field as one word: "
                + "-H 'Name: value')", unquoted.failure().getMessage());
        for (Run r : new Run[] {userInfo, badHeader, glued, gluedBody, longForm, unquoted}) {
            assertFalse((r.output() + r.failure().getMessage()).contains(SECRET), r.toString());
            assertTrue(r.output().startsWith("usage: pipelane:request [-X method] [-H 'Name: value'] "), r.output());
        }
    }

    @Test
    void helpAndWrongArgumentsPrintTheUsageAndNameTheProblem() throws Exception {
        Run help = request("--help");
        assertEquals(null, help.failure());
        assertTrue(help.output().startsWith("usage: pipelane:request [-X method] [-H 'Name: value'] [-d text] "
                + "[-f file] [-o file] <target> [path]\n"), help.output());
        String[][] wrong = {
            {"", "pipelane:request: missing <target>"},
            {"-X", "pipelane:request: -X needs a value"},
            {"-d a -f /nonexistent echo", "pipelane:request: give one body: -d or -f, once"},
            {"-f /nonexistent/body echo", "pipelane:request: -f: cannot read the file '/nonexistent/body'"},
            {"-v echo", "pipelane:request: unknown option '-v'"},
            {"echo / more", "pipelane:request: unexpected argument 'more'"},
            {"http://127.0.0.1:1/ /more", "pipelane:request: unexpected argument '/more': a URL carries its path"},
            {"ftp://127.0.0.1/", "pipelane:request: <target> 'ftp://127.0.0.1' is neither an endpoint name nor an "
                    + "http:// or https:// URL"},
            {"-X G:T echo", "pipelane:request: invalid method \"G:T\": a method is a token"},
            {"-H Bad(Name:x echo", "pipelane:request: invalid header name \"Bad(Name\": a header name is a "
                    + "non-empty token (RFC 9110 §5.6.2)"}};
        for (String[] w : wrong) {
            Run r = request((Object[]) (w[0].isEmpty() ? new String[0] : w[0].split(" ")));
            assertTrue(r.failure() instanceof IllegalArgumentException, w[0] + ": " + r.failure());
            assertEquals(w[1], r.failure().getMessage(), w[0]);
            assertTrue(r.output().startsWith("usage: pipelane:request"), w[0] + ": " + r.output());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stats.stats("a", "b"));
        assertEquals("pipelane:stats: unexpected argument 'b'", e.getMessage());
    }

    @Test
    void statsShowEachListenersDeliveriesAndDrops() throws Exception {
        echoServer();
        CountDownLatch closedSeen = new CountDownLatch(1);
        ConnectionListener listener = new ConnectionListener() {
            @Override
            public void connectionClosed(ConnectionEvent.ConnectionClosed e) {
                closedSeen.countDown();
            }
        };
        runtime.engine().events().addListener(listener, java.util.Set.of("echo"), "test listener (service 7)");
        assertEquals(null, request("echo").failure());
        assertTrue(closedSeen.await(10, TimeUnit.SECONDS));
        // The close event counts as delivered once connectionClosed returned: wait for the count, not for a time.
        Pattern row = Pattern.compile("(?m)^  test listener \\(service 7\\)\\s+echo\\s+7\\s+0\\s+0\\s+0$");
        String text = stats.text(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!row.matcher(text).find() && System.nanoTime() < deadline) {
            Thread.sleep(10);
            text = stats.text(null);
        }
        assertTrue(row.matcher(text).find(), "7 events delivered (opened, persistence, queued, written, head, "
                + "complete, closed), none dropped:\n" + text);
        assertTrue(Pattern.compile("(?m)^Connection listeners:\n  LISTENER\\s+ENDPOINTS\\s+DELIVERED\\s+DROPPED\\s+"
                + "FAILED\\s+QUEUED$").matcher(text).find(), text);
    }
}
