package io.pipelane.internal.engine;

import io.pipelane.BodyHandlers;

/**
 * Whether code of a type (body handlers, or sinks) is one of {@link BodyHandlers}' buffering ones, which never
 * wait for the application: the reader may go on holding the delivery while it runs. Anything else may be
 * application code that waits for a completion the hold keeps back (the streamed body's sink waits for its
 * reader). A connection sees one or two types of each: decided once per type, not per response. Confined to the
 * reader thread.
 */
final class OwnCode {
    private static final String PREFIX = BodyHandlers.class.getName() + "$";
    private Class<?> lastType;
    private boolean lastNeverWaits;

    boolean neverWaits(Object code) {
        Class<?> type = code.getClass();
        if (type != lastType) {
            lastType = type;
            lastNeverWaits = type.getName().startsWith(PREFIX);
        }
        return lastNeverWaits;
    }
}
