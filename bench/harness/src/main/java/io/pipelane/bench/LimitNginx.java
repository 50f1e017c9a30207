package io.pipelane.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
        int port = Servers.freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = String.join("\n",
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
                "}", "");
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(Servers.nginxBinary(), "-p", dir.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        LimitNginx n = new LimitNginx(port, dir, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!p.isAlive()) throw new IOException("nginx exited: " + Files.readString(dir.resolve("stdout.log")));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return n;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    n.close();
                    throw new IOException("nginx did not listen on " + port);
                }
                p.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Connections accepted so far, the one that asks included (so a difference of two counts one too many). */
    long accepts() throws IOException {
        Matcher m = ACCEPTS.matcher(Servers.get(port, "/_status"));
        if (!m.find()) throw new IOException("unexpected stub_status output");
        return Long.parseLong(m.group(1));
    }

    List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
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
