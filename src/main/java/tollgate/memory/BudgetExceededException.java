package tollgate.memory;

import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * A reservation did not fit in the {@link MemoryBudget}. Unchecked, so that it can leave a JSON
 * parse or an upstream body subscriber; the HTTP layer answers it with a 503 and
 * {@code retry-after: }{@value MemoryBudget#RETRY_AFTER_SECONDS} (the request may well fit a
 * moment later, when others have finished), or, mid-stream, with an error event.
 */
public final class BudgetExceededException extends RuntimeException {
    private final long wanted;

    BudgetExceededException(long wanted, MemoryBudget budget) {
        super("the gateway's memory budget is in use (" + budget.used() + " of " + budget.limit()
                + " bytes reserved; " + wanted + " more wanted)", null, false, false);
        this.wanted = wanted;
    }

    /** Bytes the refused reservation asked for. */
    public long wanted() { return wanted; }

    /** The 503 the client gets: try again in a moment, the budget frees as requests end. */
    public GatewayException toGatewayException() {
        return new GatewayException(ErrorKind.GATEWAY_BUSY, "The gateway is busy (its memory for requests in "
                + "flight is in use); retry in " + MemoryBudget.RETRY_AFTER_SECONDS + " second.")
                .withHeaders("retry-after", Integer.toString(MemoryBudget.RETRY_AFTER_SECONDS))
                .withDetail(getMessage());
    }
}
