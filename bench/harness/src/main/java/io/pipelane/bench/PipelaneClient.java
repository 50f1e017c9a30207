package io.pipelane.bench;

import io.pipelane.BodyHandler;
import io.pipelane.BodyHandlers;
import io.pipelane.Connection;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;
import io.pipelane.Persistence;
import io.pipelane.Request;
import io.pipelane.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Pipelane on one connection: {@code depth} calls (one by one, or given at once to {@link Connection#callAll}, as
 * a caller with the batch at hand would, and as Netty's driver hands its batch to the event loop in one task), then
 * a join on each response (bodies as byte arrays); or the sliding window, where each response's future issues the
 * next call from its completion. The pipeline limits are raised above the deepest batch the harness sends, as a user
 * of deep pipelines would.
 */
final class PipelaneClient extends BenchClient {
    static final int MAX_DEPTH = 1024;

    private final ConnectionFactory factory;
    private final Connection connection;
    private final Request request;
    /** The batch given at once to {@link Connection#callAll} (its list built once), else null: one call each. */
    private final List<Request> batchRequests;
    private final BodyHandler<byte[]> handler = BodyHandlers.ofByteArray();
    @SuppressWarnings("unchecked")
    private CompletableFuture<Response<byte[]>>[] pending = new CompletableFuture[0];

    PipelaneClient(Target target, Persistence persistence) {
        this(target, persistence, false);
    }

    PipelaneClient(Target target, Persistence persistence, boolean callAll) {
        super("Pipelane " + persistence + (callAll ? " callAll" : ""), target);
        factory = factory();
        ConnectionOptions options = ConnectionOptions.builder()
                .persistence(persistence)
                .maxPipelineDepth(MAX_DEPTH)
                .maxBytesInFlight(1 << 20)
                .build();
        connection = factory.connect(Endpoint.http(target.host(), target.port()), options)
                .toCompletableFuture().join();
        request = Request.get(target.path());
        batchRequests = callAll ? new ArrayList<>() : null;
    }

    /**
     * The factory's own executor (virtual threads on Java 21+, a cached pool of platform threads before), or, with
     * {@code -Dpipelane.bench.executor=platform}, a cached pool of platform daemon threads on any Java.
     */
    private static ConnectionFactory factory() {
        if (!"platform".equals(System.getProperty("pipelane.bench.executor"))) return ConnectionFactory.builder().build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-io");
            t.setDaemon(true);
            return t;
        });
        return ConnectionFactory.builder().executor(pool).build();
    }

    Connection connection() {
        return connection;
    }

    @Override
    boolean pipelines() {
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    long batch(int depth) {
        if (pending.length < depth) pending = new CompletableFuture[depth];
        if (batchRequests != null) {
            while (batchRequests.size() < depth) batchRequests.add(request);
            List<CompletableFuture<Response<byte[]>>> all = connection.callAll(batchRequests.subList(0, depth), handler);
            for (int i = 0; i < depth; i++) pending[i] = all.get(i);
        } else {
            for (int i = 0; i < depth; i++) pending[i] = connection.call(request, handler);
        }
        long bytes = 0;
        for (int i = 0; i < depth; i++) {
            Response<byte[]> r = pending[i].join();
            pending[i] = null;
            check(r.status() == 200, "Pipelane: status " + r.status());
            bytes += r.body().length;
        }
        return bytes;
    }

    @Override
    boolean windows() {
        return true;
    }

    @Override
    void issue(Window w) {
        connection.call(request, handler).whenComplete((r, error) -> {
            if (error != null) {
                w.fail(error);
                return;
            }
            if (r.status() != 200) {
                w.fail(new IllegalStateException("status " + r.status()));
                return;
            }
            if (w.claim()) issue(w); // from the reader thread that completed this response
            w.done(r.body().length);
        });
    }

    @Override
    public void close() {
        connection.close();
        factory.close();
    }
}
