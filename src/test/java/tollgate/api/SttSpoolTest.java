package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.error.GatewayException;

/** The spool: owner-only files, deleted when closed or when the copy fails, and all of them together under a limit. */
class SttSpoolTest {
    @TempDir
    Path dataDir;

    long files() throws Exception {
        try (Stream<Path> s = Files.list(dataDir.resolve("spool"))) {
            return s.count();
        }
    }

    @Test
    void uploadsTogetherStayUnderTheLimit_aFullSpoolIs503_andClosingFreesTheirBytes() throws Exception {
        SttSpool spool = new SttSpool(dataDir, 250_000);
        byte[] audio = new byte[150_000];
        audio[7] = 42;

        SttSpool.Upload first = spool.copy(new ByteArrayInputStream(audio));
        assertEquals(150_000, first.bytes());
        assertArrayEquals(audio, Files.readAllBytes(first.file()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.file())));

        GatewayException e = assertThrows(GatewayException.class, () -> spool.copy(new ByteArrayInputStream(audio)));
        assertEquals(503, e.httpStatus());
        assertEquals(1, files(), "the refused copy's file is deleted");
        assertEquals(150_000, spool.used());

        first.close();
        first.close(); // once
        assertFalse(Files.exists(first.file()));
        assertEquals(0, spool.used());
        try (SttSpool.Upload again = spool.copy(new ByteArrayInputStream(audio))) {
            assertEquals(150_000, spool.used());
        }
        assertEquals(0, files());
        assertEquals(0, spool.used());
    }
}
