package tollgate.route;

import tollgate.account.Charge;
import tollgate.call.Cancellation;
import tollgate.memory.Reservation;

/**
 * Who is calling and what the call carries, whatever surface it came in on (HTTP today; the
 * voice relay and tasks later).
 *
 * @param keyName      the name of the client key that authenticated the call, or null
 * @param requestId    the request id (the client's {@code x-request-id}, or generated)
 * @param executionId  the gateway's id of this call ({@code execution_id}), a random UUID
 * @param cancellation fired when the caller goes away or the gateway shuts down
 * @param memory       the call's share of the memory budget
 * @param charge       the call's hold on its key's account (limits, credits)
 */
public record Caller(String keyName, String requestId, String executionId, Cancellation cancellation, Reservation memory,
                     Charge charge) {

    /** A caller without an account (tests, benchmarks). */
    public Caller(String keyName, String requestId, String executionId, Cancellation cancellation, Reservation memory) {
        this(keyName, requestId, executionId, cancellation, memory, Charge.none());
    }

    /** A caller with a fresh execution id and no account (tests, benchmarks). */
    public Caller(String keyName, String requestId, Cancellation cancellation, Reservation memory) {
        this(keyName, requestId, java.util.UUID.randomUUID().toString(), cancellation, memory);
    }

    /** The id the ledger records: the account's, else the key's name. */
    public String keyId() {
        return charge.account() != null ? charge.account().id() : keyName;
    }
}
