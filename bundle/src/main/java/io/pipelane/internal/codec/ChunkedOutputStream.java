package io.pipelane.internal.codec;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Frames what is written to it with the chunked transfer coding (RFC 9112 §7.1): every {@code write} becomes
 * one chunk; {@link #finish()} writes the last chunk and an empty trailer section. {@link #close()} does not
 * close the underlying stream.
 */
public final class ChunkedOutputStream extends OutputStream {
    private final BatchOutput out;
    private boolean finished;

    public ChunkedOutputStream(BatchOutput out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) throw new IOException("chunked body already finished");
        if (len == 0) return; // a zero-length chunk would end the body
        out.writeHex(len);
        out.writeCrlf();
        out.write(b, off, len);
        out.writeCrlf();
    }

    /** Writes the last chunk ({@code 0}) and an empty trailer section. */
    public void finish() throws IOException {
        if (finished) return;
        finished = true;
        out.writeLatin1("0\r\n\r\n");
    }

    @Override
    public void close() {
        // the body writer does not own the connection's stream
    }
}
