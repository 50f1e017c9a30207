package io.pipelane.internal.stats;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionEvent.FailureKind;
import io.pipelane.PipelaneTimeoutException;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one endpoint, fed with its events on the publishers' threads (only adders and the
 * histogram: nothing blocks). Counts from the creation of the statistics, except the current values
 * (live connections, requests in flight), which are differences of counters.
 */
public final class EndpointStats {
    private final String endpoint;
    private final LongAdder opened = new LongAdder();
    private final LongAdder closedAfterOpen = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder queued = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder[] failed = adders(FailureKind.values().length);
    private final LongAdder[] timeouts = adders(PipelaneTimeoutException.Phase.values().length);
    private final LongAdder retries = new LongAdder();
    private final LongAdder replacements = new LongAdder();
    private final LongAdder pipelining = new LongAdder();
    private final LongAdder notPipelining = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder bodyBytesRead = new LongAdder();
    private final Map<String, Long> limits = new ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram();

    EndpointStats(String endpoint) {
        this.endpoint = endpoint;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) a[i] = new LongAdder();
        return a;
    }

    void record(ConnectionEvent e) {
        if (e instanceof ConnectionEvent.RequestQueued) {
            queued.increment();
        } else if (e instanceof ConnectionEvent.RequestWritten) {
            bytesWritten.add(((ConnectionEvent.RequestWritten) e).bytes());
        } else if (e instanceof ConnectionEvent.ResponseCompleted) {
            ConnectionEvent.ResponseCompleted c = (ConnectionEvent.ResponseCompleted) e;
            completed.increment();
            bodyBytesRead.add(c.bodyBytes());
            latency.record(c.duration().toNanos() / 1000);
        } else if (e instanceof ConnectionEvent.RequestFailed) {
            ConnectionEvent.RequestFailed f = (ConnectionEvent.RequestFailed) e;
            failed[f.kind().ordinal()].increment();
            // every request a timeout made fail: its own (TIMEOUT), or the one that ended its connection
            if (f.timeoutPhase() != null) timeouts[f.timeoutPhase().ordinal()].increment();
        } else if (e instanceof ConnectionEvent.ConnectionOpened) {
            opened.increment();
        } else if (e instanceof ConnectionEvent.ConnectionClosed) {
            ConnectionEvent.ConnectionClosed c = (ConnectionEvent.ConnectionClosed) e;
            if (c.established()) closedAfterOpen.increment();
            else if (c.reason() == ConnectionEvent.CloseReason.CONNECT_FAILED) connectFailures.increment();
        } else if (e instanceof ConnectionEvent.PersistenceDecided) {
            (((ConnectionEvent.PersistenceDecided) e).pipelining() ? pipelining : notPipelining).increment();
        } else if (e instanceof ConnectionEvent.RequestResent) {
            (((ConnectionEvent.RequestResent) e).resend() == ConnectionEvent.Resend.RETRY ? retries : replacements)
                    .increment();
        } else if (e instanceof ConnectionEvent.LimitLearned) {
            ConnectionEvent.LimitLearned l = (ConnectionEvent.LimitLearned) e;
            limits.put(l.limit(), l.value());
        }
    }

    /** Forgets the latency values (the counters keep counting). */
    void resetLatency() {
        latency.reset();
    }

    public Snapshot snapshot() {
        long[] f = new long[failed.length];
        for (int i = 0; i < f.length; i++) f[i] = failed[i].sum();
        Map<String, Long> byPhase = new TreeMap<>();
        for (PipelaneTimeoutException.Phase p : PipelaneTimeoutException.Phase.values()) {
            long n = timeouts[p.ordinal()].sum();
            if (n != 0) byPhase.put(p.name(), n);
        }
        long done = completed.sum();
        long failures = 0;
        for (long x : f) failures += x;
        long open = opened.sum();
        return new Snapshot(endpoint, Math.max(0, open - closedAfterOpen.sum()), open, connectFailures.sum(),
                Math.max(0, queued.sum() - done - failures), queued.sum(), done, f, byPhase, retries.sum(),
                replacements.sum(), pipelining.sum(), notPipelining.sum(), bytesWritten.sum(), bodyBytesRead.sum(),
                new TreeMap<>(limits), latency.snapshot());
    }

    /**
     * One endpoint's statistics at one moment.
     *
     * @param liveConnections established connections not yet closed
     * @param inFlight        requests accepted by connections and not yet answered or failed
     * @param failed          failed requests by {@link FailureKind} ordinal
     * @param timeoutsByPhase the failures caused by a timeout (the request's own, or the one that ended its
     *                        connection), by phase (phases with none left out)
     * @param latency         from a connection accepting a request to its response's end, in µs
     */
    public record Snapshot(String endpoint, long liveConnections, long connectionsOpened, long connectFailures,
                           long inFlight, long requests, long completed, long[] failed,
                           Map<String, Long> timeoutsByPhase, long retries, long replacements,
                           long pipeliningConnections, long nonPipeliningConnections, long bytesWritten,
                           long bodyBytesRead, Map<String, Long> limits, LatencyHistogram.Snapshot latency) {
        public long failed(FailureKind kind) {
            return failed[kind.ordinal()];
        }

        public long failures() {
            long n = 0;
            for (long x : failed) n += x;
            return n;
        }
    }
}
