package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.PossiblyProcessedException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.TlsOptions;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.TestCerts;
import io.pipelane.testing.TestResources;
import io.pipelane.testing.TlsEngineServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.pipelane.testing.TestResources.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, a write timeout: a write that makes no progress stops writing as a failed write does, not the whole
 * connection. The request being written fails at once, classified (RFC 9112 §9.3.1: possibly processed unless
 * idempotent) with the {@link PipelaneTimeoutException} as its cause; the requests not yet written fail as never
 * sent; the output is shut, which makes the blocked write fail; the reader goes on, so a response that arrives
 * complete is delivered; then the connection ends. Over the in-memory transport (writes held: a server that
 * stops reading) in explicit steps, and over real sockets, plain and TLS, with a server that answers the first
 * request and never reads again.
 */
class WriteTimeoutTest {
    private static final Duration WRITE_TIMEOUT = Duration.ofMillis(200);
    private static final String FIRST_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";

    @TempDir
    static Path keys;
    static TestCerts localhost;

    private final MemoryTransport.Connector connector = new MemoryTransport.Connector();
    private final PipelaneConnectionFactory memory = new PipelaneConnectionFactory(ConnectionOptions.defaults(),
            Map.of(), null, "write-timeout-test", connector);
    private final TestResources resources = new TestResources();

