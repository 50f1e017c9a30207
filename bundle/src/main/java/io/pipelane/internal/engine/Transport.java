package io.pipelane.internal.engine;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A connected byte stream: TCP, TLS over TCP, or a Unix domain socket. Blocking (a TCP channel leaves blocking
 * mode only while its connection is parked, {@link IdleParking}, when nothing reads or writes it). One thread reads while
 * another writes; {@link #close()} may come from any thread and unblocks both.
 */
interface Transport {
    /** Reads into {@code b}; blocks until at least one byte arrives. Returns -1 at the end of input. */
    int read(byte[] b, int off, int len) throws IOException;

    /**
     * Like {@link #read(byte[], int, int)}, but throws {@link java.net.SocketTimeoutException} once
     * {@code timeoutMillis} have passed without a byte (nothing consumed). Only for a transport with a
     * {@link #parkableChannel()}: the others wait without a limit.
     */
    default int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        return read(b, off, len);
    }

    /**
     * The socket channel under this transport, which {@link IdleParking} may take out of blocking mode to wait for
     * it in a selector while the connection is idle; null if this transport cannot park (a Unix domain socket:
     * its channel has no socket adaptor, hence no read with a timeout to leave a blocking read by).
     */
    default SocketChannel parkableChannel() {
        return null;
    }

    /** Every write to the {@link #parkableChannel()} passes {@code gate} first. */
    default void gateWrites(WriteGate gate) {
    }

    /** Whether input was taken from the channel and not yet returned by {@link #read} (TLS records). */
    default boolean holdsInput() {
        return false;
    }

    /**
     * After {@link #read} returned -1: whether the input ended cleanly. Always {@code true} for TCP and Unix
     * sockets; for TLS, whether the peer sent {@code close_notify} (RFC 9112 §9.8).
     */
    boolean endedCleanly();

    /**
     * Writes all of {@code b[off, off+len)}. Throws {@link TransportClosedException} when {@link #close()} came before
     * this write began (nothing of it was sent); any other failure may come after some of its bytes were sent.
     */
    void write(byte[] b, int off, int len) throws IOException;

    /** Shuts the write side: TCP FIN; for TLS, {@code close_notify} and then FIN. Reading goes on. */
    void shutdownOutput() throws IOException;

    /**
     * Whether {@link #shutdownOutput()} leaves the peer able to answer: true for TCP, Unix sockets and TLS 1.3;
     * false for TLS 1.2 and earlier, where a {@code close_notify} obliges the peer to close at once
     * (RFC 5246 §7.2.1) and would lose the responses still to come.
     */
    default boolean supportsHalfClose() {
        return true;
    }

    /**
     * Ends the write side at once, from any thread (the watchdog, after a write timeout), without waiting for the
     * writer: a write blocked because the peer does not read fails, the peer reads the end of its input (a TCP
     * FIN, queued behind the bytes already sent), and reading goes on. Unlike {@link #shutdownOutput()} it sends
     * nothing of its own: over TLS no {@code close_notify} (the writer holds the TLS state, and the record it was
     * sending is cut anyway), so the server sees a truncated TLS stream and ends; the responses it had sent are
     * still read. Idempotent; never throws.
     */
    void abortOutput();

    /** Closes both directions at once. Idempotent; never throws. */
    void close();

    /** A short description for logs, e.g. {@code 127.0.0.1:8080 -> 127.0.0.1:41234}. */
    String describe();
}
