package io.pipelane.testing;

import io.pipelane.ConnectionFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What a connection test opens: a factory and the servers (and other resources) it talks to, closed together
 * after the test, the most recently added first, then the factory.
 */
public final class TestResources implements AutoCloseable {
    public final ConnectionFactory factory = ConnectionFactory.builder().build();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /** Closes {@code resource} after the test, before the resources added earlier. */
    public <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    /** A scripted server on loopback, closed after the test. */
    public ScriptedServer server(ScriptedServer.Script script) throws IOException {
        return add(new ScriptedServer(script));
    }

    /** The exception a future fails with, waiting at most 10 s; fails the test if it completes normally. */
    public static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    /**
     * Closes the factory first (its connections fail their requests at once, so no server waits on a client),
     * then every resource; the first failure is thrown, the others are added to it.
     */
    @Override
    public void close() throws Exception {
        Exception first = null;
        try {
            factory.close();
        } catch (RuntimeException e) {
            first = e;
        }
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
