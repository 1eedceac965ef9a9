package tollgate.account;

/**
 * Where finished requests are recorded. Contract: {@link #record} returns only once the record
 * is durable (it survives the process being killed right after), or throws; it is called on the
 * request's thread, once per dispatched request.
 */
@FunctionalInterface
public interface Recorder {
    void record(UsageRecord record);

    /** Records nothing (unit tests, benchmarks). */
    Recorder NONE = record -> { };
}
