package io.pipelane.internal.codec;

import io.pipelane.MalformedResponseException;

/**
 * The chunk-size line of a chunked body (RFC 9112 §7.1), checked against its grammar. Pure functions; no state.
 *
 * <pre>
 * chunk-size     = 1*HEXDIG
 * chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * chunk-ext-name = token
 * chunk-ext-val  = token / quoted-string
 * quoted-string  = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 * </pre>
 *
 * <p>BWS (spaces and tabs) may stand before each {@code ;}, after it, and around {@code =}; nowhere else. So
 * whitespace at the end of the line ({@code 5 }, {@code 5;a=b<TAB>}), an empty name ({@code 5;}, {@code 5;;},
 * {@code 5;=b}), an empty value ({@code 5;a=}), or anything after a name or value that is not another
 * {@code ;} ({@code 5;a b}, {@code 5;a=b c}, {@code 5;a="x"y}) is refused. Extensions are checked, then ignored.
 */
final class ChunkSizeLine {
    private ChunkSizeLine() {
    }

    /**
     * Parses a chunk-size line.
     *
     * @param b   the line is {@code b[off, end)}, without its line ending
     * @return the chunk size
     * @throws MalformedResponseException naming the line and what is wrong with it
     */
    static long parse(byte[] b, int off, int end) throws MalformedResponseException {
        long size = 0;
        int i = off;
        for (; i < end; i++) {
            int d = hexValue(b[i]);
            if (d < 0) break;
            if (size > (Long.MAX_VALUE >>> 4)) {
                throw new MalformedResponseException("chunk size overflows: " + Printable.quote(b, off, end));
            }
            size = (size << 4) | d;
        }
        if (i == off) {
            throw new MalformedResponseException("invalid chunk-size line " + Printable.quote(b, off, end));
        }
        if (i < end) checkExtensions(b, off, i, end);
        return size;
    }

    /** Checks {@code b[from, end)}, what follows the size, against {@code chunk-ext}. */
    private static void checkExtensions(byte[] b, int off, int from, int end) throws MalformedResponseException {
        for (int k = from; k < end; k++) {
            if (!HttpSyntax.isFieldValueByte(b[k])) {
                throw new MalformedResponseException("invalid character " + HttpSyntax.describe(b[k] & 0xff)
                        + " in a chunk extension of chunk-size line " + Printable.quote(b, off, end));
            }
        }
        int i = from;
        while (true) {
            int j = skipBws(b, i, end);
            if (j == end) {
                if (j > i) throw invalid(b, off, end, "whitespace at the end of the line");
                return;
            }
            if (b[j] != ';') {
                throw invalid(b, off, end, i == from ? "garbage after the size" : "expected ';' at index " + (j - off));
            }
            int nameStart = skipBws(b, j + 1, end);
            int nameEnd = skipToken(b, nameStart, end);
            if (nameEnd == nameStart) throw invalid(b, off, end, "empty chunk extension name at index "
                    + (nameStart - off));
            i = nameEnd;
            int eq = skipBws(b, nameEnd, end);
            if (eq < end && b[eq] == '=') {
                int valueStart = skipBws(b, eq + 1, end);
                int valueEnd = valueStart < end && b[valueStart] == '"'
                        ? skipQuotedString(b, off, valueStart, end)
                        : skipToken(b, valueStart, end);
                if (valueEnd == valueStart) {
                    throw invalid(b, off, end, "empty chunk extension value at index " + (valueStart - off));
                }
                i = valueEnd;
            }
        }
    }

    /** The end of the quoted-string starting at {@code b[start] == '"'}; bytes were checked to be field-value bytes. */
    private static int skipQuotedString(byte[] b, int off, int start, int end) throws MalformedResponseException {
        for (int i = start + 1; i < end; i++) {
            if (b[i] == '"') return i + 1;
            if (b[i] == '\\') i++; // quoted-pair: any HTAB / SP / VCHAR / obs-text follows
        }
        throw invalid(b, off, end, "unterminated quoted string at index " + (start - off));
    }

    private static int skipToken(byte[] b, int from, int end) {
        while (from < end && HttpSyntax.isTchar(b[from])) from++;
        return from;
    }

    private static int skipBws(byte[] b, int from, int end) {
        while (from < end && (b[from] == ' ' || b[from] == '\t')) from++;
        return from;
    }

    private static MalformedResponseException invalid(byte[] b, int off, int end, String problem) {
        return new MalformedResponseException("invalid chunk-size line " + Printable.quote(b, off, end)
                + ": " + problem + " (RFC 9112 §7.1.1)");
    }

    private static int hexValue(byte c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
