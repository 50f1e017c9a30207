package io.pipelane.internal.codec;

import java.nio.charset.StandardCharsets;

/**
 * Decodes field values, reusing the String of the previous response's value at the same position when the name
 * and the bytes are the same: the responses on one connection mostly repeat their fields ({@code Server},
 * {@code Content-Type}, {@code Content-Length} of same-sized resources, {@code Date} within a second), so a
 * pipelined run decodes them without allocating. A value that differs is decoded and remembered instead.
 *
 * <p>Belongs to one parser (one connection); not thread-safe. Holds at most {@value #POSITIONS} values.
 */
final class FieldValues {
    /** Field positions remembered: the first ones of a head, where a server's fixed fields are. */
    static final int POSITIONS = 16;

    private final String[] names = new String[POSITIONS];
    private final String[] values = new String[POSITIONS];

    /** The value {@code b[from, to)} of the field at {@code position} named {@code name} (a String instance). */
    String decode(int position, String name, byte[] b, int from, int to) {
        if (position >= POSITIONS) return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        String last = values[position];
        if (last != null && names[position] == name && sameLatin1(last, b, from, to)) return last;
        String v = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        names[position] = name;
        values[position] = v;
        return v;
    }

    /** Forgets every remembered value (an idle connection lets them go). */
    void forget() {
        java.util.Arrays.fill(names, null);
        java.util.Arrays.fill(values, null);
    }

    private static boolean sameLatin1(String s, byte[] b, int from, int to) {
        int n = to - from;
        if (s.length() != n) return false;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) != (char) (b[from + i] & 0xff)) return false;
        }
        return true;
    }
}
