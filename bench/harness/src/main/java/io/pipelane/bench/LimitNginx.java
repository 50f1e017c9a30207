package io.pipelane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * nginx as real servers run it: {@code keepalive_requests} per connection (100, the default before 1.19.10), one
 * worker, the file {@code /13b}, {@code POST /post?...} answered 200, {@code stub_status} at {@code /_status}
 * (accepted connections), and optionally an access log of {@code METHOD URI STATUS}. Started in the foreground in a
 * temporary folder, stopped by its process handle.
 */
final class LimitNginx implements AutoCloseable {
    private static final Pattern ACCEPTS = Pattern.compile("server accepts handled requests\\s+(\\d+)");

    final int port;
    final Path dir;
    private final Process process;

    private LimitNginx(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    static LimitNginx start(int keepaliveRequests, boolean accessLog) throws Exception {
        Path dir = Files.createTempDirectory("pipelane-bench-limit-");
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.write(www.resolve("13b"), NioServer.SMALL);
        boolean root = "root".equals(System.getProperty("user.name"));
        Servers.StartedNginx started = Servers.startNginx(Servers.nginxBinary(), dir, www, port -> String.join("\n",
                root ? "user root;" : "", "worker_processes 1;", "daemon off;",
                "pid " + dir.resolve("nginx.pid") + ";", "error_log " + dir.resolve("error.log") + " warn;",
                "events { worker_connections 30000; }",
                "http {",
                "  log_format t '$request_method $request_uri $status';",
                accessLog ? "  access_log " + dir.resolve("access.log") + " t;" : "  access_log off;",
                "  client_body_temp_path " + dir.resolve("tmp") + ";",
                "  proxy_temp_path " + dir.resolve("tmp") + ";",
                "  fastcgi_temp_path " + dir.resolve("tmp") + ";",
                "  uwsgi_temp_path " + dir.resolve("tmp") + ";",
                "  scgi_temp_path " + dir.resolve("tmp") + ";",
                "  keepalive_requests " + keepaliveRequests + ";",
                "  keepalive_timeout 75s;",
                "  server {",
                "    listen 127.0.0.1:" + port + " backlog=4096;",
                "    root " + www + ";",
                "    location = /_status { stub_status; access_log off; }",
                "    location = /post { return 200 \"posted\\n\"; }",
                "  }",
                "}", ""));
        return new LimitNginx(started.port(), dir, started.process());
    }

    /** Connections accepted so far, the one that asks included (so a difference of two counts one too many). */
    long accepts() throws IOException {
        Matcher m = ACCEPTS.matcher(Servers.get(port, "/_status"));
        if (!m.find()) throw new IOException("unexpected stub_status output");
        return Long.parseLong(m.group(1));
    }

    /** The access log's lines, without the requests of the start's token ({@link Servers#startNginx}). */
    List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        if (!Files.exists(log)) return List.of();
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
        lines.removeIf(l -> l.contains(" " + Servers.TOKEN_PATH + " "));
        return lines;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
