package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The audio of one transcription request: a stream read once as the client sends it (a raw
 * body, or a multipart file part), a file the gateway spooled the upload to, or a URL the
 * upstream is to fetch itself. Created once per request; each attempt gets its own view
 * ({@link #attempt}), whose first byte read commits the request when the upload cannot be read
 * again. Used by one thread at a time (the request's).
 */
public final class TranscriptionAudio {

    /** Reads what follows the audio in its request (the form fields after a multipart file part). */
    @FunctionalInterface
    public interface Tail {
        /** The fields after the file that the provider is to send on, in order; called once, at the audio's end. */
        List<Map.Entry<String, String>> read() throws IOException;
    }

    private static final class Source {
        final InputStream stream;
        final Path file;
        final String url;
        final String contentType;
        final String filename;
        final long length;
        final Tail tail;
        boolean consumed;
        long bytes;
        List<Map.Entry<String, String>> trailing = List.of();
        boolean tailRead;

        Source(InputStream stream, Path file, String url, String contentType, String filename, long length, Tail tail) {
            this.stream = stream;
            this.file = file;
            this.url = url;
            this.contentType = contentType;
            this.filename = filename;
            this.length = length;
            this.tail = tail;
        }
    }

    private final Source source;
    private final Runnable onFirstByte;

    private TranscriptionAudio(Source source, Runnable onFirstByte) {
        this.source = source;
        this.onFirstByte = onFirstByte;
    }

    /**
     * An upload read as it arrives.
     *
     * @param length its length in bytes when known (Content-Length), else -1
     * @param tail   reads what follows it in the request once it has ended; null when nothing does
     */
    public static TranscriptionAudio stream(InputStream in, String contentType, String filename, long length, Tail tail) {
        return new TranscriptionAudio(new Source(in, null, null, contentType, filename, length, tail), () -> { });
    }

    /** An upload spooled to {@code file} ({@code length} bytes); read again by every attempt. */
    public static TranscriptionAudio file(Path file, String contentType, String filename, long length) {
        return new TranscriptionAudio(new Source(null, file, null, contentType, filename, length, null), () -> { });
    }

    /** Audio the upstream fetches itself. */
    public static TranscriptionAudio url(String url) {
        return new TranscriptionAudio(new Source(null, null, url, null, null, -1, null), () -> { });
    }

    /** The view of one attempt: {@code onFirstByte} runs when a stream that cannot be read again gives its first byte. */
    public TranscriptionAudio attempt(Runnable onFirstByte) {
        return new TranscriptionAudio(source, onFirstByte);
    }

    /** The URL for the upstream to fetch, or null for an upload. */
    public String url() { return source.url; }

    /** The upload's media type as the client gave it, or null. */
    public String contentType() { return source.contentType; }

    /** The upload's file name as the client gave it, or null. */
    public String filename() { return source.filename; }

    /** The upload's length in bytes when known ahead, else -1. */
    public long length() { return source.length; }

    /** Whether another attempt can read the upload again after one has started reading it. */
    public boolean replayable() { return source.stream == null; }

    /** Bytes of the upload read so far (by the latest attempt, for a spooled file). */
    public long bytesRead() { return source.bytes; }

    /**
     * The fields that followed the audio in the request, to be sent on after it; known once the
     * stream from {@link #open} has ended (empty before, and for uploads with nothing after them).
     */
    public List<Map.Entry<String, String>> trailing() { return source.trailing; }

    /**
     * The upload's bytes, for this attempt; close it when done.
     *
     * @throws IllegalStateException for a URL, or a stream an earlier attempt already read from
     */
    public InputStream open() throws IOException {
        if (source.url != null) throw new IllegalStateException("the audio is a URL");
        if (source.consumed && source.stream != null) throw new IllegalStateException("the upload was already read");
        source.bytes = 0;
        InputStream in = source.stream != null ? source.stream : Files.newInputStream(source.file);
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    if (!source.consumed && source.stream != null) {
                        source.consumed = true;
                        onFirstByte.run();
                    }
                    source.bytes += n;
                } else if (n < 0 && !source.tailRead) {
                    source.tailRead = true;
                    if (source.tail != null) source.trailing = List.copyOf(source.tail.read());
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                if (source.file != null) in.close(); // a client's stream is the request's, closed with it
            }
        };
    }
}
