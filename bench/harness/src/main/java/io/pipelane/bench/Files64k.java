package io.pipelane.bench;

/** The content of the 64 KiB file, the same for nginx and the NIO server. */
final class Files64k {
    static final int SIZE = 64 * 1024;

    private Files64k() {
    }

    static byte[] content() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) b[i] = (byte) ('a' + i % 26);
        return b;
    }
}
