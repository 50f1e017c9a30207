package io.pipelane.internal.engine;

import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.ConnectionState;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.RetryException;
import io.pipelane.testing.KeyValueServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cohttp-lwt's key-value store scenario against a real server (embedded Jetty 12): 7 PUTs, 7 HEADs, a miss,
 * 7 GETs and 7 DELETEs, pipelined on one persistent connection, then with {@link Persistence#FALSE} (one
 * request per connection) and {@link Persistence#AUTO} (the first request alone, then pipelining); and request
 * bodies of unknown length, buffered to a {@code Content-Length} before pipelining is known, chunked after.
 */
class KeyValueStoreTest {
    private static final int N = 7;
    private static final long WAIT_S = 10;

    private KeyValueServer server;
    private ConnectionFactory factory;
    private Endpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        server = new KeyValueServer();
        factory = ConnectionFactory.builder().build();
        endpoint = Endpoint.http("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() throws Exception {
        factory.close();
        server.close();
    }

    private static ConnectionOptions options(Persistence p) {
        return ConnectionOptions.builder().persistence(p).build();
    }

    private static byte[] value(int i) {
        return ("value " + i + " " + "#".repeat(10 * i)).getBytes(StandardCharsets.UTF_8);
    }

    /** The scenario's 29 requests, in order. */
    private static List<Request> scenario() {
        List<Request> list = new ArrayList<>();
        for (int i = 0; i < N; i++) list.add(Request.put("/key" + i, RequestBody.of(value(i))));
        for (int i = 0; i < N; i++) list.add(Request.head("/key" + i));
        list.add(Request.get("/missing"));
        for (int i = 0; i < N; i++) list.add(Request.get("/key" + i));
        for (int i = 0; i < N; i++) list.add(Request.delete("/key" + i));
        return list;
    }

    /** Checks the 29 responses of {@link #scenario()}. */
    private void checkScenario(List<Response<byte[]>> rs) {
        assertEquals(4 * N + 1, rs.size());
        int k = 0;
        for (int i = 0; i < N; i++, k++) assertEquals(201, rs.get(k).status(), "PUT /key" + i);
        for (int i = 0; i < N; i++, k++) {
            Response<byte[]> r = rs.get(k);
            assertEquals(200, r.status(), "HEAD /key" + i);
            assertEquals(String.valueOf(value(i).length), r.headers().first("Content-Length"), "HEAD /key" + i);
            assertEquals(0, r.body().length, "a HEAD response has no body");
        }
        assertEquals(404, rs.get(k++).status(), "GET /missing");
        for (int i = 0; i < N; i++, k++) {
            assertEquals(200, rs.get(k).status(), "GET /key" + i);
            assertArrayEquals(value(i), rs.get(k).body(), "GET /key" + i);
        }
        for (int i = 0; i < N; i++, k++) assertEquals(204, rs.get(k).status(), "DELETE /key" + i);
        assertTrue(server.store().isEmpty(), "every key deleted");
        List<String> order = server.seen().stream().map(s -> s.method + " " + s.path).collect(Collectors.toList());
        List<String> expected = scenario().stream().map(Request::toString).collect(Collectors.toList());
        assertEquals(expected, order, "the server handled the requests in order");
    }

    private static List<Response<byte[]>> all(List<CompletableFuture<Response<byte[]>>> fs) throws Exception {
        List<Response<byte[]>> rs = new ArrayList<>();
        for (CompletableFuture<Response<byte[]>> f : fs) rs.add(f.get(WAIT_S, TimeUnit.SECONDS));
        return rs;
    }

    private Set<Object> clientConnections() {
        return server.seen().stream().map(s -> s.remote).collect(Collectors.toSet());
    }

    @Test
    void pipelinedOnOnePersistentConnection() throws Exception {
        Connection c = factory.create(endpoint, options(Persistence.TRUE));
        assertTrue(c.isPipelining());
        List<CompletableFuture<Response<byte[]>>> fs = new ArrayList<>();
        for (Request r : scenario()) fs.add(c.call(r));
        checkScenario(all(fs));

        assertEquals(1, server.connectionsOpened(), "Jetty saw one connection");
        assertEquals(1, clientConnections().size(), "every request came on the same connection");
        assertEquals(0, c.length());
        assertFalse(c.isClosed());
        for (KeyValueServer.Seen s : server.seen()) assertNull(s.connection, "no Connection header: " + s);

        c.shutdown();
        c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void oneRequestPerConnectionWhenNotPersistent() throws Exception {
        List<Response<byte[]>> rs = new ArrayList<>();
        for (Request r : scenario()) {
            Connection c = factory.create(endpoint, options(Persistence.FALSE));
            assertFalse(c.isPipelining());
            CompletableFuture<Response<byte[]>> f = c.call(r);
            assertTrue(c.isClosed(), "Persistence.FALSE: one request, then no more");
            CompletableFuture<Response<byte[]>> second = c.call(Request.get("/key0"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> second.get(WAIT_S, TimeUnit.SECONDS));
            assertInstanceOf(RetryException.class, e.getCause(), "a second call on a FALSE connection");
            rs.add(f.get(WAIT_S, TimeUnit.SECONDS));
            c.closed().toCompletableFuture().get(WAIT_S, TimeUnit.SECONDS);
            assertEquals(ConnectionState.CLOSED, c.state());
            assertEquals(0, c.length());
        }
        checkScenario(rs);
        assertEquals(4 * N + 1, clientConnections().size(), "one connection per request");
        assertEquals(4 * N + 1, server.connectionsOpened());
        for (KeyValueServer.Seen s : server.seen()) assertEquals("close", s.connection, "Connection: close on " + s);
    }

    @Test
    void autoSendsTheFirstRequestAloneThenPipelines() throws Exception {
        CountDownLatch firstHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.onRequest(s -> {
            if (s.path.equals("/key0") && s.method.equals("PUT")) {
                firstHeld.countDown();
                try {
                    release.await(WAIT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Connection c = factory.create(endpoint, options(Persistence.AUTO));
        List<CompletableFuture<Response<byte[]>>> fs = new ArrayList<>();
        for (Request r : scenario()) fs.add(c.call(r));
        assertTrue(firstHeld.await(WAIT_S, TimeUnit.SECONDS), "the first request reached the server");
        // The first response has not been sent: persistence is undecided, nothing else is written.
        assertFalse(c.isPipelining());
        assertEquals(4 * N + 1, c.length());
        assertEquals(1, server.seen().size());
        release.countDown();
        fs.get(0).get(WAIT_S, TimeUnit.SECONDS);
        assertTrue(c.isPipelining(), "an HTTP/1.1 keep-alive response turns pipelining on");
        checkScenario(all(fs));
        assertEquals(1, server.connectionsOpened());
        assertEquals(1, clientConnections().size());
        assertFalse(c.isClosed());
        c.close();
    }

    @Test
    void bodyOfUnknownLengthOnAFreshAutoConnectionIsSentWithContentLength() throws Exception {
        byte[] v = "streamed value of a length nobody told".getBytes(StandardCharsets.UTF_8);
        Connection c = factory.create(endpoint, options(Persistence.AUTO));
        Response<byte[]> put = c.call(Request.put("/streamed", RequestBody.ofStream(new ByteArrayInputStream(v))))
                .get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(201, put.status());
        KeyValueServer.Seen s = server.seen().get(0);
        assertEquals(String.valueOf(v.length), s.contentLength, "sent with Content-Length: " + s);
        assertNull(s.transferEncoding, "not chunked before pipelining is known: " + s);
        assertArrayEquals(v, server.store().get("/streamed"));

        // Once the first response made the connection pipeline, an unknown length goes chunked.
        assertTrue(c.isPipelining());
        byte[] w = "the second streamed value".getBytes(StandardCharsets.UTF_8);
        assertEquals(204, c.call(Request.put("/streamed", RequestBody.ofStream(new ByteArrayInputStream(w))))
                .get(WAIT_S, TimeUnit.SECONDS).status());
        assertEquals("chunked", server.seen().get(1).transferEncoding);
        assertArrayEquals(w, server.store().get("/streamed"));
        c.close();
    }

    @Test
    void bodyOfUnknownLengthOnAPersistentConnectionIsChunked() throws Exception {
        byte[] v = "streamed value, chunked".getBytes(StandardCharsets.UTF_8);
        Connection c = factory.create(endpoint, options(Persistence.TRUE));
        CompletableFuture<Response<byte[]>> put =
                c.call(Request.put("/chunked", RequestBody.ofStream(new ByteArrayInputStream(v))));
        CompletableFuture<Response<byte[]>> get = c.call(Request.get("/chunked"));
        assertEquals(201, put.get(WAIT_S, TimeUnit.SECONDS).status());
        assertArrayEquals(v, get.get(WAIT_S, TimeUnit.SECONDS).body());
        KeyValueServer.Seen s = server.seen().get(0);
        assertEquals("chunked", s.transferEncoding, "Transfer-Encoding: " + s);
        assertNull(s.contentLength, s.toString());
        assertEquals(v.length, s.bodyBytes);
        c.close();
    }
}
