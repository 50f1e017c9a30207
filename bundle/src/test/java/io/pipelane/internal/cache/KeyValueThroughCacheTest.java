package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.Endpoint;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cohttp's key-value store scenario, through the cache, against embedded Jetty 12: PUT stores a value (201 new,
 * 204 replaced), HEAD answers with its length and no body, GET returns it, DELETE removes it (204); a missing
 * key is a 404.
 */
class KeyValueThroughCacheTest {
    private final ConnectionFactory factory = ConnectionFactory.builder().build();
    private final Map<String, byte[]> store = new ConcurrentHashMap<>();
    private final AtomicInteger jettyConnections = new AtomicInteger();
    private Server server;
    private ServerConnector connector;
    private ConnectionCache cache;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addEventListener(new org.eclipse.jetty.io.Connection.Listener() {
            @Override
            public void onOpened(org.eclipse.jetty.io.Connection connection) {
                jettyConnections.incrementAndGet();
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  Callback callback) throws Exception {
                String key = org.eclipse.jetty.server.Request.getPathInContext(request);
                switch (request.getMethod()) {
                    case "PUT": {
                        ByteBuffer body = Content.Source.asByteBuffer(request);
                        byte[] value = new byte[body.remaining()];
                        body.get(value);
                        boolean replaced = store.put(key, value) != null;
                        response.setStatus(replaced ? 204 : 201);
                        callback.succeeded();
                        return true;
                    }
                    case "GET":
                    case "HEAD": {
                        byte[] value = store.get(key);
                        if (value == null) {
                            response.setStatus(404);
                            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                            callback.succeeded();
                            return true;
                        }
                        response.setStatus(200);
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, value.length);
                        response.write(true, ByteBuffer.wrap(value), callback);
                        return true;
                    }
                    case "DELETE":
                        response.setStatus(store.remove(key) != null ? 204 : 404);
                        callback.succeeded();
                        return true;
                    default:
                        response.setStatus(405);
                        callback.succeeded();
                        return true;
                }
            }
        });
        server.start();
        cache = factory.cache(CacheOptions.builder().parallel(2).depth(20).build());
    }

    @AfterEach
    void stop() throws Exception {
        cache.close();
        factory.close();
        server.stop();
    }

    private Endpoint endpoint() {
        return Endpoint.http("127.0.0.1", connector.getLocalPort());
    }

    private List<Response<String>> all(List<Request> requests) throws Exception {
        List<CompletableFuture<Response<String>>> fs = new ArrayList<>();
        for (Request r : requests) fs.add(cache.call(endpoint(), r, BodyHandlers.ofString()));
        List<Response<String>> out = new ArrayList<>();
        for (CompletableFuture<Response<String>> f : fs) out.add(f.get(20, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void putHeadGetDeleteThroughTheCache() throws Exception {
        int n = 40;
        List<Request> puts = new ArrayList<>();
        for (int i = 0; i < n; i++) puts.add(Request.put("/k" + i, RequestBody.of("value-" + i)));
        for (Response<String> r : all(puts)) assertEquals(201, r.status(), r.toString());

        List<Request> heads = new ArrayList<>();
        for (int i = 0; i < n; i++) heads.add(Request.head("/k" + i));
        List<Response<String>> hs = all(heads);
        for (int i = 0; i < n; i++) {
            assertEquals(200, hs.get(i).status());
            assertEquals(String.valueOf(("value-" + i).length()), hs.get(i).headers().first("Content-Length"));
            assertEquals("", hs.get(i).body(), "HEAD has no body");
        }

        List<Request> gets = new ArrayList<>();
        for (int i = 0; i < n; i++) gets.add(Request.get("/k" + i));
        List<Response<String>> gs = all(gets);
        for (int i = 0; i < n; i++) assertEquals("value-" + i, gs.get(i).body());

        // Requests of one batch may go on different connections, in any order between them: one per key.
        List<Request> mixed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            mixed.add(i % 2 == 0 ? Request.delete("/k" + i) : Request.put("/k" + i, RequestBody.of("again-" + i)));
        }
        for (Response<String> r : all(mixed)) assertEquals(204, r.status(), r.toString());
        List<Response<String>> after = all(gets);
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) assertEquals(404, after.get(i).status());
            else assertEquals("again-" + i, after.get(i).body());
        }
        assertEquals(404, all(List.of(Request.delete("/k0"))).get(0).status());

        CacheMetrics m = cache.metrics().get(0);
        assertEquals(5L * n + 1, m.requests());
        assertEquals(5L * n + 1, m.completed());
        assertEquals(0, m.failures());
        assertTrue(jettyConnections.get() <= 2, "parallel=2 connections at most: " + jettyConnections.get());
    }
}
