package io.pipelane.internal.cache;

import io.pipelane.BodyHandler;
import io.pipelane.Request;
import io.pipelane.Response;

import java.util.concurrent.CompletableFuture;

/**
 * A request on its way through the cache: its caller's future and how often it was sent again. Lifecycle:
 * queued (waiting for room) → placed on a slot → handed to a connection → completed, or failed and, as
 * {@link RetryPolicy} decides, queued again.
 */
final class Attempt<T> {
    final Request request;
    final BodyHandler<T> handler;
    final CompletableFuture<Response<T>> result = new CompletableFuture<>();
    /** Its place in the call order of its pool (set when the pool takes it; guarded by the pool). */
    long seq;
    /** Times it was sent again after a failure that counts against {@code retry}. */
    int retries;
    /** Times it was placed again, for free, after a failure the server certainly did not process. */
    int replacements;
    /** Guarded by the pool: whether it is in the waiting queue. */
    boolean queued;
    /** Guarded by the pool: the wait timer of its current wait, or null. */
    CacheTimer.Task waitTimer;

    Attempt(Request request, BodyHandler<T> handler) {
        this.request = request;
        this.handler = handler;
    }
}
