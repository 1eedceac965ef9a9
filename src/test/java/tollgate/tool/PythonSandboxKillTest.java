package tollgate.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The order in which a run's process tree is killed, on a recorded tree (deterministic; the race
 * it prevents shows only now and then on a real one, see PythonToolTest).
 */
class PythonSandboxKillTest {

    @Test
    void withTheNamespaceWrapper_theWrapperIsKilledFirst_soItCannotWriteToTheCodesStderr() {
        List<String> killed = new ArrayList<>();
        PythonSandbox.killTree(new Tree(killed, "wrapper", List.of("python", "grandchild")), true);
        assertEquals(List.of("wrapper", "python", "grandchild"), killed);
    }

    @Test
    void withoutTheWrapper_theChildrenAreKilledFirst_beforeTheyAreReparentedOutOfReach() {
        List<String> killed = new ArrayList<>();
        PythonSandbox.killTree(new Tree(killed, "python", List.of("child", "grandchild")), false);
        assertEquals(List.of("child", "grandchild", "python"), killed);
    }

    /** A process whose descendants are listed while it lives and are gone once it is killed; kills recorded by name. */
    private static final class Tree implements ProcessHandle {
        private final List<String> killed;
        private final String name;
        private final List<String> descendants;

        Tree(List<String> killed, String name, List<String> descendants) {
            this.killed = killed;
            this.name = name;
            this.descendants = descendants;
        }

        @Override
        public Stream<ProcessHandle> descendants() {
            return isAlive() ? descendants.stream().map(d -> (ProcessHandle) new Handle(killed, d)) : Stream.empty();
        }

        @Override public boolean destroyForcibly() { return !killed.contains(name) && killed.add(name); }
        @Override public boolean destroy() { return destroyForcibly(); }
        @Override public boolean isAlive() { return !killed.contains(name); }
        @Override public long pid() { return name.hashCode(); }
        @Override public Optional<ProcessHandle> parent() { return Optional.empty(); }
        @Override public Stream<ProcessHandle> children() { return descendants(); }
        @Override public Info info() { throw new UnsupportedOperationException(); }
        @Override public CompletableFuture<ProcessHandle> onExit() { throw new UnsupportedOperationException(); }
        @Override public boolean supportsNormalTermination() { return true; }
        @Override public int compareTo(ProcessHandle other) { return Long.compare(pid(), other.pid()); }
    }

    private record Handle(List<String> killed, String name) implements ProcessHandle {
        @Override public boolean destroyForcibly() { return killed.add(name); }
        @Override public boolean destroy() { return destroyForcibly(); }
        @Override public long pid() { return name.hashCode(); }
        @Override public Optional<ProcessHandle> parent() { return Optional.empty(); }
        @Override public Stream<ProcessHandle> children() { return Stream.empty(); }
        @Override public Stream<ProcessHandle> descendants() { return Stream.empty(); }
        @Override public Info info() { throw new UnsupportedOperationException(); }
        @Override public CompletableFuture<ProcessHandle> onExit() { throw new UnsupportedOperationException(); }
        @Override public boolean supportsNormalTermination() { return true; }
        @Override public boolean isAlive() { return !killed.contains(name); }
        @Override public int compareTo(ProcessHandle other) { return Long.compare(pid(), other.pid()); }
    }
}
