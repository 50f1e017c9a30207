package io.pipelane.internal.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor a factory owns when it is given none: virtual threads on Java 21 and later (found reflectively,
 * since the bundle is compiled for Java 17), else a cached pool of daemon platform threads that end after
 * {@value #IDLE_SECONDS} s without work.
 */
final class IoExecutors {
    static final int IDLE_SECONDS = 60;

    private IoExecutors() {
    }

    static ExecutorService create(String namePrefix) {
        ExecutorService virtual = virtualThreadExecutor(namePrefix + "-io-");
        if (virtual != null) return virtual;
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, namePrefix + "-io-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), threads);
    }

    /** {@code Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(prefix, 0).factory())}, or null. */
    static ExecutorService virtualThreadExecutor(String prefix) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builderClass = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtualClass = Class.forName("java.lang.Thread$Builder$OfVirtual");
            Object builder = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualClass))
                    .invoke();
            builder = lookup.findVirtual(ofVirtualClass, "name",
                    MethodType.methodType(ofVirtualClass, String.class, long.class)).invoke(builder, prefix, 0L);
            ThreadFactory factory = (ThreadFactory) lookup.findVirtual(builderClass, "factory",
                    MethodType.methodType(ThreadFactory.class)).invoke(builder);
            return (ExecutorService) lookup.findStatic(java.util.concurrent.Executors.class,
                    "newThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class, ThreadFactory.class))
                    .invoke(factory);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return null; // before Java 21
        } catch (Throwable e) {
            io.pipelane.internal.log.Logs.logger(IoExecutors.class).log(System.Logger.Level.WARNING,
                    "virtual threads unavailable, using platform threads", e);
            return null;
        }
    }
}
