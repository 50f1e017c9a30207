package io.pipelane.bench;

import java.lang.management.ManagementFactory;

/**
 * Client-side cost of a run: process CPU time (every thread of this JVM: the client's own, the caller, GC and
 * JIT) and bytes allocated by all live threads (HotSpot's per-thread allocation counters; a thread that ends
 * during the run takes its count with it, which the clients measured here do not do in steady state).
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

    long wallNanos;
    long cpuNanos;
    long allocatedBytes;

    void start() {
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
}
