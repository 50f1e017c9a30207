package io.pipelane.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipelane.CacheOptions;
import io.pipelane.ConnectionOptions;
import io.pipelane.inject.PipelaneSettings;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Every duration and size is checked where it enters: the builders and the configuration refuse values that would
 * overflow later ({@code toMillis}, {@code toNanos}) with a message naming the key, the value and the limit.
 */
class OptionRangeTest {
    private static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

    private static List<ConfigOption<?>> durations(List<ConfigOption<?>> options) {
        List<ConfigOption<?>> out = new ArrayList<>();
        for (ConfigOption<?> o : options) if (o.type() == ConfigOption.Type.DURATION) out.add(o);
        return out;
    }

    private static IllegalArgumentException callSetter(Object builder, String key, Object value) throws Exception {
        Method setter = null;
        for (Method m : builder.getClass().getMethods()) {
            if (m.getName().equals(key) && m.getParameterCount() == 1) setter = m;
        }
        try {
            setter.invoke(builder, value);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) return iae;
            throw e;
        }
        return null;
    }

    @Test
    void buildersRefuseForeverAndOverlongDurationsOfEveryDurationOption() throws Exception {
        List<ConfigOption<?>> connection = durations(OptionKeys.options());
        List<ConfigOption<?>> cache = durations(CacheKeys.cacheOptions());
        assertTrue(connection.size() >= 6 && cache.size() == 2, "every duration option is declared");
        for (Duration tooLong : List.of(FOREVER, Duration.ofDays(999_999_999), Duration.ofDays(366))) {
            for (ConfigOption<?> o : connection) {
                IllegalArgumentException e = callSetter(ConnectionOptions.builder(), o.key(), tooLong);
                assertTrue(e != null && e.getMessage().startsWith(o.key() + ": ")
                        && e.getMessage().endsWith(" is more than 365d"), o.key() + " " + tooLong + ": " + e);
            }
            for (ConfigOption<?> o : cache) {
                IllegalArgumentException e = callSetter(CacheOptions.builder(), o.key(), tooLong);
                assertTrue(e != null && e.getMessage().endsWith(" is more than 365d"), o.key() + ": " + e);
            }
        }
        for (ConfigOption<?> o : connection) {
            assertEquals(o.key() + ": 0ms is not a positive duration",
                    callSetter(ConnectionOptions.builder(), o.key(), Duration.ZERO).getMessage());
            assertEquals(o.key() + ": PT0.0005S is less than 1ms",
                    callSetter(ConnectionOptions.builder(), o.key(), Duration.ofNanos(500_000)).getMessage());
            assertEquals(null, callSetter(ConnectionOptions.builder(), o.key(), Duration.ofDays(365)),
                    "365d is the largest duration " + o.key() + " takes");
        }
    }

    @Test
    void cacheWaitTimeoutOfForeverIsRefusedByTheBuilder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CacheOptions.builder().waitTimeout(FOREVER));
        assertEquals("waitTimeout: " + FOREVER + " is more than 365d", e.getMessage());
    }

    @Test
    void theLargestAllowedWaitTimeoutAndKeepWorkThroughARealCache() throws Exception {
        // The reported failure: a waitTimeout of FOREVER passed the builder, and call threw (toMillis overflowed)
        // after the request had gone out. Now the builder refuses it, and the largest accepted value works.
        try (io.pipelane.testing.KeyValueServer server = new io.pipelane.testing.KeyValueServer();
             io.pipelane.ConnectionFactory factory = io.pipelane.ConnectionFactory.builder().build();
             io.pipelane.ConnectionCache cache = factory.cache(CacheOptions.builder().parallel(1).depth(1)
                     .waitTimeout(ConfigOption.MAX_DURATION).keep(ConfigOption.MAX_DURATION).build())) {
            io.pipelane.Endpoint endpoint = io.pipelane.Endpoint.http("127.0.0.1", server.port());
            List<java.util.concurrent.CompletableFuture<io.pipelane.Response<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // Beyond depth 1 on one connection, requests wait for room: each arms the wait timer.
                responses.add(cache.call(endpoint, io.pipelane.Request.get("/k" + i),
                        io.pipelane.BodyHandlers.ofByteArray()));
            }
            for (var r : responses) assertTrue(r.get(30, java.util.concurrent.TimeUnit.SECONDS).status() >= 200);
        }
    }

    @Test
    void configurationRefusesOverlongDurationsNamingTheKey() {
        for (ConfigOption<?> o : durations(OptionKeys.options())) {
            ConfigException e = assertThrows(ConfigException.class, () -> OptionKeys.apply(ConnectionOptions.defaults(),
                    new ConfigValues("io.pipelane", Map.of(o.key(), "999999999d"))));
            assertEquals("io.pipelane: key '" + o.key() + "': 999999999d is more than 365d", e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> CacheKeys.apply(CacheOptions.defaults(),
                new ConfigValues("io.pipelane", Map.of("waitTimeout", FOREVER))));
        assertEquals("io.pipelane: key 'waitTimeout': " + FOREVER + " is more than 365d", e.getMessage());
        // A number of days that overflows a Duration is not a duration at all.
        ConfigException overflow = assertThrows(ConfigException.class, () -> OptionKeys.apply(
                ConnectionOptions.defaults(), new ConfigValues("x", Map.of("connectTimeout", "99999999999999999d"))));
        assertTrue(overflow.getMessage().contains("is not a duration"), overflow.getMessage());
    }

    @Test
    void settingsRefuseOverlongDurations() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PipelaneSettings().withDefaultOptions(Map.of("keep", "400d")));
        assertEquals("PipelaneSettings: key 'keep': 400d is more than 365d", e.getMessage());
    }

    @Test
    void sizesAreBoundedWhereTheyEnter() {
        ConfigException e = assertThrows(ConfigException.class, () -> OptionKeys.apply(ConnectionOptions.defaults(),
                new ConfigValues("io.pipelane", Map.of("maxBufferedBodyBytes", "3000000000"))));
        assertEquals("io.pipelane: key 'maxBufferedBodyBytes': 3000000000 is more than 2147483639", e.getMessage());
        ConfigException tooBigForInt = assertThrows(ConfigException.class, () -> OptionKeys.apply(
                ConnectionOptions.defaults(), new ConfigValues("io.pipelane", Map.of("maxPipelineDepth", 1L << 40))));
        assertEquals("io.pipelane: key 'maxPipelineDepth': 1099511627776 is more than 2147483647",
                tooBigForInt.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CacheOptions.builder().retry(101));
        assertEquals(100, CacheOptions.builder().retry(100).build().retry());
    }

    @Test
    void formattingNeverThrows() {
        assertEquals(FOREVER.toString(), ConfigValues.formatDuration(FOREVER));
        assertEquals(FOREVER.negated().toString(), ConfigValues.formatDuration(FOREVER.negated()));
        assertEquals("365d", ConfigValues.formatDuration(Duration.ofDays(365)));
    }
}
