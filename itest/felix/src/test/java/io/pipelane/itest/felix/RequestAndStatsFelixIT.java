package io.pipelane.itest.felix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

/**
 * Issue 13 item 5 in Felix with Gogo: pipelane:request sends a request with a header and a body to a configured
 * endpoint and to a URL and prints the response like curl -i; pipelane:stats shows it counted, and the deliveries
 * of a ConnectionListener service; --help and wrong arguments print the usage and fail naming the problem.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RequestAndStatsFelixIT extends FelixTestSupport {
    private HttpServer server;
    private ServiceRegistration<ConnectionListener> listener;

    @After
    public void cleanUp() throws Exception {
        if (listener != null) listener.unregister();
        deleteConfigurations();
        if (server != null) server.stop(0);
    }

    /** The JDK's server on loopback: answers 201 with the method, the target, the X-Trace field and the body. */
    private String echoServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            byte[] answer = (exchange.getRequestMethod() + " " + exchange.getRequestURI() + " x-trace="
                    + exchange.getRequestHeaders().getFirst("X-Trace") + " body=" + body)
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Echo", "yes");
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * What pipelane:request printed, from its status line on: pax-logging's console output of the framework's
     * DEBUG records, written on the command's thread, lands in the session before it.
     */
    private static String response(String session) {
        int at = session.indexOf("HTTP/1.");
        assertTrue("a status line in: " + session, at >= 0);
        return session.substring(at);
    }

    @Test
    public void aRequestWithAHeaderAndABodyRoundTripsAndStatsCountIt() throws Exception {
        String uri = echoServer();
        CountDownLatch closed = new CountDownLatch(1);
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(ConnectionListener.ENDPOINTS_PROPERTY, "echo");
        listener = context.registerService(ConnectionListener.class, new ConnectionListener() {
            @Override
            public void connectionClosed(ConnectionEvent.ConnectionClosed e) {
                closed.countDown();
            }
        }, properties);
        factoryConfig("io.pipelane.endpoint", "echo", "uri", uri);
        factoryReference("(endpoints=echo)");

        String out = response(session("pipelane:request -X PUT -H 'X-Trace: abc' -d 'hello there' echo /items/1"));
        String[] headAndBody = out.split("\n\n", 2);
        String[] head = headAndBody[0].split("\n");
        assertEquals(out, "HTTP/1.1 201 Created", head[0]);
        assertTrue(out, headAndBody[0].contains("\nX-echo: yes") || headAndBody[0].contains("\nX-Echo: yes"));
        String echoed = "PUT /items/1 x-trace=abc body=hello there";
        assertTrue(out, headAndBody[0].toLowerCase(java.util.Locale.ROOT).contains("\ncontent-length: "
                + echoed.length()));
        assertEquals(out, echoed + "\n", headAndBody[1]);

        Path file = Files.createTempFile("pipelane-body", ".txt");
        try {
            Files.writeString(file, "from a file", StandardCharsets.UTF_8);
            out = response(session("pipelane:request -f " + file + " '" + uri + "/upload?x=1'"));
            assertTrue(out, out.startsWith("HTTP/1.1 201 Created\n"));
            assertTrue(out, out.endsWith("\n\nPOST /upload?x=1 x-trace=null body=from a file\n"));
        } finally {
            Files.delete(file);
        }

        assertTrue("the listener saw the connection end", closed.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        String stats = session("pipelane:stats echo");
        assertTrue(stats, stats.contains("\necho  " + uri + "\n") || stats.startsWith("echo  " + uri + "\n"));
        assertTrue(stats, stats.contains("\n  requests     1, 0 in flight, 1 completed, 0 failed\n"));
        assertTrue(stats, stats.contains("\n  timeouts     none\n"));
        assertTrue(stats, stats.contains("\n  resent       0 retries, 0 re-placements\n"));
        assertTrue(stats, Pattern.compile("\n  latency      p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, "
                + "max [0-9.]+ ms \\(1 responses\\)\n").matcher(stats).find());
        // The listener service, named by its class and service id, restricted to echo; its 7 events delivered
        // (opened, persistence, queued, written, head, complete, closed): the count is final once it has run.
        Pattern row = Pattern.compile("(?m)^  \\S+ \\(service " + listener.getReference().getProperty("service.id")
                + "\\)\\s+echo\\s+7\\s+0\\s+0\\s+0$");
        await("the listener's deliveries counted", () -> {
            try {
                return row.matcher(session("pipelane:stats echo")).find();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        String all = session("pipelane:stats");
        assertTrue(all, all.contains("\n" + uri + "\n  connections  0 live, 1 opened, 0 failed to connect"));
    }

    @Test
    public void helpAndWrongArgumentsPrintTheUsageAndNameTheProblem() throws Exception {
        ConsoleRun help = run("pipelane:request --help");
        assertNull(String.valueOf(help.failure), help.failure);
        assertTrue(help.output, help.output.startsWith("usage: pipelane:request [-X method] [-H 'Name: value'] "
                + "[-d text] [-f file] [-o file] <target> [path]\n"));
        ConsoleRun statsHelp = run("pipelane:stats --help");
        assertNull(String.valueOf(statsHelp.failure), statsHelp.failure);
        assertTrue(statsHelp.output, statsHelp.output.startsWith("usage: pipelane:stats [endpoint]\n"));

        for (String[] wrong : new String[][] {
            {"pipelane:request", "pipelane:request: missing <target>"},
            {"pipelane:request -H broken echo", "pipelane:request: -H number 1 is not 'Name: value' (no name before "
                    + "a ':')"},
            {"pipelane:request -d a -d b echo", "pipelane:request: give one body: -d or -f, once"},
            {"pipelane:request echo / extra", "pipelane:request: unexpected argument 'extra'"},
            {"pipelane:stats a b", "pipelane:stats: unexpected argument 'b'"}}) {
            ConsoleRun r = run(wrong[0]);
            assertTrue(wrong[0] + " fails: " + r.failure, r.failure instanceof IllegalArgumentException);
            assertEquals(wrong[0], wrong[1], r.failure.getMessage());
            assertTrue(wrong[0] + " prints the usage:\n" + r.output,
                    r.output.startsWith("usage: " + wrong[0].split(" ")[0]));
            assertFalse(r.output, r.output.contains("Cannot coerce"));
        }
        // An endpoint nobody configured: the error names it.
        ConsoleRun unknown = run("pipelane:request nowhere /");
        assertTrue(String.valueOf(unknown.failure), unknown.failure != null
                && unknown.failure.getMessage().contains("'nowhere'"));
    }
}
