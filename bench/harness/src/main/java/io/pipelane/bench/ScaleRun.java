package io.pipelane.bench;

import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scale run, in its own JVM with {@code -Xmx1g}: K Pipelane connections at once (10,000 on Java 21+, where
 * the factory's executor uses virtual threads; 1,000 on Java 17, platform threads), each sending
 * {@value #PER_CONNECTION} pipelined GETs; reports whether every response arrived, the peak heap used (sampled
 * every 2 ms), the heap after a GC while all connections are open and idle, and the peak platform thread count.
 * Prints one Markdown table row on its last line.
 */
public final class ScaleRun {
    static final int PER_CONNECTION = 4;

    private ScaleRun() {
    }

    /** Runs the scale run with the JDK at {@code javaHome}; returns its table row. */
    static String launch(String javaHome, int port, int connections) throws Exception {
        String java = Path.of(javaHome, "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                ScaleRun.class.getName(), String.valueOf(port)));
        if (connections > 0) cmd.add(String.valueOf(connections));
        System.out.println("\n== scale run: " + String.join(" ", cmd.subList(0, 2)) + " ...");
        return ChildRun.tableRow(cmd, "| " + javaHome + " | failed: see the log | | | | | | | |");
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int feature = Runtime.version().feature();
        int k = args.length > 1 ? Integer.parseInt(args[1]) : feature >= 21 ? 10_000 : 1_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        long[] peak = {baseline};
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak[0] = Math.max(peak[0], memory.getHeapMemoryUsage().getUsed());
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        ConnectionFactory factory = ConnectionFactory.builder().build();
        ConnectionOptions options = ConnectionOptions.builder().persistence(Persistence.TRUE).build();
        Endpoint endpoint = Endpoint.http("127.0.0.1", port);
        Request request = Request.get("/13b");
        long t0 = System.nanoTime();
        Connection[] connections = new Connection[k];
        List<CompletableFuture<Response<byte[]>>> responses = new ArrayList<>(k * PER_CONNECTION);
        for (int i = 0; i < k; i++) {
            connections[i] = factory.create(endpoint, options);
            for (int j = 0; j < PER_CONNECTION; j++) {
                responses.add(connections[i].call(request, BodyHandlers.ofByteArray()));
            }
        }
        int ok = 0;
        int failed = 0;
        String firstFailure = null;
        for (CompletableFuture<Response<byte[]>> f : responses) {
            try {
                Response<byte[]> r = f.get(5, TimeUnit.MINUTES);
                if (r.status() == 200 && r.body().length == 13) ok++;
                else failed++;
            } catch (Exception e) {
                failed++;
                if (firstFailure == null) firstFailure = e.toString();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int open = 0;
        for (Connection c : connections) {
            if (!c.isClosed()) open++;
        }
        System.gc();
        long afterGc = memory.getHeapMemoryUsage().getUsed();
        sampler.interrupt();
        int peakThreads = ManagementFactory.getThreadMXBean().getPeakThreadCount();
        for (Connection c : connections) c.close();
        factory.close();
        if (firstFailure != null) System.out.println("first failure: " + firstFailure);
        System.out.printf(Locale.ROOT, "%d connections, %d still open, %d/%d responses OK, %d failed, %.1f s%n",
                k, open, ok, responses.size(), failed, seconds);
        System.out.printf(Locale.ROOT, "| %s | %,d | %s | %.1f s | %.0f MiB | %.0f MiB | %.1f KiB | %d | %s |%n",
                System.getProperty("java.version"), k, ok == responses.size() ? "yes (" + ok + ")" : "NO: " + ok + "/" + responses.size(),
                seconds, peak[0] / 1048576.0, afterGc / 1048576.0, (afterGc - baseline) / 1024.0 / k, peakThreads,
                feature >= 21 ? "virtual threads" : "platform threads (cached pool)");
    }
}
