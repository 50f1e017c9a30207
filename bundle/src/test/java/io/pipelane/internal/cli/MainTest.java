package io.pipelane.internal.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void withoutArgumentsItPipelinesSixteenRequestsToItsOwnDemoServer() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Main.run(new String[0], new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, out);
        assertEquals(16, out.lines().filter(l -> l.contains("HTTP/1.1 200 OK")).count(), out);
        assertTrue(out.contains("16 requests to http://127.0.0.1:"), out);
        assertTrue(out.contains("(pipelining on)"), out);
    }

    @Test
    void aRefusedConnectionIsReportedAsAFailure() throws Exception {
        try (io.pipelane.testing.ClosedPort closed = new io.pipelane.testing.ClosedPort()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> Main.run(new String[] {closed.uri() + "/", "2"}, new PrintStream(bytes)));
            assertTrue(String.valueOf(e.getCause()).contains("Connect"), String.valueOf(e));
        }
    }
}
