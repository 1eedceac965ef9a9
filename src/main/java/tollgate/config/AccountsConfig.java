package tollgate.config;

/**
 * The {@code accounts} section (issue 9).
 *
 * @param creditsPerUsd     credits charged per USD of upstream cost, rounded up per request
 * @param adminTokenSha256  SHA-256 of the token that guards {@code /admin/}, or null: the admin
 *                          API is then off (a client key is never an admin token)
 */
public record AccountsConfig(long creditsPerUsd, byte[] adminTokenSha256) {
    /** Credits per USD by default: one credit is a tenth of a cent. */
    public static final long DEFAULT_CREDITS_PER_USD = 1000;
    /** Most credits per USD accepted: a credit of a millionth of a cent. */
    public static final long MAX_CREDITS_PER_USD = 100_000_000;

    public static final AccountsConfig DEFAULTS = new AccountsConfig(DEFAULT_CREDITS_PER_USD, null);

    @Override
    public String toString() {
        return "AccountsConfig[creditsPerUsd=" + creditsPerUsd + ", admin=" + (adminTokenSha256 != null) + "]";
    }
}
