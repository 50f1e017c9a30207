package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PipelaneTimeoutException.Phase;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.RetryException;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each timeout of ConnectionOptions, provoked by a real server that stalls at the right moment. */
class TimeoutsTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    private final TestResources resources = new TestResources();
    private final ConnectionFactory factory = resources.factory;

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    private ScriptedServer server(ScriptedServer.Script script) throws IOException {
        return resources.server(script);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return TestResources.failure(f);
    }

    private static PipelaneTimeoutException assertTimeout(Phase phase, Throwable t) {
        PipelaneTimeoutException timeout = assertInstanceOf(PipelaneTimeoutException.class, t);
        assertEquals(phase, timeout.phase());
        return timeout;
    }

    /** A request that a timeout left unanswered: classified as {@code type}, the timeout its cause. */
    private static PipelaneTimeoutException assertTimedOut(Class<? extends Throwable> type, Phase phase, Throwable t) {
        assertInstanceOf(type, t);
        return assertTimeout(phase, t.getCause());
    }

    @Test
    void connectTimeout() throws Exception {
        // A listening socket whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
        ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(full);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
        for (int i = 0; i < 64; i++) {
            Socket s = new Socket();
            resources.add(s);
            try {
                s.connect(address, 200);
            } catch (SocketTimeoutException queueFull) {
                break;
            }
        }
        ConnectionOptions options = ConnectionOptions.builder().connectTimeout(SHORT).build();
        Endpoint endpoint = Endpoint.http("127.0.0.1", full.getLocalPort());
        assertTimeout(Phase.CONNECT, failure(factory.connect(endpoint, options).toCompletableFuture()));

        Connection c = factory.create(endpoint, options);
        Throwable queued = failure(c.call(Request.get("/")));
        assertInstanceOf(RetryException.class, queued);
        assertTimeout(Phase.CONNECT, queued.getCause());
    }

    @Test
    void handshakeTimeout() throws Exception {
        ScriptedServer silent = server(ScriptedServer.Peer::stall); // accepts TCP, never speaks TLS
        Connection c = factory.create(Endpoint.https("localhost", silent.port()),
                ConnectionOptions.builder().handshakeTimeout(SHORT).build());
        Throwable t = failure(c.call(Request.get("/")));
        assertInstanceOf(RetryException.class, t);
        assertTimeout(Phase.HANDSHAKE, t.getCause());
        assertEquals(ConnectionState.FAILED, c.state());
    }

    @Test
    void responseTimeoutClassifiesTheWaitingRequestAndTheRest() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequests(2);
            peer.stall();
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()), ConnectionOptions.builder()
                .persistence(Persistence.TRUE).pipelineAfterNonIdempotent(true).responseTimeout(SHORT).build());
        long start = System.nanoTime();
        var first = c.call(Request.post("/slow", RequestBody.of("x")));
        var second = c.call(Request.post("/behind", RequestBody.of("y")));
        var third = c.call(Request.get("/queued"));
        // The POST waited for its response when the timeout ended the connection: it was sent and not answered,
        // so it may have been processed; the cause says it was a timeout, of which phase and how long.
        PipelaneTimeoutException timeout = assertTimedOut(PossiblyProcessedException.class, Phase.RESPONSE,
                failure(first));
        assertTrue(timeout.getMessage().contains("POST /slow"), timeout.getMessage());
        assertEquals(SHORT, timeout.timeout());
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMs >= SHORT.toMillis(), "fired after " + elapsedMs + " ms");
        Throwable behind = failure(second);
        assertInstanceOf(PossiblyProcessedException.class, behind);
        assertTimeout(Phase.RESPONSE, behind.getCause());
        assertInstanceOf(RetryException.class, failure(third));
        assertEquals(ConnectionState.FAILED, c.state());
    }

    @Test
    void idleReadTimeoutInTheMiddleOfABody() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes.");
            peer.stall();
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().idleReadTimeout(SHORT).responseTimeout(Duration.ofSeconds(30)).build());
        // Head complete, buffered body cut by the timeout: the application has nothing, the GET may be sent again.
        Throwable t = failure(c.call(Request.get("/")));
        PipelaneTimeoutException timeout = assertTimedOut(RetryException.class, Phase.IDLE_READ, t);
        assertTrue(t.getMessage().contains("cut short"), t.getMessage());
        assertTrue(timeout.getMessage().contains("in its body, after 10 bytes"), timeout.getMessage());
    }

    @Test
    void idleReadTimeoutAlsoCoversAStreamedBody() throws Exception {
        ScriptedServer server = server(peer -> {
            peer.readRequest();
            peer.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes.");
            peer.stall();
        });
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().idleReadTimeout(SHORT).build());
        InputStream body = c.call(Request.get("/"), BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS).body();
        assertEquals(10, body.readNBytes(10).length);
        IOException e = assertThrows(IOException.class, body::read);
        assertTrue(String.valueOf(e.getMessage()).contains("IDLE_READ"), e.getMessage());
    }

    @Test
    void writeTimeoutWhenTheServerStopsReading() throws Exception {
        ScriptedServer server = server(ScriptedServer.Peer::stall); // never reads
        Connection c = factory.create(Endpoint.http(server.host(), server.port()),
                ConnectionOptions.builder().writeTimeout(SHORT).build());
        long length = 256L * 1024 * 1024; // far more than the socket buffers hold
        var upload = c.call(Request.put("/big", WriteTimeoutTest.zeros(length)));
        Throwable t = failure(upload);
        // Part of the PUT went out: unanswered, and idempotent, so it may be sent again (RFC 9112 §9.3.1).
        assertTimedOut(RetryException.class, Phase.WRITE, t);
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS); // nothing else in flight: the connection ends
        assertEquals(ConnectionState.FAILED, c.state());
    }
}
