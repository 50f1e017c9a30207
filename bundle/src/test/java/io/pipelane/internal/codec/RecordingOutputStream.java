package io.pipelane.internal.codec;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test support: an OutputStream that records each write call separately, and counts flushes and closes. */
final class RecordingOutputStream extends OutputStream {
    /** The bytes of each write call, copied. */
    final List<byte[]> writes = new ArrayList<>();
    /** The array passed to each write call (to tell a copy from a write-through). */
    final List<byte[]> arrays = new ArrayList<>();
    int flushes;
    int closes;

    @Override
    public void write(int b) {
        writes.add(new byte[] {(byte) b});
        arrays.add(null);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        writes.add(Arrays.copyOfRange(b, off, off + len));
        arrays.add(b);
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close() {
        closes++;
    }

    byte[] bytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] w : writes) all.writeBytes(w);
        return all.toByteArray();
    }

    String text() {
        return new String(bytes(), StandardCharsets.ISO_8859_1);
    }
}
