package io.pipelane.bench;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.impl.bootstrap.AsyncRequesterBootstrap;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncRequester;
import org.apache.hc.core5.http.nio.AsyncClientEndpoint;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.util.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Apache HttpCore 5's pipelining requester: one endpoint (one connection) leased from {@link HttpAsyncRequester},
 * requests executed on it back to back, as in HttpCore's own pipelined-execution example. One I/O thread.
 */
final class HttpCoreClient extends BenchClient {
    private final HttpAsyncRequester requester;
    private final AsyncClientEndpoint endpoint;
    private final HttpHost host;

    HttpCoreClient(Target target) throws Exception {
        super("HttpCore 5", target);
        requester = AsyncRequesterBootstrap.bootstrap()
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).setSoTimeout(Timeout.ofSeconds(60))
                        .setTcpNoDelay(true).build())
                .create();
        requester.start();
        host = new HttpHost("http", target.host(), target.port());
        // The connect timeout also becomes the connection's idle timeout: make it longer than the harness keeps
        // the connection idle between its runs (while the other clients run).
        endpoint = requester.connect(host, Timeout.ofHours(1)).get(10, TimeUnit.SECONDS);
    }

    @Override
    boolean pipelines() {
        return true;
    }

    @Override
    long batch(int depth) throws Exception {
        CountDownLatch done = new CountDownLatch(depth);
        AtomicLong bytes = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        FutureCallback<Message<HttpResponse, byte[]>> callback = new FutureCallback<>() {
            @Override
            public void completed(Message<HttpResponse, byte[]> m) {
                if (m.getHead().getCode() != 200) {
                    error.compareAndSet(null, new IllegalStateException("status " + m.getHead().getCode()));
                } else {
                    bytes.addAndGet(m.getBody() == null ? 0 : m.getBody().length);
                }
                done.countDown();
            }

            @Override
            public void failed(Exception ex) {
                error.compareAndSet(null, ex);
                done.countDown();
            }

            @Override
            public void cancelled() {
                error.compareAndSet(null, new IllegalStateException("cancelled"));
                done.countDown();
            }
        };
        for (int i = 0; i < depth; i++) {
            endpoint.execute(new BasicRequestProducer(Method.GET, host, target.path()),
                    new BasicResponseConsumer<>(new BasicAsyncEntityConsumer()), callback);
        }
        if (!done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("HttpCore: batch timed out");
        if (error.get() != null) throw new IllegalStateException("HttpCore: " + error.get(), error.get());
        return bytes.get();
    }

    @Override
    public void close() {
        endpoint.releaseAndDiscard();
        requester.close(CloseMode.GRACEFUL);
    }
}
