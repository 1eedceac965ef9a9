package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * Where an upload goes when it cannot be streamed straight through: a multipart form whose file
 * comes before the {@code model} field ({@code curl -F file=@a.mp3 -F model=whisper-1}, as
 * OpenAI's own examples write it, and the OpenAI Node SDK). The model decides where the audio
 * goes, so it must be known before the first byte is sent; the file is copied to disk as it
 * arrives (never held in memory) and sent from there once the whole form is read.
 *
 * <p>Files live in {@code <data_dir>/spool/}, created owner-only ({@code Files.createTempFile}),
 * and are deleted when their request ends; what a crash leaves is deleted at the next start.
 * One file's size is bounded by {@code speech.max_upload_bytes}, all of them together by
 * {@link #MAX_SPOOL_BYTES} (each connection could otherwise hold an upload's limit on disk): an
 * upload that would pass it gets a 503 with {@code retry-after}, as when memory is short.
 *
 * <p>Thread-safe: the byte count is atomic.
 */
final class SttSpool {
    /** Copy buffer, in bytes. */
    static final int COPY_BYTES = 64 * 1024;
    /** Most bytes all spooled uploads together hold on disk at once: 1 GiB (40 uploads of 25 MiB). */
    static final long MAX_SPOOL_BYTES = 1L << 30;
    /** Seconds a client refused for a full spool is told to wait ({@code retry-after}). */
    static final int RETRY_AFTER_SECONDS = 1;
    static final String PREFIX = "upload-";
    static final String SUFFIX = ".part";

    private final Path dir;
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    SttSpool(Path dataDir) {
        this(dataDir, MAX_SPOOL_BYTES);
    }

    SttSpool(Path dataDir, long maxBytes) {
        this.dir = dataDir.resolve("spool");
        this.maxBytes = maxBytes;
        try (DirectoryStream<Path> left = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : left) Files.deleteIfExists(p);
        } catch (IOException e) {
            // no directory yet, or nothing to delete
        }
    }

    /** A spooled upload: close it (once the request no longer needs it) to delete it and free its bytes. */
    final class Upload implements AutoCloseable {
        private final Path file;
        private long bytes;
        private boolean closed;

        private Upload(Path file) {
            this.file = file;
        }

        Path file() { return file; }

        /** Its size in bytes. */
        long bytes() { return bytes; }

        /** Counts {@code n} more bytes against the spool's limit before they are written. */
        private void grow(int n) {
            if (used.addAndGet(n) > maxBytes) {
                used.addAndGet(-n);
                throw new GatewayException(ErrorKind.GATEWAY_BUSY, "The gateway is busy (its disk space for uploads in flight is "
                        + "in use); retry in " + RETRY_AFTER_SECONDS + " second, or send the 'model' field before the file.")
                        .withHeaders("retry-after", Integer.toString(RETRY_AFTER_SECONDS));
            }
            bytes += n;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // deleted at the next start
            }
            used.addAndGet(-bytes);
        }
    }

    /** Bytes spooled now, by all requests. */
    long used() { return used.get(); }

    /** Copies {@code in} to a new spool file; returns it. The caller closes it. */
    Upload copy(InputStream in) throws IOException {
        Files.createDirectories(dir);
        Upload upload = new Upload(Files.createTempFile(dir, PREFIX, SUFFIX));
        boolean ok = false;
        try (OutputStream out = Files.newOutputStream(upload.file())) {
            byte[] buf = new byte[COPY_BYTES];
            for (int n; (n = in.read(buf)) >= 0; ) {
                upload.grow(n);
                out.write(buf, 0, n);
            }
            ok = true;
            return upload;
        } finally {
            if (!ok) upload.close();
        }
    }
}
