package io.pipelane.itest.felix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Line reading for the loopback servers of these tests. */
final class HttpLines {
    private HttpLines() {
    }

    /** One line without its CRLF (or LF); null if the stream ends before the line starts. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                if (line.size() == 0) return null;
                throw new IOException("closed mid-line");
            }
            if (c != '\r') line.write(c);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
