package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.Response;
import io.pipelane.testing.RealServer;
import io.pipelane.testing.TestResources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache against real servers that end every connection after 10 requests: nginx ({@code keepalive_requests
 * 10}) and Apache httpd ({@code MaxKeepAliveRequests 10}), from Debian's packages, on loopback. 1,000 pipelined
 * GETs with a POST after every 50th: every GET gets its file's exact bytes, the server's access log shows each
 * POST exactly once, and about 100 connections carry them (not 1,000, and no request is lost to the limit).
 */
class RealServerLimitsTest {
    private static final int GETS = 1000;
    private static final int FILES = 50;
    private static final int LIMIT = 10;

    private final TestResources resources = new TestResources();

    @AfterEach
    void tearDown() throws Exception {
        resources.close();
    }

    private static Map<String, byte[]> files() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < FILES; i++) {
            byte[] b = new byte[1 + (i * 797) % 24_000];
            for (int j = 0; j < b.length; j++) b[j] = (byte) ('a' + (i + j * 7) % 26);
            files.put("f" + i, b);
        }
        return files;
    }

    @ParameterizedTest(name = "{0}, persistence {1}")
    @CsvSource({"NGINX, TRUE", "NGINX, AUTO", "HTTPD, TRUE", "HTTPD, AUTO"})
    void aThousandPipelinedGetsAndInterleavedPostsLoseNothingAndDuplicateNothing(
            RealServer.Kind kind, Persistence persistence, @TempDir Path dir) throws Exception {
        Map<String, byte[]> files = files();
        RealServer server = resources.add(RealServer.start(kind, dir, LIMIT, 60, files));
        ConnectionCache cache = resources.add(resources.factory.cache(CacheOptions.builder()
                .connectionOptions(ConnectionOptions.builder().persistence(persistence).build()).build()));
        Endpoint endpoint = Endpoint.http(server.host(), server.port());

        List<CompletableFuture<Response<byte[]>>> gets = new ArrayList<>();
        List<CompletableFuture<Response<String>>> posts = new ArrayList<>();
        for (int i = 0; i < GETS; i++) {
            gets.add(cache.call(endpoint, Request.get("/f" + i % FILES), BodyHandlers.ofByteArray()));
            if (i % 50 == 49) {
                posts.add(cache.call(endpoint, Request.post("/post?n=" + posts.size(),
                        RequestBody.of("post " + posts.size())), BodyHandlers.ofString()));
            }
        }
        for (int i = 0; i < GETS; i++) {
            Response<byte[]> r = gets.get(i).get(60, TimeUnit.SECONDS);
            assertEquals(200, r.status(), "GET " + i);
            assertArrayEquals(files.get("f" + i % FILES), r.body(), "GET " + i + " got the bytes of its file");
        }
        for (CompletableFuture<Response<String>> p : posts) {
            Response<String> r = p.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.toString());
        }

        CacheMetrics m = cache.metrics().get(0);
        assertEquals(GETS + posts.size(), m.completed(), m.toString());
        assertEquals(0, m.failures(), m.toString());
        assertEquals(0, m.retries(), "requests the server did not process use no retry: " + m);
        assertTrue(m.learnedLimit() >= LIMIT && m.learnedLimit() <= LIMIT + 1, "the limit was learned: " + m);

        List<String> log = server.awaitLogLines(l -> l.startsWith("POST "), posts.size());
        server.close(); // every line written
        log = server.accessLog();
        Map<String, Integer> postsLogged = new HashMap<>();
        for (String line : log) {
            if (line.startsWith("POST ")) postsLogged.merge(line.split(" ")[1], 1, Integer::sum);
        }
        assertEquals(posts.size(), postsLogged.size(), "every POST reached the server: " + postsLogged);
        postsLogged.forEach((target, n) -> assertEquals(1, n, target + " was processed " + n + " times"));
        long getsLogged = log.stream().filter(l -> l.startsWith("GET ")).count();
        assertTrue(getsLogged >= GETS, "every GET was served: " + getsLogged);

        long connections = server.connectionsInLog();
        int requests = GETS + posts.size();
        assertTrue(connections >= requests / (LIMIT + 1) && connections <= requests / LIMIT + 30,
                "about " + requests / LIMIT + " connections carried the requests: " + connections + "; " + m);
        assertTrue(m.connectionsOpened() <= requests / LIMIT + 30, "connections opened: " + m);
    }
}