    @BeforeAll
    static void certificates() throws Exception {
        localhost = TestCerts.generate(keys, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    @AfterEach
    void tearDown() throws Exception {
        memory.close();
        resources.close();
    }

    /** Only the write timeout is short: the read side waits as long as it must. */
    private static ConnectionOptions.Builder options() {
        return ConnectionOptions.builder().persistence(Persistence.TRUE).writeTimeout(WRITE_TIMEOUT)
                .responseTimeout(Duration.ofSeconds(30)).idleReadTimeout(Duration.ofSeconds(30));
    }

    /** A body of {@code length} zero bytes that costs nothing to produce (far more than socket buffers hold). */
    static RequestBody zeros(long length) {
        return RequestBody.ofStream(() -> new InputStream() {
            @Override
            public int read() {
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len;
            }
        }, length);
    }

    private static void assertWriteTimedOut(boolean idempotent, Throwable t) {
        if (idempotent) {
            RetryException retry = assertInstanceOf(RetryException.class, t);
            assertEquals(RetryException.Reason.IDEMPOTENT_UNANSWERED, retry.reason(), t.getMessage());
        } else {
            assertInstanceOf(PossiblyProcessedException.class, t, "part of it reached the server");
        }
        assertTrue(t.getMessage().contains("partly sent"), t.getMessage());
        PipelaneTimeoutException timeout = assertInstanceOf(PipelaneTimeoutException.class, t.getCause());
        assertEquals(PipelaneTimeoutException.Phase.WRITE, timeout.phase());
        assertEquals(WRITE_TIMEOUT, timeout.timeout());
    }

    // ------------------------------------------------------------------------------------------ in memory

    /**
     * The order: the write times out while the response ahead has not arrived yet; the connection keeps
     * reading, delivers it, and only then ends.
     */
    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT"})
    void theResponseAheadArrivingAfterTheWriteTimedOutIsDelivered(String method) throws Exception {
        boolean idempotent = method.equals("PUT");
        Connection c = memory.create(Endpoint.http("example.test", 80), options().build());
        MemoryTransport server = connector.next();
        CompletableFuture<Response<String>> first = c.call(Request.get("/first"), BodyHandlers.ofString());
        server.awaitWritten("GET /first", 1);
        server.holdWrites(); // the server stops reading
        Request upload = idempotent ? Request.put("/upload", zeros(1 << 20)) : Request.post("/upload", zeros(1 << 20));
        CompletableFuture<Response<String>> blocked = c.call(upload, BodyHandlers.ofString());
        CompletableFuture<Response<String>> behind = c.call(Request.get("/behind"), BodyHandlers.ofString());
        server.awaitBlockedWrite();

        assertWriteTimedOut(idempotent, failure(blocked));
        RetryException notSent = assertInstanceOf(RetryException.class, failure(behind));
        assertEquals(RetryException.Reason.NOT_SENT, notSent.reason());
        assertInstanceOf(PipelaneTimeoutException.class, notSent.getCause());
        assertTrue(server.isOutputShut(), "the output was shut, which fails the blocked write");
        assertFalse(first.isDone(), "the response ahead is still awaited");
        assertEquals(ConnectionState.CLOSING, c.state(), "reading goes on; no new request is accepted");
        assertInstanceOf(RetryException.class, failure(c.call(Request.get("/late"))));
        assertFalse(server.isClosed());

        server.serve(FIRST_RESPONSE);
        assertEquals("first", first.get(10, TimeUnit.SECONDS).body(), "a response that arrives complete is delivered");
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
        assertTrue(server.isClosed());
        assertFalse(server.attemptedText().contains("/behind"), "the request behind was never written");
    }

    /** The other order: the response ahead arrives while the write is blocked, before the timeout. */
    @Test
    void theResponseAheadArrivingWhileTheWriteIsBlockedIsDelivered() throws Exception {
        Connection c = memory.create(Endpoint.http("example.test", 80), options().build());
        MemoryTransport server = connector.next();
        CompletableFuture<Response<String>> first = c.call(Request.get("/first"), BodyHandlers.ofString());
        server.awaitWritten("GET /first", 1);
        server.holdWrites();
        CompletableFuture<Response<String>> blocked = c.call(Request.post("/upload", zeros(1 << 20)),
                BodyHandlers.ofString());
        server.awaitBlockedWrite();
        server.serve(FIRST_RESPONSE);

        assertEquals(200, first.get(10, TimeUnit.SECONDS).status());
        assertWriteTimedOut(false, failure(blocked));
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
        assertTrue(server.isOutputShut(), "the output was shut before the POST failed");
        assertTrue(server.isClosed(), "nothing was left to read: the connection closed");
    }

    // ------------------------------------------------------------------------------------------ real sockets

    @Test
    void overTcpTheBlockedWriteFailsAndTheAnsweredRequestIsDelivered() throws Exception {
        CountDownLatch testDone = new CountDownLatch(1);
        ScriptedServer server = resources.server(peer -> {
            peer.readRequest();
            peer.respond(200, "first");
            testDone.await(); // never reads again: the client's upload fills the socket buffers
        });
        try {
            Connection c = resources.factory.create(Endpoint.http(server.host(), server.port()), options().build());
            assertBlockedUploadTimesOut(c);
        } finally {
            testDone.countDown();
        }
    }

    @Test
    void overTlsTheBlockedWriteFailsAndTheAnsweredRequestIsDelivered() throws Exception {
        CountDownLatch testDone = new CountDownLatch(1);
        TlsEngineServer server = resources.add(new TlsEngineServer(localhost.serverContext(), peer -> {
            peer.readRequest();
            peer.respond(200, "first");
            testDone.await();
        }));
        try {
            Connection c = resources.factory.create(Endpoint.https("localhost", server.port()), options()
                    .tls(TlsOptions.builder().sslContext(localhost.clientContext()).build()).build());
            assertBlockedUploadTimesOut(c);
        } finally {
            testDone.countDown();
        }
    }

    /** A GET the server answers, then a 256 MiB POST it never reads: the POST times out, the GET is delivered. */
    private static void assertBlockedUploadTimesOut(Connection c) throws Exception {
        CompletableFuture<Response<String>> first = c.call(Request.get("/first"), BodyHandlers.ofString());
        CompletableFuture<Response<String>> upload = c.call(Request.post("/upload", zeros(256L << 20)),
                BodyHandlers.ofString());
        assertEquals("first", first.get(10, TimeUnit.SECONDS).body());
        assertWriteTimedOut(false, failure(upload));
        c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(ConnectionState.FAILED, c.state());
    }
}
