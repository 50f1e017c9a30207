package io.pipelane.internal.osgi;

import io.pipelane.Connection;
import io.pipelane.ConnectionClosedException;
import io.pipelane.ConnectionFactory;
import io.pipelane.ConnectionOptions;
import io.pipelane.Endpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ConnectionFactory} one consumer bundle sees: the shared engine, but the connections it creates
 * are its own, and they are closed when the bundle releases the service (it stops, or its component goes
 * away). {@link #close()} closes this bundle's connections only: the factory lives on for the others.
 */
final class ConsumerConnectionFactory implements ConnectionFactory {
    private final PipelaneCore core;
    private final String owner;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile ConnectionClosedException closedBecause;

    ConsumerConnectionFactory(PipelaneCore core, String owner) {
        this.core = core;
        this.owner = owner;
    }

    String owner() {
        return owner;
    }

    Set<Connection> connections() {
        return connections;
    }

    private Connection track(Connection c) {
        connections.add(c);
        c.closed().whenComplete((v, t) -> connections.remove(c));
        ConnectionClosedException reason = closedBecause;
        if (reason != null) {
            // Released while this connection was being created.
            core.engine().close(c, reason);
        }
        return c;
    }

    private void checkOpen() {
        ConnectionClosedException reason = closedBecause;
        if (reason != null) throw new IllegalStateException(reason.getMessage());
    }

    @Override
    public Connection create(Endpoint endpoint, ConnectionOptions options) {
        checkOpen();
        return track(core.engine().create(endpoint, options));
    }

    @Override
    public CompletionStage<Connection> connect(Endpoint endpoint, ConnectionOptions options) {
        checkOpen();
        return core.engine().connected(create(endpoint, options));
    }

    @Override
    public Connection create(String endpointName) {
        checkOpen();
        return track(core.createNamed(endpointName));
    }

    @Override
    public CompletionStage<Connection> connect(String endpointName) {
        checkOpen();
        return core.engine().connected(create(endpointName));
    }

    @Override
    public ConnectionOptions defaultOptions() {
        return core.engine().defaultOptions();
    }

    /** Closes the connections this bundle created; the service stays usable. */
    @Override
    public void close() {
        closeAll(new ConnectionClosedException("the ConnectionFactory service was closed by " + owner));
    }

    /** Closes for good: the bundle released the service, or the service went away. */
    void release(ConnectionClosedException reason) {
        closedBecause = reason;
        closeAll(reason);
    }

    private void closeAll(ConnectionClosedException reason) {
        List<Connection> all = new ArrayList<>(connections);
        for (Connection c : all) core.engine().close(c, reason);
    }

    @Override
    public String toString() {
        return "ConnectionFactory[" + owner + ", " + connections.size() + " connections]";
    }
}
