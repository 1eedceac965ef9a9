package tollgate.tool;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import tollgate.log.Log;

/**
 * A fresh directory for one run of untrusted code (the python tool): created under the system
 * temp directory, readable by the gateway's user only, and removed with everything in it.
 */
final class ScratchDir implements AutoCloseable {
    private static final String PREFIX = "tollgate-python-";

    final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    /** A new empty directory, mode 0700. */
    static ScratchDir create() throws IOException {
        return new ScratchDir(Files.createTempDirectory(PREFIX,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
    }

    /** Removes the directory and everything in it; a failure is logged (the code may have left something it cannot delete). */
    @Override
    public void close() {
        try {
            delete(path);
        } catch (IOException | RuntimeException e) {
            Log.warn("scratch_dir_left", "path", path.toString(), "error", e.toString());
        }
    }

    /**
     * Deletes {@code root} and all below it without following symbolic links (a link is removed,
     * never what it points to). The code that ran there may have taken its own permissions away
     * (a directory of mode 000): a directory is given back {@code rwx} for its owner before its
     * entries are deleted. Iterative ({@link Files#walkFileTree}), so a deep tree cannot overflow
     * the stack.
     */
    static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                ownerRwx(dir); // opened already; its entries are deleted next, which needs w and x
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A directory that could not be opened (mode 000): open it up and walk it again.
                if (e instanceof AccessDeniedException && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    ownerRwx(file);
                    Files.walkFileTree(file, this);
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void ownerRwx(Path dir) throws IOException {
        // A directory reached through the walk is never a link (links are not followed), so this
        // changes the directory itself.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
}
