package io.pipelane.bench;

import io.pipelane.BodyHandlers;
import io.pipelane.CacheMetrics;
import io.pipelane.CacheOptions;
import io.pipelane.ConnectionCache;
import io.pipelane.ConnectionFactory;
import io.pipelane.Endpoint;
import io.pipelane.PipelaneTimeoutException;
import io.pipelane.Request;
import io.pipelane.RequestBody;
import io.pipelane.RetryException;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A soak run of the connection cache: mixed GETs and POSTs (one in five, each with its own id) through the cache
 * (defaults, as a new user has them) to nginx ({@code keepalive_requests 100}) through {@link ResettingProxy},
 * which resets a share of the connections at a random point. At the end it prints: issued = completed + failed,
 * the failures by classification, the POSTs nginx logged more than once (must be 0), the completed POSTs it did
 * not log (must be 0), and heap (after GC) and thread counts at the start (after a warm-up) and at the end.
 *
 * <p>Arguments: {@code --seconds S} (600), {@code --window W} (64 outstanding), {@code --reset-chance P} (0.05 of
 * the connections), {@code --seed N}.
 */
public final class CacheSoak {
    public static void main(String[] args) throws Exception {
        long seconds = 600;
        int window = 64;
        double resetChance = 0.05;
        long seed = 42;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds": seconds = Long.parseLong(args[++i]); break;
                case "--window": window = Integer.parseInt(args[++i]); break;
                case "--reset-chance": resetChance = Double.parseDouble(args[++i]); break;
                case "--seed": seed = Long.parseLong(args[++i]); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (LimitNginx nginx = LimitNginx.start(100, true);
             ResettingProxy proxy = ResettingProxy.start(nginx.port, resetChance, seed);
             ConnectionFactory factory = ConnectionFactory.builder().build()) {
            ConnectionCache cache = factory.cache(CacheOptions.defaults());
            Endpoint endpoint = Endpoint.http("127.0.0.1", proxy.port());
            System.out.printf(Locale.ROOT, "soak: %d s, window %d, reset chance %.2f, seed %d, nginx keepalive_requests"
                    + " 100, cache %s, Java %s%n", seconds, window, resetChance, seed, cache.options(),
                    System.getProperty("java.version"));
            Semaphore room = new Semaphore(window);
            AtomicLong issued = new AtomicLong();
            AtomicLong completed = new AtomicLong();
            AtomicLong postsIssued = new AtomicLong();
            Map<String, AtomicLong> failed = new ConcurrentHashMap<>();
            java.util.BitSet completedPosts = new java.util.BitSet(); // POST ids, guarded by itself
            SplittableRandom random = new SplittableRandom(seed);
            long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(10, seconds / 10 + 1));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long[] start = null;
            long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end) {
                if (start == null && System.nanoTime() > warmUpEnd) start = sample(memory, threads);
                room.acquire();
                long n = issued.incrementAndGet();
                boolean post = random.nextInt(5) == 0;
                Request r;
                int postId = 0;
                if (post) {
                    postId = (int) postsIssued.incrementAndGet();
                    r = Request.post("/post?id=" + postId, RequestBody.of("soak " + n));
                } else {
                    r = Request.get("/13b");
                }
                int completedId = postId;
                cache.call(endpoint, r, BodyHandlers.ofByteArray()).whenComplete((resp, e) -> {
                    if (e == null && resp.status() == 200) {
                        completed.incrementAndGet();
                        if (completedId != 0) {
                            synchronized (completedPosts) {
                                completedPosts.set(completedId);
                            }
                        }
                    } else {
                        failed.computeIfAbsent(classify(e, resp == null ? 0 : resp.status()),
                                k -> new AtomicLong()).incrementAndGet();
                    }
                    room.release();
                });
                if (System.nanoTime() > nextReport) {
                    nextReport += TimeUnit.SECONDS.toNanos(30);
                    System.out.printf(Locale.ROOT, "  %,d issued, %,d completed, %s failed; %s%n", issued.get(),
                            completed.get(), failed, cache.metrics().get(0));
                }
            }
            if (!room.tryAcquire(window, 120, TimeUnit.SECONDS)) System.out.println("NOT ALL REQUESTS ENDED");
            CacheMetrics m = cache.metrics().get(0);
            cache.close();
            if (start == null) start = sample(memory, threads);
            long[] endSample = sample(memory, threads);

            Map<String, Integer> logged = new HashMap<>();
            for (String line : nginx.accessLog()) {
                String[] f = line.split(" ");
                if (f.length >= 2 && f[0].equals("POST")) logged.merge(f[1], 1, Integer::sum);
            }
            long twice = logged.values().stream().filter(v -> v > 1).count();
            long completedNotLogged;
            synchronized (completedPosts) {
                completedNotLogged = completedPosts.stream().filter(id -> !logged.containsKey("/post?id=" + id)).count();
            }
            long failedTotal = failed.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.println();
            System.out.printf(Locale.ROOT, "issued %,d = completed %,d + failed %,d: %s%n", issued.get(),
                    completed.get(), failedTotal, issued.get() == completed.get() + failedTotal ? "yes" : "NO");
            System.out.println("failed by classification: " + new TreeMap<>(failed));
            System.out.printf(Locale.ROOT, "POSTs issued %,d; logged by nginx more than once: %d; completed but not"
                    + " logged: %d%n", postsIssued.get(), twice, completedNotLogged);
            System.out.printf(Locale.ROOT, "proxy: %,d connections, %,d reset%n", proxy.accepted.get(),
                    proxy.resets.get());
            System.out.println("cache: " + m);
            System.out.printf(Locale.ROOT, "heap after GC: start %,d KiB, end %,d KiB; threads: start %d, end %d%n",
                    start[0] / 1024, endSample[0] / 1024, start[1], endSample[1]);
        }
    }

    private static String classify(Throwable e, int status) {
        if (e == null) return "status " + status;
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof RetryException) return "RetryException " + ((RetryException) t).reason();
        if (t instanceof PipelaneTimeoutException) return "timeout " + ((PipelaneTimeoutException) t).phase();
        return t.getClass().getSimpleName();
    }

    /** {heap used after GC, live threads}. */
    private static long[] sample(MemoryMXBean memory, ThreadMXBean threads) {
        System.gc();
        return new long[] {memory.getHeapMemoryUsage().getUsed(), threads.getThreadCount()};
    }
}
