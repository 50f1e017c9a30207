package io.pipelane.internal.engine;

import java.io.IOException;

/**
 * A body sink of this bundle's own ({@link io.pipelane.BodyHandlers}' buffering ones) that the reader may read body
 * bytes straight into, sparing the copy from its read buffer into the sink: with large bodies that copy was as
 * much work as the socket read itself. The reader uses it only for a run of body bytes it knows the length of (the
 * rest of a {@code Content-Length} body or of a chunk) and of at least {@link ResponseReader#DIRECT_READ_MIN_BYTES};
 * the bytes that arrive with a head, and short runs, still go through the read buffer and
 * {@link io.pipelane.BodySink#onData}. Called on the reader thread, between the sink's {@code onData} calls, like
 * them; never by application code (the package is not exported).
 */
public interface DirectReadSink {
    /** Where the bytes come from: the connection's transport. */
    @FunctionalInterface
    interface Source {
        /** Reads into {@code b[off, off+len)}; blocks until at least one byte arrives; -1 at the end of input. */
        int read(byte[] b, int off, int len) throws IOException;
    }

    /**
     * Reads at most {@code max} (at least 1) bytes of the body from {@code source} into the sink, in one read of it.
     *
     * @return the bytes read, which are then the sink's as if passed to {@code onData}; -1 at the end of input; or 0,
     *         having read nothing, when the sink will not take bytes this way (a body over its limit: the reader
     *         then reads into its buffer, and {@code onData} reports the limit)
     * @throws IOException what the source threw
     */
    int readFrom(Source source, int max) throws IOException;
}
