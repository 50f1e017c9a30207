package io.pipelane.bench;

import io.pipelane.Persistence;

import java.util.List;

/**
 * A run to profile: one client alone (default Pipelane TRUE) against the in-memory server (started here, in its
 * own JVM), 13-byte bodies, for a number of seconds in one pattern; start this JVM with
 * {@code -XX:StartFlightRecording} to record it. Arguments: {@code batch|window depth seconds [client]}
 * (client: {@code pipelane}, {@code pipelane-callall}: batches given to {@code callAll}, {@code netty}).
 */
public final class ProfileRun {
    private ProfileRun() {
    }

    public static void main(String[] args) throws Exception {
        Harness.Pattern pattern = Harness.Pattern.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        int depth = Integer.parseInt(args[1]);
        long seconds = Long.parseLong(args[2]);
        String client = args.length > 3 ? args[3] : "pipelane";
        try (Servers.Nio nio = Servers.Nio.start(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"))) {
            BenchClient.Target target = new BenchClient.Target(nio.name, "127.0.0.1", nio.port, "/13b", 13);
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
                        c.window(depth, 100_000);
                        requests += 100_000;
                    } else {
                        for (int i = 0; i < 1000; i++) c.batch(depth);
                        requests += 1000L * depth;
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
