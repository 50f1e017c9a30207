package io.pipelane.internal.config;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.TreeSet;

/**
 * A SHA-256 of the secret values of a configuration (its passwords): it changes when a secret changes, so a
 * comparison of two configurations can see that a password changed, without keeping or showing the password.
 * Held in memory only; {@link #toString()} shows no part of it, and {@link #equals} compares in constant time.
 */
public final class SecretDigest {
    private final byte[] digest;

    private SecretDigest(byte[] digest) {
        this.digest = digest;
    }

    /** The digest of the values of {@code keys} in {@code values} (an absent key counts as absent, not empty). */
    public static SecretDigest of(ConfigValues values, Collection<String> keys) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
        for (String key : new TreeSet<>(keys)) {
            byte[] name = key.getBytes(StandardCharsets.UTF_8);
            md.update(ByteBuffer.allocate(4).putInt(name.length).array());
            md.update(name);
            Object v = values.properties().get(key);
            if (v == null) {
                md.update((byte) 0);
                continue;
            }
            md.update((byte) 1);
            char[] chars = chars(v);
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            md.update(ByteBuffer.allocate(4).putInt(b.length).array());
            md.update(b);
            Arrays.fill(b, (byte) 0);
            if (bytes.hasArray()) Arrays.fill(bytes.array(), (byte) 0);
            if (!(v instanceof String)) Arrays.fill(chars, '\0');
        }
        return new SecretDigest(md.digest());
    }

    private static char[] chars(Object v) {
        if (v instanceof char[]) return ((char[]) v).clone();
        if (v instanceof String) return ((String) v).toCharArray();
        if (v.getClass().isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0, n = Array.getLength(v); i < n; i++) sb.append(Array.get(v, i)).append('\0');
            return sb.toString().toCharArray();
        }
        return String.valueOf(v).toCharArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretDigest && MessageDigest.isEqual(digest, ((SecretDigest) o).digest);
    }

    @Override
    public int hashCode() {
        return 0; // constant: a hash code derived from the digest would tell something about the secrets
    }

    @Override
    public String toString() {
        return "SecretDigest[****]";
    }
}
