package io.pipelane.internal.config;

import io.pipelane.internal.codec.Printable;

import java.lang.reflect.Array;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values from configuration properties as Config Admin delivers them: {@code .cfg} files give
 * strings, the console and the web console may give numbers, booleans, arrays or collections. Every error
 * names the key and the source; none quotes a secret.
 */
public final class ConfigValues {
    private static final Pattern SIMPLE_DURATION =
            Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

    private final String source;
    private final Map<String, ?> properties;

    public ConfigValues(String source, Map<String, ?> properties) {
        this.source = source;
        this.properties = properties;
    }

    public String source() {
        return source;
    }

    public Map<String, ?> properties() {
        return properties;
    }

    /** Whether the key has a value that is not blank. */
    public boolean has(String key) {
        Object v = properties.get(key);
        if (v == null) return false;
        if (v instanceof String) return !((String) v).isBlank();
        if (v.getClass().isArray()) return Array.getLength(v) > 0;
        if (v instanceof Collection) return !((Collection<?>) v).isEmpty();
        return true;
    }

    public ConfigException error(String key, String problem) {
        return new ConfigException(source, key, problem);
    }

    /** A single string, trimmed; {@code null} when absent or blank. */
    public String string(String key) {
        Object v = properties.get(key);
        if (v == null) return null;
        if (v.getClass().isArray() || v instanceof Collection) {
            List<String> list = list(key);
            if (list.isEmpty()) return null;
            if (list.size() > 1) throw error(key, "expected one value, got " + list.size());
            return list.get(0);
        }
        String s = v.toString().trim();
        return s.isEmpty() ? null : s;
    }

    /** A secret (a password): its value is never put in an error message. */
    public char[] secret(String key) {
        Object v = properties.get(key);
        if (v == null) return null;
        if (v instanceof char[]) return ((char[]) v).clone();
        if (!(v instanceof String)) throw error(key, "a password must be a string");
        return ((String) v).toCharArray();
    }

    /**
     * Several strings: a {@code String} (split at commas), a {@code String[]} or a collection (each element
     * split at commas as well). Blank items are dropped.
     */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        Object v = properties.get(key);
        if (v == null) return out;
        if (v.getClass().isArray()) {
            for (int i = 0, n = Array.getLength(v); i < n; i++) split(String.valueOf(Array.get(v, i)), out);
        } else if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) split(String.valueOf(o), out);
        } else {
            split(v.toString(), out);
        }
        return out;
    }

    private static void split(String s, List<String> out) {
        for (String part : s.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) out.add(t);
        }
    }

    public boolean bool(String key, boolean dflt) {
        Object v = properties.get(key);
        if (v instanceof Boolean) return (Boolean) v;
        String s = string(key);
        if (s == null) return dflt;
        if (s.equalsIgnoreCase("true")) return true;
        if (s.equalsIgnoreCase("false")) return false;
        throw error(key, Printable.singleQuote(s) + " is not true or false");
    }

    public long integer(String key, long min, long max) {
        Object v = properties.get(key);
        long n;
        if (v instanceof Number && !(v instanceof Double || v instanceof Float)) {
            n = ((Number) v).longValue();
        } else {
            String s = string(key);
            if (s == null) throw error(key, "a number is required");
            try {
                n = Long.parseLong(s.replace("_", ""));
            } catch (NumberFormatException e) {
                throw error(key, Printable.singleQuote(s) + " is not a whole number");
            }
        }
        if (n < min) throw error(key, n + " is less than " + min);
        if (n > max) throw error(key, n + " is more than " + max);
        return n;
    }

    /**
     * A positive duration: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1d}, ISO-8601
     * ({@code PT10S}), or a plain number of milliseconds.
     */
    public Duration duration(String key) {
        Object v = properties.get(key);
        Duration d;
        if (v instanceof Duration) {
            d = (Duration) v;
        } else if (v instanceof Number && !(v instanceof Double || v instanceof Float)) {
            d = Duration.ofMillis(((Number) v).longValue());
        } else {
            String s = string(key);
            if (s == null) throw error(key, "a duration is required");
            d = parseDuration(s);
            if (d == null) {
                throw error(key, Printable.singleQuote(s) + " is not a duration (examples: 500ms, 10s, 2m, 1h, PT10S, "
                        + "or a number of milliseconds)");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw error(key, formatDuration(d) + " is not a positive duration (there is no 'wait forever')");
        }
        return d;
    }

    /** Parses the duration syntax of {@link #duration}; {@code null} if it is not one. Signs are allowed. */
    public static Duration parseDuration(String text) {
        String s = text.trim();
        boolean negative = s.startsWith("-");
        String body = negative || s.startsWith("+") ? s.substring(1).trim() : s;
        Matcher m = SIMPLE_DURATION.matcher(body);
        Duration d;
        if (m.matches()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return null;
            }
            String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
            try {
                switch (unit) {
                    case "ms": d = Duration.ofMillis(n); break;
                    case "s": d = Duration.ofSeconds(n); break;
                    case "m": d = Duration.ofMinutes(n); break;
                    case "h": d = Duration.ofHours(n); break;
                    default: d = Duration.ofDays(n); break;
                }
            } catch (ArithmeticException e) {
                return null;
            }
            return negative ? d.negated() : d;
        }
        try {
            return Duration.parse(s.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * A short form: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1d}, else ISO-8601 (also for durations too long
     * for milliseconds, such as {@code ChronoUnit.FOREVER}'s: formatting never throws).
     */
    public static String formatDuration(Duration d) {
        if (d.isNegative()) return d.getSeconds() == Long.MIN_VALUE ? d.toString() : "-" + formatDuration(d.negated());
        if (d.getSeconds() >= Long.MAX_VALUE / 1000) return d.toString();
        long ms = d.toMillis();
        if (!d.equals(Duration.ofMillis(ms))) return d.toString();
        if (ms % 86_400_000 == 0 && ms != 0) return ms / 86_400_000 + "d";
        if (ms % 3_600_000 == 0 && ms != 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms != 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0 && ms != 0) return ms / 1000 + "s";
        return ms + "ms";
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String s = string(key);
        if (s == null) throw error(key, "a value is required");
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) return e;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name());
        throw error(key, Printable.singleQuote(s) + " is not one of " + String.join(", ", names));
    }
}
