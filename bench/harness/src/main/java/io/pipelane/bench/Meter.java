package io.pipelane.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Client-side cost of a run: process CPU time (every thread of this JVM: the client's own, the caller, GC and
 * JIT), bytes allocated by all live threads (HotSpot's per-thread allocation counters; a thread that ends
 * during the run takes its count with it, which the clients measured here do not do in steady state), and the
 * voluntary context switches of all the JVM's threads (Linux {@code /proc/self/task/*}/status): each is a thread
 * that blocked and was later woken, so per request they count the thread hand-offs a client makes.
 */
final class Meter {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private long cpuStart;
    private long[] ids;
    private long[] allocStart;
    private long wallStart;
    private long switchesStart;

    long wallNanos;
    long cpuNanos;
    long allocatedBytes;
    /** Voluntary context switches during the run, or -1 where /proc is not there. */
    long voluntarySwitches;

    void start() {
        switchesStart = voluntaryContextSwitches();
        ids = THREADS.getAllThreadIds();
        allocStart = THREADS.getThreadAllocatedBytes(ids);
        cpuStart = OS.getProcessCpuTime();
        wallStart = System.nanoTime();
    }

    void stop() {
        wallNanos = System.nanoTime() - wallStart;
        cpuNanos = OS.getProcessCpuTime() - cpuStart;
        long[] idsNow = THREADS.getAllThreadIds();
        long[] allocNow = THREADS.getThreadAllocatedBytes(idsNow);
        long switchesNow = voluntaryContextSwitches();
        voluntarySwitches = switchesStart < 0 || switchesNow < 0 ? -1 : switchesNow - switchesStart;
        java.util.HashMap<Long, Long> before = new java.util.HashMap<>();
        for (int i = 0; i < ids.length; i++) before.put(ids[i], allocStart[i]);
        long total = 0;
        for (int i = 0; i < idsNow.length; i++) {
            if (allocNow[i] < 0) continue;
            Long b = before.get(idsNow[i]);
            total += allocNow[i] - (b == null || b < 0 ? 0 : b);
        }
        allocatedBytes = total;
    }

    /** The sum of voluntary_ctxt_switches over this process's threads, or -1. */
    static long voluntaryContextSwitches() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException threadEnded) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }
}
