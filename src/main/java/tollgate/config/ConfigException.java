package tollgate.config;

import java.util.List;

/**
 * The configuration is unusable. The message names where ({@code conf/tollgate.json:12: server.port})
 * and the offending value, so that it can be printed as is and the gateway exits. When the file has
 * several problems, one exception lists them all ({@link #problems()}), one per line of the message
 * after a first line counting them.
 */
public final class ConfigException extends RuntimeException {
    /** Where a problem found by {@link ConfigReader} is: the source and JSON path; null for other problems. */
    private final String source;
    private final String path;
    private final String problem;
    /** Every problem, one line each. */
    private final List<String> problems;
    /** Only a consequence of a problem already reported (a model naming a provider whose entry is broken). */
    private boolean consequence;

    public ConfigException(String message) {
        this(message, (Throwable) null);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
        this.source = null;
        this.path = null;
        this.problem = null;
        this.problems = List.of(message);
    }

    /** A problem at {@code path} of {@code source}: {@code <source>: <path>: <problem>}. */
    ConfigException(String source, String path, String problem) {
        super(source + ": " + (path.isEmpty() ? "top level" : path) + ": " + problem);
        this.source = source;
        this.path = path;
        this.problem = problem;
        this.problems = List.of(getMessage());
    }

    /** Several problems of {@code source}, each already a whole line. */
    private ConfigException(String source, List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : source + ": " + problems.size() + " problems:\n" + String.join("\n", problems));
        this.source = source;
        this.path = null;
        this.problem = null;
        this.problems = List.copyOf(problems);
    }

    static ConfigException all(String source, List<String> lines) { return new ConfigException(source, lines); }

    /** Every problem, each a line such as {@code conf/tollgate.json:12: server.port: expected ...}. */
    public List<String> problems() { return problems; }

    String source() { return source; }
    String path() { return path; }
    String problem() { return problem; }

    boolean consequence() { return consequence; }

    ConfigException asConsequence() {
        consequence = true;
        return this;
    }
}
