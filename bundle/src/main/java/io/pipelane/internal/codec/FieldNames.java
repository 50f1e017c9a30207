package io.pipelane.internal.codec;

import java.nio.charset.StandardCharsets;

/**
 * Shares the String instances of common response field names, so that parsing a typical response allocates
 * no String for its names. Other names are decoded as received.
 */
final class FieldNames {
    private static final String[] COMMON = {
        "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Date", "Server", "Keep-Alive",
        "Cache-Control", "ETag", "Last-Modified", "Accept-Ranges", "Vary", "Expires", "Location",
        "Set-Cookie", "Content-Encoding", "Age", "Via", "Trailer", "Retry-After",
        "content-length", "content-type", "transfer-encoding", "connection", "date", "server", "keep-alive",
        "cache-control", "etag", "last-modified", "accept-ranges", "vary", "expires", "location",
    };
    private static final byte[][] COMMON_BYTES = new byte[COMMON.length][];

    static {
        for (int i = 0; i < COMMON.length; i++) COMMON_BYTES[i] = COMMON[i].getBytes(StandardCharsets.US_ASCII);
    }

    private FieldNames() {
    }

    static String canonical(byte[] b, int off, int end) {
        int n = end - off;
        outer:
        for (int i = 0; i < COMMON_BYTES.length; i++) {
            byte[] c = COMMON_BYTES[i];
            if (c.length != n) continue;
            for (int j = 0; j < n; j++) {
                if (c[j] != b[off + j]) continue outer;
            }
            return COMMON[i];
        }
        return new String(b, off, n, StandardCharsets.ISO_8859_1);
    }
}
