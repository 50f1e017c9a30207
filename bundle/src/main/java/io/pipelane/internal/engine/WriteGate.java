package io.pipelane.internal.engine;

import java.io.IOException;

/**
 * What every socket write of a parkable transport passes: {@link IdleParking} keeps the channel in blocking mode
 * from {@link #enter} to {@link #leave}, and a write that finds it parked waits until it is back in blocking mode.
 */
interface WriteGate {
    /**
     * Before a socket write: returns once the channel is in blocking mode and stays so until {@link #leave}. Throws
     * {@link TransportClosedException} (nothing sent) if the connection was closed while parked.
     */
    void enter() throws IOException;

    /** After that write returned or failed. */
    void leave();
}
