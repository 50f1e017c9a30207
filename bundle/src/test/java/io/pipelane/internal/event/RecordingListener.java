package io.pipelane.internal.event;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A listener that keeps every event it receives, in order, and lets a test wait for one. */
final class RecordingListener implements ConnectionListener {
    private final BlockingQueue<ConnectionEvent> incoming = new LinkedBlockingQueue<>();
    final List<ConnectionEvent> events = new ArrayList<>();

    private void add(ConnectionEvent e) {
        incoming.add(e);
    }

    /** Every event received until one of {@code type} (included); fails after 10 s without it. */
    <T extends ConnectionEvent> T awaitEvent(Class<T> type) throws InterruptedException {
        while (true) {
            ConnectionEvent e = incoming.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "no " + type.getSimpleName() + " event within 10 s; received " + events);
            events.add(e);
            if (type.isInstance(e)) return type.cast(e);
        }
    }

    <T extends ConnectionEvent> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ConnectionEvent e : events) if (type.isInstance(e)) out.add(type.cast(e));
        return out;
    }

    @Override public void connectionOpened(ConnectionEvent.ConnectionOpened e) { add(e); }
    @Override public void persistenceDecided(ConnectionEvent.PersistenceDecided e) { add(e); }
    @Override public void requestQueued(ConnectionEvent.RequestQueued e) { add(e); }
    @Override public void requestWritten(ConnectionEvent.RequestWritten e) { add(e); }
    @Override public void responseHead(ConnectionEvent.ResponseHeadReceived e) { add(e); }
    @Override public void responseComplete(ConnectionEvent.ResponseCompleted e) { add(e); }
    @Override public void requestFailed(ConnectionEvent.RequestFailed e) { add(e); }
    @Override public void requestResent(ConnectionEvent.RequestResent e) { add(e); }
    @Override public void limitLearned(ConnectionEvent.LimitLearned e) { add(e); }
    @Override public void connectionClosed(ConnectionEvent.ConnectionClosed e) { add(e); }
}
