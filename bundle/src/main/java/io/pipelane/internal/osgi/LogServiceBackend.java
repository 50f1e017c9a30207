package io.pipelane.internal.osgi;

import io.pipelane.internal.log.Logs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Sends the bundle's log records to the OSGi Log Service while one is there: DS gets the {@link LoggerFactory}
 * with this bundle's context, so each record carries the Pipelane bundle (Karaf's {@code log:display} shows it,
 * and {@code log:set} levels apply by logger name). Without a Log Service this component is not active and the
 * records go to System.Logger. The only class that touches {@code org.osgi.service.log} (an optional import).
 *
 * <p>Lifecycle: activated when a LoggerFactory is available (it then takes over {@link Logs}), deactivated when
 * it goes (the records go back to System.Logger); a replaced LoggerFactory re-creates it.
 */
@Component(service = LogServiceBackend.class, immediate = true)
public final class LogServiceBackend implements Logs.Backend {
    private final LoggerFactory factory;
    /** One Logger per name, asked once: the level checks stay live (the Log Service applies log:set changes). */
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

    @Activate
    public LogServiceBackend(@Reference LoggerFactory factory) {
        this.factory = factory;
        Logs.use(this);
    }

    @Deactivate
    void deactivate() {
        Logs.release(this);
    }

    private Logger logger(String name) {
        return loggers.computeIfAbsent(name, factory::getLogger);
    }

    @Override
    public boolean isLoggable(String logger, System.Logger.Level level) {
        Logger l = logger(logger);
        switch (level) {
            case ALL:
            case TRACE:
                return l.isTraceEnabled();
            case DEBUG:
                return l.isDebugEnabled();
            case INFO:
                return l.isInfoEnabled();
            case WARNING:
                return l.isWarnEnabled();
            case ERROR:
                return l.isErrorEnabled();
            default:
                return false;
        }
    }

    @Override
    public void log(String logger, System.Logger.Level level, String message, Throwable thrown) {
        Logger l = logger(logger);
        // The message is the record's whole text (LogEntry.getMessage() shows it as is): a "{}" in it is escaped so
        // the Log Service does not read it as a placeholder; a Throwable as the last argument is the exception.
        String text = String.valueOf(message).replace("{}", "\\{}");
        Object[] args = thrown == null ? new Object[0] : new Object[] {thrown};
        switch (level) {
            case ALL:
            case TRACE:
                l.trace(text, args);
                break;
            case DEBUG:
                l.debug(text, args);
                break;
            case INFO:
                l.info(text, args);
                break;
            case WARNING:
                l.warn(text, args);
                break;
            case ERROR:
                l.error(text, args);
                break;
            default:
                break;
        }
    }
}
