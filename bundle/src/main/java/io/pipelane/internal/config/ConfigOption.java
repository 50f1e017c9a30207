package io.pipelane.internal.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One option, declared once: its key, type, default, allowed range, title and description. Everything else derives
 * from the declaration: the builders check their arguments with {@link #check}, Config Admin values (and
 * {@code PipelaneSettings}) are read with {@link #read}, the console and the README show {@link #format} and
 * {@link #limits}, and a unit test compares the metatype annotations (which must be compile-time constants) with
 * {@link #title()}, {@link #metatypeDescription()}, the default and the range.
 *
 * <p>The declarations are in {@link OptionKeys} (connection options), {@link CacheKeys} (cache and proxy). To add
 * an option: declare it there next to its builder setter and accessor, add the matching attribute to
 * {@code DefaultsConfiguration} and {@code EndpointConfiguration}, and let {@code OptionDocumentationTest} rewrite
 * the README table ({@code -Dpipelane.updateReadme=true}). Immutable.
 *
 * @param <T> the Java type of the value ({@code Duration}, {@code Integer}, {@code Long}, {@code Boolean}, an enum,
 *            {@code String})
 */
public final class ConfigOption<T> {
    /** The smallest duration any option takes: below it, timers cannot tell it from zero. */
    public static final Duration MIN_DURATION = Duration.ofMillis(1);
    /**
     * The largest duration any option takes: far beyond any useful timeout, and small enough that deadlines in
     * nanoseconds never overflow ({@code ChronoUnit.FOREVER} and {@code 999999999d} are refused where they enter).
     */
    public static final Duration MAX_DURATION = Duration.ofDays(365);

    /** What the metatype says about every duration; the annotations repeat it (compile-time constants). */
    public static final String DURATION_NOTE =
            " Examples: 500ms, 10s, 2m, 1h, 1d, PT10S; a plain number is milliseconds. From 1ms to 365d.";

    /** The kinds of value, with the metatype type of each. */
    public enum Type {
        DURATION("String"), INTEGER("Integer"), LONG("Long"), BOOLEAN("Boolean"), ENUM("String"),
        STRING("String"), PASSWORD("Password"), STRING_LIST("String");

        private final String metatype;

        Type(String metatype) {
            this.metatype = metatype;
        }

        /** The {@code type} attribute of the metatype's AD. */
        public String metatype() {
            return metatype;
        }
    }

    private final String key;
    private final Type type;
    private final Class<?> enumType;
    private final T defaultValue;
    private final T minValue;
    private final T maxValue;
    private final String title;
    private final String description;

    private ConfigOption(String key, Type type, Class<?> enumType, T defaultValue, T minValue, T maxValue,
                         String title, String description) {
        this.key = Objects.requireNonNull(key);
        this.type = type;
        this.enumType = enumType;
        this.defaultValue = defaultValue;
        this.minValue = minValue;
        this.maxValue = maxValue;
        this.title = title;
        this.description = description;
        if (defaultValue != null && !(type == Type.STRING || type == Type.PASSWORD)) check(defaultValue);
    }

    /** A positive duration, from {@link #MIN_DURATION} to {@link #MAX_DURATION}. */
    public static ConfigOption<Duration> duration(String key, Duration defaultValue, String title,
                                                  String description) {
        return new ConfigOption<>(key, Type.DURATION, null, defaultValue, MIN_DURATION, MAX_DURATION, title,
                description);
    }

    public static ConfigOption<Integer> integer(String key, int defaultValue, int min, int max, String title,
                                                String description) {
        return new ConfigOption<>(key, Type.INTEGER, null, defaultValue, min, max, title, description);
    }

    /** An integer option without a default (a default would mean something by itself, e.g. a port). */
    public static ConfigOption<Integer> integer(String key, int min, int max, String title, String description) {
        return new ConfigOption<>(key, Type.INTEGER, null, null, min, max, title, description);
    }

    public static ConfigOption<Long> longInteger(String key, long defaultValue, long min, long max, String title,
                                                 String description) {
        return new ConfigOption<>(key, Type.LONG, null, defaultValue, min, max, title, description);
    }

    public static ConfigOption<Boolean> bool(String key, boolean defaultValue, String title, String description) {
        return new ConfigOption<>(key, Type.BOOLEAN, null, defaultValue, null, null, title, description);
    }

    public static <E extends Enum<E>> ConfigOption<E> enumeration(String key, Class<E> type, E defaultValue,
                                                                  String title, String description) {
        return new ConfigOption<>(key, Type.ENUM, type, defaultValue, null, null, title, description);
    }

    /** A string; {@code defaultValue} may be {@code null} (none). */
    public static ConfigOption<String> string(String key, String defaultValue, String title, String description) {
        return new ConfigOption<>(key, Type.STRING, null, defaultValue, null, null, title, description);
    }

    /** A secret: never shown, never quoted in a message, no default. */
    public static ConfigOption<String> password(String key, String title, String description) {
        return new ConfigOption<>(key, Type.PASSWORD, null, null, null, null, title, description);
    }

    /** A comma list (or a multi-valued property); no default. */
    public static ConfigOption<String> list(String key, String title, String description) {
        return new ConfigOption<>(key, Type.STRING_LIST, null, null, null, null, title, description);
    }

    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    /** The default, or {@code null} when the option has none. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The smallest allowed value, or {@code null} when there is no range. */
    public T min() {
        return minValue;
    }

    /** The largest allowed value, or {@code null} when there is no range. */
    public T max() {
        return maxValue;
    }

    /** The metatype's name of the attribute. */
    public String title() {
        return title;
    }

    public String description() {
        return description;
    }

    /** The metatype's description: {@link #description()}, and for a duration {@link #DURATION_NOTE}. */
    public String metatypeDescription() {
        return type == Type.DURATION ? description + DURATION_NOTE : description;
    }

    /** Whether the value is a secret. */
    public boolean secret() {
        return type == Type.PASSWORD;
    }

    /** The allowed values of an enum option, else an empty list. */
    public List<String> choices() {
        List<String> out = new ArrayList<>();
        if (enumType != null) for (Object e : enumType.getEnumConstants()) out.add(((Enum<?>) e).name());
        return out;
    }

    /**
     * {@code value} if it is in range; else {@link IllegalArgumentException} naming the key, the value and the
     * limit ({@code "maxPipelineDepth: 0 is less than 1"}). Builders call this for every argument.
     */
    @SuppressWarnings("unchecked")
    public T check(T value) {
        Objects.requireNonNull(value, key);
        if (type == Type.DURATION) {
            Duration d = (Duration) value;
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(key + ": " + format(value) + " is not a positive duration");
            }
        }
        if (minValue != null && ((Comparable<T>) value).compareTo(minValue) < 0) {
            throw new IllegalArgumentException(key + ": " + format(value) + " is less than " + format(minValue));
        }
        if (maxValue != null && ((Comparable<T>) value).compareTo(maxValue) > 0) {
            throw new IllegalArgumentException(key + ": " + format(value) + " is more than " + format(maxValue));
        }
        return value;
    }

    /** {@link #check} for an {@code int} option. */
    public int check(int value) {
        return (Integer) check(cast(value));
    }

    /** {@link #check} for a {@code long} option. */
    public long check(long value) {
        return (Long) check(cast(value));
    }

    @SuppressWarnings("unchecked")
    private T cast(Object value) {
        return (T) value;
    }

    /**
     * The value of this option in {@code values}, checked; call only when {@code values.has(key())}.
     *
     * @throws ConfigException naming the source, the key and what is wrong (never quoting a secret)
     */
    @SuppressWarnings("unchecked")
    public T read(ConfigValues values) {
        Object v;
        switch (type) {
            case DURATION: v = values.duration(key); break;
            case INTEGER: v = (int) values.integer(key, Integer.MIN_VALUE, Integer.MAX_VALUE); break;
            case LONG: v = values.integer(key, Long.MIN_VALUE, Long.MAX_VALUE); break;
            case BOOLEAN: v = values.bool(key, (Boolean) defaultValue); break;
            case ENUM: v = enumValue(values); break;
            case PASSWORD: {
                char[] secret = values.secret(key);
                return secret == null ? null : (T) new String(secret);
            }
            case STRING_LIST: return (T) String.join(",", values.list(key));
            default: return (T) values.string(key);
        }
        try {
            return check((T) v);
        } catch (IllegalArgumentException e) {
            throw values.error(key, e.getMessage().substring(key.length() + 2));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object enumValue(ConfigValues values) {
        return values.enumValue(key, (Class) enumType);
    }

    /** The value as it could be configured ({@code 30s}, {@code 32}, {@code AUTO}); a secret is masked. */
    public String format(T value) {
        if (value == null) return "";
        if (type == Type.PASSWORD) return CacheKeys.MASK;
        if (type == Type.DURATION) return ConfigValues.formatDuration((Duration) value);
        if (type == Type.ENUM) return ((Enum<?>) value).name();
        return String.valueOf(value);
    }

    /** The allowed values in words, for documentation: {@code "1ms to 365d"}, {@code "≥ 1"}, {@code "AUTO, TRUE, FALSE"}. */
    public String limits() {
        switch (type) {
            case DURATION: return format(minValue) + " to " + format(maxValue);
            case INTEGER:
            case LONG: {
                boolean top = maxValue.equals(type == Type.INTEGER ? (Object) Integer.MAX_VALUE : (Object) Long.MAX_VALUE);
                return top ? "≥ " + format(minValue) : format(minValue) + " to " + format(maxValue);
            }
            case BOOLEAN: return "true, false";
            case ENUM: return String.join(", ", choices());
            default: return "";
        }
    }

    @Override
    public String toString() {
        return key;
    }
}
