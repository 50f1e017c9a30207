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
        // The Log Service takes a Throwable as the last argument as the record's exception; "{}" keeps a message
        // containing braces from being read as a format.
        Object[] args = thrown == null ? new Object[] {message} : new Object[] {message, thrown};
        switch (level) {
            case ALL:
            case TRACE:
                l.trace("{}", args);
                break;
            case DEBUG:
                l.debug("{}", args);
                break;
            case INFO:
                l.info("{}", args);
                break;
            case WARNING:
                l.warn("{}", args);
                break;
            case ERROR:
                l.error("{}", args);
                break;
            default:
                break;
        }
    }
}
