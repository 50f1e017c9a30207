package io.pipelane.internal.engine;

import java.net.SocketException;

/**
 * Thrown by {@link Transport#write} when the transport was closed before that write began: none of its bytes were
 * sent. The connection closes the transport itself when it ends, possibly while its writer is about to write; this
 * tells the requests of such a write (never sent, so they may be sent again) from those of a write cut off midway
 * (whose bytes may have reached the server).
 */
final class TransportClosedException extends SocketException {
    private static final long serialVersionUID = 1L;

    TransportClosedException() {
        super("Socket closed (before this write began: nothing of it was sent)");
    }
}
