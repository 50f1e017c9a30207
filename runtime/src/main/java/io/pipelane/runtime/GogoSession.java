package io.pipelane.runtime;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * A Gogo command session opened from outside the framework (the launcher does not share Gogo's classes, hence
 * reflection): runs command lines as a user types them, the commands printing to {@code out}. Used by
 * {@code --smoke}, {@code --run FILE} and piped input. Lifecycle: opened once the command processor is there,
 * {@link #run} any number of times on one thread, {@link #close()} once.
 */
final class GogoSession implements AutoCloseable {
    private final BundleContext context;
    private final ServiceReference<?> reference;
    private final Object session;
    private final Method execute;
    private final Method format;
    private final Method close;
    private final PrintStream out;

    GogoSession(BundleContext context, ServiceReference<?> processorReference, PrintStream out, PrintStream err)
            throws ReflectiveOperationException {
        this.context = context;
        this.reference = processorReference;
        this.out = out;
        Object processor = context.getService(processorReference);
        Bundle gogo = processorReference.getBundle();
        Class<?> processorType = gogo.loadClass("org.apache.felix.service.command.CommandProcessor");
        this.session = processorType.getMethod("createSession", InputStream.class, OutputStream.class,
                OutputStream.class).invoke(processor, new ByteArrayInputStream(new byte[0]), out, err);
        Class<?> sessionType = gogo.loadClass("org.apache.felix.service.command.CommandSession");
        this.execute = sessionType.getMethod("execute", CharSequence.class);
        this.format = sessionType.getMethod("format", Object.class, int.class);
        this.close = sessionType.getMethod("close");
    }

    /**
     * Runs one command line: prints it after {@code g! }, then what the command prints, then its value if it
     * returned one (as Gogo's shell shows it), or {@code Error: ...} if it failed.
     *
     * @return whether the command succeeded
     */
    boolean run(String line) {
        out.println("g! " + line);
        try {
            Object value = execute.invoke(session, line);
            if (value != null) out.println(format.invoke(session, value, 0)); // 0: Converter.INSPECT
            return true;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            out.println("Error: " + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
            return false;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } finally {
            out.flush();
        }
    }

    /**
     * Runs each line of {@code script} (blank lines and {@code #} comments skipped) while the framework is
     * active: a {@code stop 0} ends it, and the lines after it are not run.
     *
     * @return whether every command that ran succeeded
     */
    boolean runAll(BufferedReader script, Bundle framework) throws IOException {
        boolean ok = true;
        for (String line; (line = script.readLine()) != null; ) {
            String command = line.strip();
            if (command.isEmpty() || command.startsWith("#")) continue;
            if (framework.getState() != Bundle.ACTIVE) break;
            ok &= run(command);
            // The framework stops on another thread: the lines after stop 0 must not race it.
            if (STOP_FRAMEWORK.matcher(command).matches()) break;
        }
        return ok;
    }

    /** {@code stop 0} (or {@code felix:stop 0}): stops the system bundle, i.e. the framework. */
    private static final Pattern STOP_FRAMEWORK = Pattern.compile("(felix:)?stop\\s+0");

    @Override
    public void close() {
        try {
            close.invoke(session);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // the framework is stopping and took Gogo with it
        }
        try {
            context.ungetService(reference);
        } catch (IllegalStateException stopped) {
            // the framework stopped (stop 0)
        }
    }
}
