package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * The upload publisher on its own: it hands the body over as the subscriber asks for it, serves
 * a subscriber that replaced another before anything was read (the HTTP client retrying on a
 * fresh connection), and refuses one that comes after (the bytes read are gone).
 */
class TranscriptionUploadTest {
    static final class Sink implements Flow.Subscriber<ByteBuffer> {
        final long ask;
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        Flow.Subscription subscription;
        boolean completed;
        Throwable error;

        Sink(long ask) { this.ask = ask; }

        @Override public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (ask > 0) s.request(ask);
        }

        @Override public void onNext(ByteBuffer b) {
            byte[] a = new byte[b.remaining()];
            b.get(a);
            got.writeBytes(a);
        }

        @Override public void onError(Throwable t) { error = t; }

        @Override public void onComplete() { completed = true; }
    }

    @Test
    void aSubscriberBeforeTheFirstRead_isServed_oneAfterIt_isRefused() throws Exception {
        byte[] body = new byte[3 * TranscriptionUpload.CHUNK_BYTES + 17];
        new java.util.Random(1).nextBytes(body);
        TranscriptionUpload.Publisher p = new TranscriptionUpload.Publisher(body.length);
        assertEquals(body.length, p.contentLength());
        Sink stale = new Sink(0);
        p.subscribe(stale); // never asks: replaced before anything is read
        Sink fresh = new Sink(Long.MAX_VALUE);
        p.subscribe(fresh);
        try (IdleWatchdog dog = new IdleWatchdog(); IdleWatchdog.Watch w = dog.watch(Duration.ofMinutes(1), () -> { })) {
            p.pump(new ByteArrayInputStream(body), new CompletableFuture<>(), w);
        }
        assertTrue(fresh.completed);
        org.junit.jupiter.api.Assertions.assertArrayEquals(body, fresh.got.toByteArray());
        assertEquals(0, stale.got.size());
        assertNull(fresh.error);

        Sink late = new Sink(1);
        p.subscribe(late);
        assertEquals("the upload was already read and cannot be sent again", late.error.getMessage());
        assertEquals(0, late.got.size());
    }

    @Test
    void anExchangeThatEnded_stopsThePump_beforeItReadsTheClient() throws Exception {
        TranscriptionUpload.Publisher p = new TranscriptionUpload.Publisher(-1);
        p.subscribe(new Sink(0)); // no demand: the pump waits, until the exchange is over
        CompletableFuture<Object> exchange = new CompletableFuture<>();
        exchange.completeExceptionally(new java.io.IOException("connection refused"));
        ByteArrayInputStream body = new ByteArrayInputStream(new byte[10]);
        try (IdleWatchdog dog = new IdleWatchdog(); IdleWatchdog.Watch w = dog.watch(Duration.ofMinutes(1), () -> { })) {
            p.pump(body, exchange, w);
        }
        assertEquals(10, body.available(), "nothing read: another attempt may still send it");
    }
}
