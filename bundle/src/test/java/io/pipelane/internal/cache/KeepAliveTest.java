package io.pipelane.internal.cache;

import io.pipelane.Headers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parsing {@code Keep-Alive} headers: every case whole, the values it yields, and the idle limit it leads to. */
class KeepAliveTest {

    @ParameterizedTest(name = "[{0}] -> timeout {1}, max {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "timeout=5, max=100        | 5    | 100",
        "max=100, timeout=5        | 5    | 100",
        "timeout=5                 | 5    | -1",
        "max=3                     | null | 3",
        "MAX=3; Timeout=\"7\"      | 7    | 3",
        "  timeout = 15 ,max= 0    | 15   | 0",
        "timeout=-1, max=x         | null | -1",
        "timeout=99999999999       | null | -1",
        "foo, bar=1                | null | -1",
        "''                        | null | -1",
    })
    void parses(String header, Long timeout, int max) {
        KeepAlive k = KeepAlive.of(Headers.of("Keep-Alive", header));
        assertEquals(timeout == null ? null : Duration.ofSeconds(timeout), k.timeout());
        assertEquals(max, k.max());
    }

    @org.junit.jupiter.api.Test
    void severalHeadersAreRead() {
        KeepAlive k = KeepAlive.of(Headers.of("Keep-Alive", "timeout=5", "Keep-Alive", "max=9"));
        assertEquals(new KeepAlive(Duration.ofSeconds(5), 9), k);
        assertEquals(KeepAlive.NONE, KeepAlive.of(Headers.of("Connection", "keep-alive")));
    }

    @ParameterizedTest(name = "timeout {0} s, keep {1} ms -> idle at most {2} ms")
    @CsvSource({"5, 60000, 4000", "5, 2000, 2000", "1, 60000, 500", "0, 60000, 1", "2, 60000, 1000"})
    void theIdleLimitEndsBeforeTheServersTimeout(long timeoutSeconds, long keepMillis, long expectedMillis) {
        KeepAlive k = new KeepAlive(Duration.ofSeconds(timeoutSeconds), -1);
        assertEquals(Duration.ofMillis(expectedMillis), k.idleLimit(Duration.ofMillis(keepMillis)));
    }
}
