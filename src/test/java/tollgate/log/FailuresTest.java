package tollgate.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.security.UnrecoverableKeyException;
import org.junit.jupiter.api.Test;

/** Exceptions in words: never a Java class name. */
class FailuresTest {
    @Test
    void describesInWords() {
        assertEquals("/etc/x: permission denied", Failures.describe(new AccessDeniedException("/etc/x")));
        assertEquals("/etc/y: no such file or directory", Failures.describe(new NoSuchFileException("/etc/y")));
        assertEquals("no such host or address", Failures.describe(new SocketException("Unresolved address")));
        assertEquals("no such host or address (nohost.invalid)", Failures.describe(new UnknownHostException("nohost.invalid")));
        assertEquals("address already in use", Failures.describe(new BindException("Address already in use")));
        assertEquals("unexpected internal error", Failures.describe(new NullPointerException()));
        assertEquals("disk full", Failures.describe(new IOException("disk full")));
    }

    @Test
    void aClassNameLeadingTheMessage_isDropped() {
        // new IOException(cause) takes cause.toString() as its message
        assertEquals("bad padding", Failures.describe(new IOException(new UnrecoverableKeyException("bad padding"))));
        assertEquals("unexpected internal error", Failures.describe(new IOException(new IllegalStateException())));
        assertEquals("java.util is a package", Failures.describe(new IOException("java.util is a package")));
    }
}
