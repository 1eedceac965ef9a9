package tollgate.account;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way state files are replaced and read: whole, owner-only when asked, capped. */
class DurableFilesTest {
    @TempDir Path dir;

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replace_writesTheFileWhole_ownerOnly_andLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("state.json");
        DurableFiles.replace(f, "{\"a\":1}".getBytes(UTF_8), true);
        DurableFiles.replace(f, "{\"b\":2}".getBytes(UTF_8), true);
        assertEquals("{\"b\":2}", Files.readString(f));
        assertEquals(List.of("state.json"), names(dir));
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void replace_setsTheModificationTimeWhenAsked() throws Exception {
        Path f = dir.resolve("state.json");
        DurableFiles.replace(f, new byte[] {'1'}, true, FileTime.fromMillis(1_800_000_000_000L));
        assertEquals(1_800_000_000_000L, Files.getLastModifiedTime(f).toMillis());
        DurableFiles.replace(f, new byte[] {'2'}, true, null);
        assertTrue(Files.getLastModifiedTime(f).toMillis() < 1_800_000_000_000L);
    }

    @Test
    void aFailedReplace_keepsWhatWasThere_andRemovesTheTemporaryFile() throws Exception {
        Path f = dir.resolve("state");
        Files.createDirectory(f);
        Files.writeString(f.resolve("inside"), "x"); // a non-empty directory cannot be renamed over
        assertThrows(IOException.class, () -> DurableFiles.replace(f, new byte[] {'1'}, true, FileTime.fromMillis(0)));
        assertEquals(List.of("state"), names(dir));
        assertEquals(List.of("inside"), names(f));
    }

    @Test
    void read_refusesMoreThanItsCap_namingTheFile() throws Exception {
        Path f = dir.resolve("big");
        Files.write(f, new byte[101]);
        assertArrayEquals(new byte[101], DurableFiles.read(f, 101));
        IOException e = assertThrows(IOException.class, () -> DurableFiles.read(f, 100));
        assertEquals(f + ": larger than 100 bytes", e.getMessage());
        assertThrows(NoSuchFileException.class, () -> DurableFiles.read(dir.resolve("none"), 100));
    }
}
