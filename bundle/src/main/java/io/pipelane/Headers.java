package io.pipelane;

import io.pipelane.internal.codec.HttpSyntax;
import io.pipelane.internal.codec.TrustedHeaders;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable, ordered list of header fields. Names are compared case-insensitively; a name may occur several
 * times and the order of the fields is kept as given (or as received).
 *
 * <p>Headers built with {@link #builder()} are validated as they are added: a name must be a token and a value
 * must not contain CR, LF, NUL or other control characters, so no header can smuggle another one onto the wire.
 */
public final class Headers {
    private static final Headers EMPTY = new Headers(new String[0], 0);

    static {
        // The response parser wraps the fields it has checked without a copy; only through this internal door.
        TrustedHeaders.install((namesAndValues, size) -> size == 0 ? EMPTY : new Headers(namesAndValues, size));
    }

    /** name0, value0, name1, value1, ... */
    private final String[] fields;
    private final int size;

    private Headers(String[] fields, int size) {
        this.fields = fields;
        this.size = size;
    }

    /** No fields. */
    public static Headers empty() {
        return EMPTY;
    }

    /** Headers from alternating names and values, validated like {@link Builder#add}. */
    public static Headers of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Headers.of takes names and values in pairs");
        }
        Builder b = builder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts with these fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.fields = Arrays.copyOf(fields, Math.max(8, size * 2));
        b.size = size;
        return b;
    }

    /** The number of fields. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The name of field {@code i}, as given. */
    public String name(int i) {
        Objects.checkIndex(i, size);
        return fields[2 * i];
    }

    /** The value of field {@code i}. */
    public String value(int i) {
        Objects.checkIndex(i, size);
        return fields[2 * i + 1];
    }

    /** The value of the first field with this name, or {@code null}. */
    public String first(String name) {
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) return fields[2 * i + 1];
        }
        return null;
    }

    /** The values of every field with this name, in order; empty when there is none. */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < size; i++) {
            if (fields[2 * i].equalsIgnoreCase(name)) {
                if (out == null) out = new ArrayList<>(2);
                out.add(fields[2 * i + 1]);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    public boolean contains(String name) {
        return first(name) != null;
    }

    /**
     * Whether a comma-separated list field (such as {@code Connection}) contains {@code token}, compared
     * case-insensitively, across every occurrence of the field.
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (!fields[2 * i].equalsIgnoreCase(name)) continue;
            String v = fields[2 * i + 1];
            int start = 0;
            while (start <= v.length()) {
                int comma = v.indexOf(',', start);
                int end = comma < 0 ? v.length() : comma;
                if (v.substring(start, end).trim().equalsIgnoreCase(token)) return true;
                if (comma < 0) break;
                start = comma + 1;
            }
        }
        return false;
    }

    /** The distinct names, lower-cased, in order of first occurrence. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) names.add(fields[2 * i].toLowerCase(Locale.ROOT));
        return Collections.unmodifiableSet(names);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Headers)) return false;
        Headers h = (Headers) o;
        if (h.size != size) return false;
        for (int i = 0; i < size; i++) {
            if (!fields[2 * i].equalsIgnoreCase(h.fields[2 * i]) || !fields[2 * i + 1].equals(h.fields[2 * i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * h + fields[2 * i].toLowerCase(Locale.ROOT).hashCode();
            h = 31 * h + fields[2 * i + 1].hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            if (i > 0) b.append(", ");
            b.append(fields[2 * i]).append(": ").append(fields[2 * i + 1]);
        }
        return b.append('}').toString();
    }

    /** Builds {@link Headers}, validating every field as it is added. Not thread-safe. */
    public static final class Builder {
        private String[] fields = new String[16];
        private int size;

        private Builder() {
        }

        /**
         * Appends a field.
         *
         * @throws IllegalArgumentException naming the header if the name is not a token or the value holds CR,
         *                                  LF, NUL or another control character
         */
        public Builder add(String name, String value) {
            check(name, value);
            if (2 * size + 2 > fields.length) fields = Arrays.copyOf(fields, fields.length * 2);
            fields[2 * size] = name;
            fields[2 * size + 1] = value;
            size++;
            return this;
        }

        /**
         * Removes every field with this name, then appends one. An invalid field is refused before anything is
         * removed.
         */
        public Builder set(String name, String value) {
            check(name, value);
            remove(name);
            return add(name, value);
        }

        private static void check(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, () -> "value of header " + name);
            HttpSyntax.checkFieldName(name);
            HttpSyntax.checkFieldValue(name, value);
        }

        /** Removes every field with this name. */
        public Builder remove(String name) {
            int j = 0;
            for (int i = 0; i < size; i++) {
                if (!fields[2 * i].equalsIgnoreCase(name)) {
                    fields[2 * j] = fields[2 * i];
                    fields[2 * j + 1] = fields[2 * i + 1];
                    j++;
                }
            }
            Arrays.fill(fields, 2 * j, 2 * size, null);
            size = j;
            return this;
        }

        public Headers build() {
            return size == 0 ? EMPTY : new Headers(Arrays.copyOf(fields, 2 * size), size);
        }
    }
}
