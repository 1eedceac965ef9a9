package tollgate.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

/** The JSONTestSuite parsing corpus in ../shared, read in place (never copied into the project). */
final class Corpus {
    private Corpus() {}

    static Path dir() {
        String shared = System.getProperty("tollgate.shared.dir");
        Path base = shared == null || shared.isBlank() ? Path.of("..", "shared") : Path.of(shared);
        return base.resolve("conformance").resolve("json-test-suite").resolve("test_parsing").toAbsolutePath().normalize();
    }

    /**
     * One dynamic test per corpus file whose name starts with {@code prefix}, sorted by name. If the
     * corpus is absent, a single test that aborts, so that the run reports it as skipped.
     */
    static Stream<DynamicTest> tests(String prefix, ThrowingConsumer<Path> check) {
        Path dir = dir();
        if (!Files.isDirectory(dir)) {
            String why = "JSON conformance corpus not found at " + dir + ": ../shared is absent, skipping";
            // Also on the console: Surefire keeps abort reasons in its reports only.
            System.err.println("[SKIP] " + prefix + "* " + why);
            return Stream.of(DynamicTest.dynamicTest(prefix + "* (corpus absent)", () -> Assumptions.abort(why)));
        }
        return files(dir, prefix).stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check.accept(f)));
    }

    private static List<Path> files(Path dir, String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
            if (files.isEmpty()) throw new AssertionError("no " + prefix + "* files in " + dir);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
