package tollgate.account;

/**
 * Where finished requests are recorded. Contract: {@link #record} returns only once the record
 * survives the process being killed right after, or throws; for a record of a non-streamed
 * request it is also durable (fsynced: it survives a power cut), since the client is answered
 * only after it. It is called on the request's thread, once per dispatched request.
 */
@FunctionalInterface
public interface Recorder {
    void record(UsageRecord record);

    /** Records nothing (unit tests, benchmarks). */
    Recorder NONE = record -> { };
}
