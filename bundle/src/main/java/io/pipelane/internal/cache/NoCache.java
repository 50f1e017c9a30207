package io.pipelane.internal.cache;

import io.pipelane.CacheOptions;
import io.pipelane.Connection;
import io.pipelane.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * cohttp's no-cache mode ({@code reuse=false}): each request on a connection of its own, shut down behind the
 * request (it closes after the response). Owns the set of those connections open now. Thread-safe.
 */
final class NoCache {
    private final Opener opener;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    NoCache(Opener opener) {
        this.opener = opener;
    }

    /**
     * Sends {@code a} on a fresh connection: {@code done} gets the response or the failure;
     * {@code connectFailed} gets the reason a connection could not be opened.
     */
    <T> void send(Attempt<T> a, CacheOptions options, BiConsumer<Response<T>, Throwable> done,
                  Consumer<Throwable> connectFailed) {
        CompletionStage<Connection> stage = opener.openForOneRequest(options);
        stage.whenComplete((c, err) -> {
            if (err != null) {
                connectFailed.accept(err);
                return;
            }
            open.add(c);
            c.closed().whenComplete((v, t) -> open.remove(c));
            CompletableFuture<Response<T>> f = c.call(a.request, a.handler);
            f.whenComplete((r, e) -> {
                // Persistence.FALSE ends the connection by itself; a named endpoint keeps its own options, so its
                // connection is closed here once the response body has been read (no half-close before: some
                // servers and proxies take a FIN for an abort).
                closeWhenDone(c);
                done.accept(r, e);
            });
        });
    }

    /** Closes a connection once nothing is outstanding on it (a streamed body counts until read). */
    private static void closeWhenDone(Connection c) {
        if (c.state().isTerminal()) return;
        if (c.length() == 0) {
            c.close();
        } else {
            c.nextChange().whenComplete((v, t) -> closeWhenDone(c));
        }
    }

    int size() {
        return open.size();
    }

    List<Connection> connections() {
        return new ArrayList<>(open);
    }

    /** Closes every connection open now (their requests fail as Connection.close() says). */
    void closeAll() {
        for (Connection c : connections()) c.close();
    }
}
