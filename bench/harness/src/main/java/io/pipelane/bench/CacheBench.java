package io.pipelane.bench;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GETs through a connection pool to nginx that closes every connection after {@code keepalive_requests} (100):
 * Pipelane's {@link ConnectionCache} against Vert.x 5's pooled HttpClient with pipelining on, with the same pool
 * size and per-connection depth, the same window of outstanding requests, in the same JVM. Each run uses a fresh
 * client; rounds interleave the two (the order alternates); the table gives medians and min–max.
 *
 * <p>Arguments: {@code --requests N} (100,000), {@code --rounds R} (5), {@code --pool P} (4), {@code --depth D}
 * (100: at most this many requests pipelined on one connection), {@code --window W} (1,000 outstanding),
 * {@code --keepalive K} (100).
 */
public final class CacheBench {
    record Run(String client, double rps, long connections, long failures, long replaced, long retries,
               String firstFailure) {
    }

    public static void main(String[] args) throws Exception {
        int requests = 100_000;
        int rounds = 5;
        int pool = 4;
        int depth = 100;
        int window = 1000;
        int keepalive = 100;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--requests": requests = Integer.parseInt(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                case "--pool": pool = Integer.parseInt(args[++i]); break;
                case "--depth": depth = Integer.parseInt(args[++i]); break;
                case "--window": window = Integer.parseInt(args[++i]); break;
                case "--keepalive": keepalive = Integer.parseInt(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (LimitNginx nginx = LimitNginx.start(keepalive, false)) {
            System.out.printf(Locale.ROOT, "nginx keepalive_requests %d on port %d; %,d GETs of /13b per run, pool %d,"
                    + " depth %d, window %d, %d rounds, Java %s, %d cores%n", keepalive, nginx.port, requests, pool,
                    depth, window, rounds, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            // Warm-up, not counted.
            pipelane(nginx, requests / 5, pool, depth, window);
            vertx(nginx, requests / 5, pool, depth, window);
            List<Run> runs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Run a;
                Run b;
                if (r % 2 == 0) {
                    a = pipelane(nginx, requests, pool, depth, window);
                    b = vertx(nginx, requests, pool, depth, window);
                } else {
                    b = vertx(nginx, requests, pool, depth, window);
                    a = pipelane(nginx, requests, pool, depth, window);
                }
                System.out.println("round " + (r + 1) + ": " + a + "\n         " + b);
                runs.add(a);
                runs.add(b);
            }
            System.out.println();
            System.out.println("| client | requests/s (median) | min–max | connections (median) | failures (all rounds) |"
                    + " re-placed / retried (median) |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (String client : List.of("Pipelane cache", "Vert.x 5")) {
                List<Run> mine = runs.stream().filter(x -> x.client.equals(client)).toList();
                List<Double> rps = new ArrayList<>(mine.stream().map(Run::rps).toList());
                Collections.sort(rps);
                System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f–%,.0f | %d | %d | %s |%n", client,
                        median(rps), rps.get(0), rps.get(rps.size() - 1),
                        (long) median(mine.stream().map(x -> (double) x.connections).sorted().toList()),
                        mine.stream().mapToLong(Run::failures).sum(),
                        client.startsWith("Vert") ? "n/a" : (long) median(mine.stream().map(x -> (double) x.replaced)
                                .sorted().toList()) + " / " + (long) median(mine.stream()
                                .map(x -> (double) x.retries).sorted().toList()));
            }
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static Run pipelane(LimitNginx nginx, int requests, int pool, int depth, int window) throws Exception {
        try (ConnectionFactory factory = ConnectionFactory.builder().build()) {
            ConnectionCache cache = factory.cache(CacheOptions.builder().parallel(pool).depth(depth)
                    .maxWaiting(Math.max(window, 10_000))
                    .connectionOptions(ConnectionOptions.builder().persistence(Persistence.TRUE)
                            .maxPipelineDepth(depth).maxBytesInFlight(1 << 20).build()).build());
            Endpoint endpoint = Endpoint.http("127.0.0.1", nginx.port);
            Request get = Request.get("/13b");
            Semaphore room = new Semaphore(window);
            AtomicLong failures = new AtomicLong();
            AtomicLong bad = new AtomicLong();
            java.util.concurrent.atomic.AtomicReference<String> first = new java.util.concurrent.atomic.AtomicReference<>();
            long a0 = nginx.accepts();
            long t0 = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                room.acquire();
                cache.call(endpoint, get, BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                        first.compareAndSet(null, String.valueOf(e));
                    } else if (r.status() != 200 || r.body().length != 13) bad.incrementAndGet();
                    room.release();
                });
            }
            if (!room.tryAcquire(window, 120, TimeUnit.SECONDS)) throw new IllegalStateException("Pipelane: stuck");
            double seconds = (System.nanoTime() - t0) / 1e9;
            long connections = nginx.accepts() - a0 - 1;
            CacheMetrics m = cache.metrics().get(0);
            cache.close();
            return new Run("Pipelane cache", requests / seconds, connections, failures.get() + bad.get(),
                    m.replaced(), m.retries(), first.get());
        }
    }

    static Run vertx(LimitNginx nginx, int requests, int pool, int depth, int window) throws Exception {
        Vertx vertx = Vertx.vertx();
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setPipelining(true)
                        .setPipeliningLimit(depth).setKeepAlive(true)
                        .setDefaultHost("127.0.0.1").setDefaultPort(nginx.port),
                new PoolOptions().setHttp1MaxSize(pool));
        try {
            Semaphore room = new Semaphore(window);
            AtomicLong failures = new AtomicLong();
            java.util.concurrent.atomic.AtomicReference<String> first = new java.util.concurrent.atomic.AtomicReference<>();
            long a0 = nginx.accepts();
            long t0 = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                room.acquire();
                client.request(HttpMethod.GET, "/13b")
                        .compose(req -> req.send().compose(resp -> resp.statusCode() == 200 ? resp.body()
                                : io.vertx.core.Future.failedFuture("status " + resp.statusCode())))
                        .onComplete(ar -> {
                            if (ar.failed() || ar.result().length() != 13) {
                                failures.incrementAndGet();
                                first.compareAndSet(null, ar.failed() ? String.valueOf(ar.cause()) : "wrong body");
                            }
                            room.release();
                        });
            }
            if (!room.tryAcquire(window, 120, TimeUnit.SECONDS)) throw new IllegalStateException("Vert.x: stuck");
            double seconds = (System.nanoTime() - t0) / 1e9;
            long connections = nginx.accepts() - a0 - 1;
            return new Run("Vert.x 5", requests / seconds, connections, failures.get(), 0, 0, first.get());
        } finally {
            client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
