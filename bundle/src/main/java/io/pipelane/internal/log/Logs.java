package io.pipelane.internal.log;

import java.text.MessageFormat;
import java.util.Objects;
import java.util.ResourceBundle;

/**
 * The bundle's loggers: one line to declare ({@code private static final System.Logger LOG =
 * Logs.logger(HttpConnection.class);}), the {@link System.Logger} API to call. Where the records go is decided
 * per record: to the OSGi Log Service when a {@link Backend} is in use (in OSGi, {@code LogServiceBackend}, made
 * by DS from a {@code LoggerFactory}: the records carry the Pipelane bundle and follow the levels the platform
 * sets, e.g. Karaf's {@code log:set DEBUG io.pipelane}); else to {@link System#getLogger(String)}, i.e.
 * java.util.logging unless the application installed another {@code System.LoggerFinder}.
 *
 * <p>Logger names are the classes' names, all under {@code io.pipelane.}. Thread-safe: the backend is one
 * volatile reference, read once per call.
 */
public final class Logs {
    /** Where records go while OSGi's Log Service is in use. */
    public interface Backend {
        boolean isLoggable(String logger, System.Logger.Level level);

        void log(String logger, System.Logger.Level level, String message, Throwable thrown);
    }

    private static volatile Backend backend;

    private Logs() {
    }

    /** The logger named after {@code type} ({@code io.pipelane...}). */
    public static System.Logger logger(Class<?> type) {
        return new Switching(type.getName());
    }

    /** Sends every record to {@code b} from now on. */
    public static void use(Backend b) {
        backend = Objects.requireNonNull(b);
    }

    /** Back to System.Logger, if {@code b} is still the backend in use (a newer one stays). */
    public static void release(Backend b) {
        synchronized (Logs.class) {
            if (backend == b) backend = null;
        }
    }

    /** A System.Logger that asks, for each record, whether the OSGi backend is in use. */
    private static final class Switching implements System.Logger {
        private final String name;
        private final System.Logger fallback;

        Switching(String name) {
            this.name = name;
            this.fallback = System.getLogger(name);
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            Backend b = backend;
            return b != null ? b.isLoggable(name, level) : fallback.isLoggable(level);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            Backend b = backend;
            if (b == null) {
                fallback.log(level, bundle, msg, thrown);
            } else if (b.isLoggable(name, level)) {
                b.log(name, level, msg, thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            Backend b = backend;
            if (b == null) {
                fallback.log(level, bundle, format, params);
            } else if (b.isLoggable(name, level)) {
                b.log(name, level, params == null || params.length == 0 ? format
                        : new MessageFormat(format).format(params), null);
            }
        }
    }
}
