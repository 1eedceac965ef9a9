package tollgate.json;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** nst/JSONTestSuite: y_ must parse, n_ must be a JsonException, i_ either, never a crash or hang. */
class JsonConformanceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TestFactory
    Stream<DynamicTest> parse_acceptsEveryY() {
        return Corpus.tests("y_", f -> {
            byte[] bytes = Corpus.read(f);
            assertTimeoutPreemptively(TIMEOUT, () -> assertDoesNotThrow(() -> Json.parse(bytes)));
        });
    }

    @TestFactory
    Stream<DynamicTest> parse_rejectsEveryN() {
        return Corpus.tests("n_", f -> {
            byte[] bytes = Corpus.read(f);
            assertTimeoutPreemptively(TIMEOUT, () -> assertThrows(JsonException.class, () -> Json.parse(bytes)));
        });
    }

    @TestFactory
    Stream<DynamicTest> parse_acceptsOrCleanlyRejectsEveryI() {
        return Corpus.tests("i_", f -> {
            byte[] bytes = Corpus.read(f);
            assertTimeoutPreemptively(TIMEOUT, () -> {
                try {
                    Json.parse(bytes);
                } catch (JsonException expected) {
                    // rejecting is allowed; any other throwable fails the test
                }
            });
        });
    }
}
