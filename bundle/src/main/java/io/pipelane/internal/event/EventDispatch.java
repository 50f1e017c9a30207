package io.pipelane.internal.event;

import io.pipelane.ConnectionEvent;
import io.pipelane.ConnectionListener;

/** Calls the {@link ConnectionListener} method of an event's type. */
final class EventDispatch {
    private EventDispatch() {
    }

    static void call(ConnectionListener l, ConnectionEvent e) {
        if (e instanceof ConnectionEvent.RequestQueued) {
            l.requestQueued((ConnectionEvent.RequestQueued) e);
        } else if (e instanceof ConnectionEvent.RequestWritten) {
            l.requestWritten((ConnectionEvent.RequestWritten) e);
        } else if (e instanceof ConnectionEvent.ResponseHeadReceived) {
            l.responseHead((ConnectionEvent.ResponseHeadReceived) e);
        } else if (e instanceof ConnectionEvent.ResponseCompleted) {
            l.responseComplete((ConnectionEvent.ResponseCompleted) e);
        } else if (e instanceof ConnectionEvent.RequestFailed) {
            l.requestFailed((ConnectionEvent.RequestFailed) e);
        } else if (e instanceof ConnectionEvent.ConnectionOpened) {
            l.connectionOpened((ConnectionEvent.ConnectionOpened) e);
        } else if (e instanceof ConnectionEvent.PersistenceDecided) {
            l.persistenceDecided((ConnectionEvent.PersistenceDecided) e);
        } else if (e instanceof ConnectionEvent.ConnectionClosed) {
            l.connectionClosed((ConnectionEvent.ConnectionClosed) e);
        } else if (e instanceof ConnectionEvent.RequestResent) {
            l.requestResent((ConnectionEvent.RequestResent) e);
        } else if (e instanceof ConnectionEvent.LimitLearned) {
            l.limitLearned((ConnectionEvent.LimitLearned) e);
        } else {
            throw new AssertionError("unknown event " + e);
        }
    }
}
