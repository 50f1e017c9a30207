package io.pipelane.bench;

import io.pipelane.Persistence;

import java.util.List;

/**
 * A run to profile: one client alone (default Pipelane TRUE) against the in-memory server (started here, in its
 * own JVM), for a number of seconds in one pattern; start this JVM with {@code -XX:StartFlightRecording} to
 * record it. Arguments: {@code batch|window depth seconds [client [path]]} (client: {@code pipelane},
 * {@code pipelane-callall}: batches given to {@code callAll}, {@code netty}; path: {@code /13b}, the default, or
 * {@code /64k}).
 */
public final class ProfileRun {
    private ProfileRun() {
    }

    public static void main(String[] args) throws Exception {
        Harness.Pattern pattern = Harness.Pattern.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        int depth = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        String client = args.length > 3 ? args[3] : "pipelane";
        String path = args.length > 4 ? args[4] : "/13b";
        int bodyBytes = switch (path) {
            case "/13b" -> 13;
            case "/64k" -> 65536;
            default -> throw new IllegalArgumentException("path: /13b or /64k, not " + path);
        };
        try (Servers.Nio nio = Servers.Nio.start(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"))) {
            BenchClient.Target target = new BenchClient.Target(nio.name, "127.0.0.1", nio.port, path, bodyBytes);
            try (BenchClient c = client.equals("netty") ? new NettyClient(target)
                    : new PipelaneClient(target, Persistence.TRUE, client.equals("pipelane-callall"))) {
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                long requests = 0;
                nio.resetStats();
                Meter meter = new Meter();
                meter.start();
                long t0 = System.nanoTime();
                while (System.nanoTime() < end) {
                    if (pattern == Harness.Pattern.WINDOW) {
                        int n = bodyBytes > 13 ? 5_000 : 100_000;
                        c.window(depth, n);
                        requests += n;
                    } else {
                        int batches = bodyBytes > 13 ? 50 : 1000;
                        for (int i = 0; i < batches; i++) c.batch(depth);
                        requests += (long) batches * depth;
                    }
                }
                meter.stop();
                long[] server = nio.stats(); // {accepts, requests, reads, maxPerRead}
                System.out.printf("%s %s depth %d: %d requests, %.0f req/s, CPU %.2f µs/req, alloc %d B/req,"
                                + " wake-ups %.3f/req, server %.1f req/read (max %d)%n", c.name, pattern, depth,
                        requests, requests * 1e9 / (System.nanoTime() - t0), meter.cpuNanos / 1e3 / requests,
                        meter.allocatedBytes / requests, (double) meter.voluntarySwitches / requests,
                        server[2] == 0 ? 0.0 : (double) server[1] / server[2], server[3]);
            }
        }
    }
}
