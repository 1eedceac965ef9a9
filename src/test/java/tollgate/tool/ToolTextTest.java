package tollgate.tool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capping text at a character boundary, reading with a cap, and removing a scratch directory. */
class ToolTextTest {

    @Test
    void cap_leavesTextThatFits() {
        String s = "x".repeat(300);
        assertSame(s, ToolText.cap(s, 300));
    }

    @Test
    void cap_cutsBetweenCharacters_andSaysSo() {
        String marker = "\n[output cut at 300 bytes]";
        String ascii = ToolText.cap("a".repeat(400), 300);
        assertEquals("a".repeat(300 - marker.length()) + marker, ascii);
        // 2-, 3- and 4-byte characters: never split, never over the cap.
        for (String unit : new String[] {"é", "€", "😀"}) {
            for (int shift = 0; shift < 4; shift++) {
                String text = "a".repeat(shift) + unit.repeat(200);
                String capped = ToolText.cap(text, 300);
                byte[] b = capped.getBytes(UTF_8);
                assertTrue(b.length <= 300 && b.length > 300 - 4, unit + shift + ": " + b.length);
                assertTrue(capped.endsWith(marker));
                String kept = capped.substring(0, capped.length() - marker.length());
                assertTrue(text.startsWith(kept));
                assertFalse(new String(b, UTF_8).contains("\uFFFD"));
            }
        }
    }

    @Test
    void cap_marksTextKnownToBeCut_evenWhenItFits() {
        assertEquals("abc\n[output cut at 300 bytes]", ToolText.cap("abc", 300, true));
    }

    @Test
    void decode_dropsASequenceTheCapCut_andReplacesBadBytes() {
        byte[] b = "ab€".getBytes(UTF_8); // 61 62 e2 82 ac
        assertEquals("ab", ToolText.decode(b, 4));
        assertEquals("ab", ToolText.decode(b, 3));
        assertEquals("ab€", ToolText.decode(b, 5));
        assertEquals("a\uFFFDb", ToolText.decode(new byte[] {'a', (byte) 0xff, 'b'}, 3));
    }

    @Test
    void read_keepsAtMostTheCap_andStopsReadingSoonAfter() throws IOException {
        byte[] data = new byte[1_000_000];
        int[] read = {0};
        InputStream counting = new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                if (n > 0) read[0] += n;
                return n;
            }
        };
        ToolText.Capped c = ToolText.read(counting, 10_000);
        assertTrue(c.cut());
        assertEquals(10_000, c.bytes().length);
        assertTrue(read[0] <= 10_000 + ToolText.READ_CHUNK_BYTES, "read " + read[0]);

        ToolText.Capped exact = ToolText.read(new ByteArrayInputStream(new byte[500]), 500);
        assertFalse(exact.cut());
        assertArrayEquals(new byte[500], exact.bytes());
    }

    @Test
    void scratchDir_isRemovedWithEverythingInIt_butNotWhatALinkPointsTo(@TempDir Path outside) throws IOException {
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        ScratchDir d = ScratchDir.create();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d.path)));
        Path deep = Files.createDirectories(d.path.resolve("a/b/c"));
        Files.writeString(deep.resolve("f.txt"), "x");
        Files.createSymbolicLink(d.path.resolve("link-to-file"), precious);
        Files.createSymbolicLink(d.path.resolve("link-to-dir"), outside);
        Path locked = Files.createDirectories(d.path.resolve("locked/inner"));
        Files.writeString(locked.resolve("g"), "y");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(d.path.resolve("locked"), PosixFilePermissions.fromString("r-x------"));

        d.close();

        assertFalse(Files.exists(d.path, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep me", Files.readString(precious));
        assertTrue(Files.exists(outside));
    }
}
