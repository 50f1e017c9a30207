package io.pipelane.internal.cache;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;
import io.pipelane.testing.ScriptedServer;
import io.pipelane.testing.ScriptedServer.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request placed on a cached connection while that connection comes up is sent exactly once. */
class PoolPlacementRaceTest {

    /**
     * Requests placed on a connection that is still connecting wait in its slot's pending list and are sent by
     * connected(). dispatch() decides whether to send a request itself by reading the slot's connection after
     * releasing the pool's lock: if connected() ran in between, the request is sent twice (a POST executed
     * twice). Races three submitting threads against the connection coming up, round after round, in a JVM
     * that interprets (-Xint), where the window between the lock and the read is widest.
     */
    @Test
    void aRequestPlacedWhileItsConnectionComesUpIsSentOnce() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xint", "-cp", System.getProperty("java.class.path"),
                PoolPlacementRaceTest.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the race did not finish within 120 s");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
    }

    /** The race of {@link #aRequestPlacedWhileItsConnectionComesUpIsSentOnce}: exits 1 on a duplicate. */
    public static void main(String[] args) throws Exception {
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        ScriptedServer server = new ScriptedServer(peer -> {
            try {
                for (RecordedRequest r; (r = peer.readRequest()) != null; ) {
                    seen.computeIfAbsent(r.target, t -> new AtomicInteger()).incrementAndGet();
                    peer.respond(200, r.target);
                }
            } catch (IOException closed) {
                // the cache closed the connection
            }
        });
        ConnectionFactory factory = ConnectionFactory.builder().build();
        Endpoint endpoint = Endpoint.http(server.host(), server.port());
        CacheOptions options = CacheOptions.builder().parallel(1).depth(1000).retry(0)
                .connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE)
                        .maxPipelineDepth(1000).maxBytesInFlight(1 << 20).build())
                .build();
        int threads = 3;
        int perThread = 20;
        ExecutorService submitters = Executors.newFixedThreadPool(threads);
        int exit = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try {
            rounds:
            for (int round = 0; round < 400 && System.nanoTime() < deadline; round++) {
                ConnectionCache cache = factory.cache(options);
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<List<CompletableFuture<Response<String>>>>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String prefix = "/" + round + "-" + t + "-";
                    parts.add(submitters.submit(() -> {
                        start.await();
                        List<CompletableFuture<Response<String>>> rs = new ArrayList<>(perThread);
                        for (int i = 0; i < perThread; i++) {
                            rs.add(cache.call(endpoint, Request.get(prefix + i), BodyHandlers.ofString()));
                        }
                        return rs;
                    }));
                }
                for (var part : parts) {
                    for (CompletableFuture<Response<String>> f : part.get(20, TimeUnit.SECONDS)) {
                        f.get(20, TimeUnit.SECONDS);
                    }
                }
                cache.close();
                for (int t = 0; t < threads; t++) {
                    for (int i = 0; i < perThread; i++) {
                        String target = "/" + round + "-" + t + "-" + i;
                        int n = seen.get(target).get();
                        if (n != 1) {
                            System.out.println(target + " reached the server " + n + " times (round " + round + ")");
                            exit = 1;
                            break rounds;
                        }
                    }
                }
            }
        } finally {
            submitters.shutdownNow();
            factory.close();
            server.close();
        }
        System.exit(exit);
    }
}
