package io.pipelane.internal.event;

import io.pipelane.ConnectionEvent;
import io.pipelane.Request;

/**
 * The events of one connection cache (retries, re-placements, limits learned), for the listeners of the
 * factory the cache is over, if that is a Pipelane factory (else they go nowhere; the cache's own metrics count
 * them either way). Thread-safe; never blocks.
 */
public final class CacheEvents {
    private final EventBus bus;

    /** @param bus null when the cache's factory is not Pipelane's (nobody to tell) */
    public CacheEvents(EventBus bus) {
        this.bus = bus;
    }

    /** The bus of {@code factory} if it has one, else null. */
    public static EventBus busOf(Object factory) {
        return factory instanceof HasEvents ? ((HasEvents) factory).events() : null;
    }

    /** A factory whose connections report to an {@link EventBus}. */
    public interface HasEvents {
        EventBus events();
    }

    /** The cache sends {@code request} again after {@code cause}; {@code attempt} counts retries, this one too. */
    public void retried(String endpoint, Request request, int attempt, Throwable cause) {
        if (bus == null || !bus.active()) return;
        bus.publish(new ConnectionEvent.RequestResent(endpoint, System.nanoTime(), request,
                ConnectionEvent.Resend.RETRY, attempt, cause));
    }

    /** The cache moves {@code request}, which the server certainly did not process, to another connection. */
    public void replaced(String endpoint, Request request, int attempt, Throwable cause) {
        if (bus == null || !bus.active()) return;
        bus.publish(new ConnectionEvent.RequestResent(endpoint, System.nanoTime(), request,
                ConnectionEvent.Resend.REPLACEMENT, attempt, cause));
    }

    /** The cache learned a server's limit and applies it from now on. */
    public void limitLearned(String endpoint, String limit, long value, String why) {
        if (bus == null || !bus.active()) return;
        bus.publish(new ConnectionEvent.LimitLearned(endpoint, System.nanoTime(), limit, value, why));
    }
}
