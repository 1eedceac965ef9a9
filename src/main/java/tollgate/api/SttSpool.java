package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an upload goes when it cannot be streamed straight through: a multipart form whose file
 * comes before the {@code model} field ({@code curl -F file=@a.mp3 -F model=whisper-1}, as
 * OpenAI's own examples write it, and the OpenAI Node SDK). The model decides where the audio
 * goes, so it must be known before the first byte is sent; the file is copied to disk as it
 * arrives (never held in memory) and sent from there once the whole form is read.
 *
 * <p>Files live in {@code <data_dir>/spool/}, created owner-only ({@code Files.createTempFile}),
 * and are deleted when their request ends; what a crash leaves is deleted at the next start.
 * Their size is bounded by {@code speech.max_upload_bytes}.
 */
final class SttSpool {
    /** Copy buffer, in bytes. */
    static final int COPY_BYTES = 64 * 1024;
    static final String PREFIX = "upload-";
    static final String SUFFIX = ".part";

    private final Path dir;

    SttSpool(Path dataDir) {
        this.dir = dataDir.resolve("spool");
        try (DirectoryStream<Path> left = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path p : left) Files.deleteIfExists(p);
        } catch (IOException e) {
            // no directory yet, or nothing to delete
        }
    }

    /** Copies {@code in} to a new spool file; returns it. The caller deletes it ({@link #delete}). */
    Path copy(InputStream in) throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, PREFIX, SUFFIX);
        boolean ok = false;
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] buf = new byte[COPY_BYTES];
            for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
            ok = true;
            return file;
        } finally {
            if (!ok) delete(file);
        }
    }

    static void delete(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // deleted at the next start
        }
    }
}
