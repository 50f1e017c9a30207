package io.pipelane.internal.console;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What one console command takes, declared once: the command's Gogo {@code @Descriptor}s use the same constants,
 * and its catch-all overload prints this text for {@code --help} and for wrong or missing arguments, so the
 * operator never sees Gogo's "Cannot coerce ..." (Karaf's {@code help pipelane:x} runs {@code pipelane:x --help}).
 */
final class Usage {
    /** The service property that puts a command in the {@code pipelane:} scope (with osgi.command.function). */
    static final String SCOPE = "osgi.command.scope=pipelane";

    /** One argument of a command. */
    record Param(String name, String description, boolean optional) {
        static Param required(String name, String description) {
            return new Param(name, description, false);
        }

        static Param optional(String name, String description) {
            return new Param(name, description, true);
        }
    }

    private final String command;
    private final String description;
    private final List<Param> params;

    Usage(String command, String description, Param... params) {
        this.command = command;
        this.description = description;
        this.params = List.of(params);
    }

    /** For example {@code pipelane:get <endpoint> <path> [count]}, the description and one line per argument. */
    String text() {
        StringBuilder b = new StringBuilder("usage: pipelane:").append(command);
        int width = 0;
        for (Param p : params) {
            b.append(' ').append(p.optional() ? "[" + p.name() + "]" : "<" + p.name() + ">");
            width = Math.max(width, p.name().length());
        }
        b.append("\n  ").append(description).append('\n');
        for (Param p : params) {
            b.append("    ").append(p.name()).append(" ".repeat(width - p.name().length() + 2))
                    .append(p.description()).append(p.optional() ? " (optional)" : "").append('\n');
        }
        return b.toString();
    }

    /**
     * The arguments of a call that reached the catch-all overload, checked: {@code null} after printing the usage
     * for {@code --help} or {@code -h}; the arguments as strings when their number fits.
     *
     * @throws IllegalArgumentException after printing the usage, when there are too few or too many
     */
    List<String> check(Object[] words, PrintStream out) {
        List<String> args = new ArrayList<>();
        for (Object w : words == null ? new Object[0] : words) {
            String s = String.valueOf(w);
            if (s.equals("--help") || s.equals("-h")) {
                out.print(text());
                return null;
            }
            args.add(s);
        }
        long required = params.stream().filter(p -> !p.optional()).count();
        if (args.size() < required || args.size() > params.size()) {
            throw wrong(args.size() < required ? "missing <" + params.get(args.size()).name() + ">"
                    : "unexpected argument '" + args.get(params.size()) + "'", out);
        }
        return args;
    }

    /** Prints the usage and returns the error to throw, which names the problem. */
    IllegalArgumentException wrong(String problem, PrintStream out) {
        out.print(text());
        return new IllegalArgumentException("pipelane:" + command + ": " + problem);
    }
}
