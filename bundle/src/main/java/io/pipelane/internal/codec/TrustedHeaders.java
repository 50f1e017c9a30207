package io.pipelane.internal.codec;

import io.pipelane.Headers;

/**
 * Wraps header fields that the response parser has already checked, without copying or validating them again.
 * Internal: the exported API has no way to build unvalidated {@link Headers}.
 *
 * <p>{@link Headers} keeps its constructor private and hands a {@link Wrapper} over to this class once, from its
 * static initialiser (the JDK's "shared secrets" pattern); a second {@link #install} fails, so nothing else can
 * take that place.
 */
public final class TrustedHeaders {
    /** Implemented by {@link Headers} only. */
    public interface Wrapper {
        Headers wrap(String[] namesAndValues, int size);
    }

    private static Wrapper installed;

    private TrustedHeaders() {
    }

    /** Called once, by {@link Headers}' static initialiser. */
    public static synchronized void install(Wrapper wrapper) {
        if (installed != null) throw new IllegalStateException("TrustedHeaders is installed by Headers only");
        installed = wrapper;
    }

    /**
     * Headers over {@code namesAndValues[0, 2 * size)}: alternating names and values, taken over, not copied.
     */
    public static Headers of(String[] namesAndValues, int size) {
        return Holder.WRAPPER.wrap(namesAndValues, size);
    }

    private static synchronized Wrapper installed() {
        return installed;
    }

    /** Initialised on first use, after {@link Headers} (whose static initialiser installs the wrapper). */
    private static final class Holder {
        static final Wrapper WRAPPER;

        static {
            Headers.empty();
            WRAPPER = installed();
        }
    }
}
