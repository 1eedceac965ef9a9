package tollgate.schema;

/**
 * The {@code format} values of JSON Schema 2020-12 validation §7.3 that OpenAI structured outputs
 * accept, checked by hand rather than by regex or java.time: one pass over a short string, no
 * allocation beyond a few substrings for ipv6, and exactly the RFC grammars (java.time parsers
 * accept non-RFC 3339 forms such as a missing seconds field).
 */
final class Formats {
    private Formats() { throw new AssertionError(); }

    /** Longest hostname, in characters (RFC 1123 §2.1, RFC 1035 §2.3.4). */
    static final int MAX_HOSTNAME = 253;
    /** Longest hostname label, in characters (RFC 1035 §2.3.4). */
    static final int MAX_LABEL = 63;
    /** Longest email local part, in characters (RFC 5321 §4.5.3.1.1). */
    static final int MAX_LOCAL_PART = 64;
    /** Longest IPv6 text form, in characters (8 groups of 4 with 7 colons, or 6 groups and an IPv4 tail). */
    static final int MAX_IPV6 = 45;

    /** Whether {@code s} is a valid {@code format}; unknown formats are annotations only (§7.2) and pass. */
    static boolean valid(String format, String s) {
        return switch (format) {
            case "date-time" -> s.length() > 11 && date(s) && (s.charAt(10) == 'T' || s.charAt(10) == 't') && time(s, 11);
            case "date" -> s.length() == 10 && date(s);
            case "time" -> time(s, 0);
            case "duration" -> duration(s);
            case "email" -> email(s);
            case "hostname" -> hostname(s);
            case "ipv4" -> ipv4(s);
            case "ipv6" -> ipv6(s);
            case "uuid" -> uuid(s);
            default -> true;
        };
    }

    /** RFC 3339 full-date at the start of {@code s}: YYYY-MM-DD with a day that exists (Feb 29 in leap years only). */
    private static boolean date(String s) {
        if (s.length() < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') return false;
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1) return false;
        boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        int days = switch (month) {
            case 2 -> leap ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
        return day <= days;
    }

    /** RFC 3339 full-time from {@code from} to the end: HH:MM:SS[.frac](Z|±HH:MM); second 60 is a leap second. */
    private static boolean time(String s, int from) {
        int n = s.length();
        if (n - from < 9 || s.charAt(from + 2) != ':' || s.charAt(from + 5) != ':') return false;
        int h = digits(s, from, 2);
        int m = digits(s, from + 3, 2);
        int sec = digits(s, from + 6, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return false;
        int i = from + 8;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && isDigit(s.charAt(i))) i++;
            if (i == start || i == n) return false;
        }
        char z = s.charAt(i);
        if (z == 'Z' || z == 'z') return i + 1 == n;
        if ((z != '+' && z != '-') || n - i != 6 || s.charAt(i + 3) != ':') return false;
        int oh = digits(s, i + 1, 2);
        int om = digits(s, i + 4, 2);
        return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
    }

    /**
     * RFC 3339 Appendix A duration: P then date parts in the order Y M D, optionally T and time
     * parts in the order H M S (at least one after T), or PnW alone; whole numbers only.
     */
    private static boolean duration(String s) {
        int n = s.length();
        if (n < 3 || s.charAt(0) != 'P') return false;
        boolean inTime = false;
        boolean any = false;
        boolean anyTime = false;
        int rank = 0; // designators seen so far in this part must come in order
        int i = 1;
        while (i < n) {
            if (s.charAt(i) == 'T') {
                if (inTime) return false;
                inTime = true;
                rank = 0;
                i++;
                continue;
            }
            int start = i;
            while (i < n && isDigit(s.charAt(i))) i++;
            if (i == start || i == n) return false;
            char unit = s.charAt(i++);
            if (unit == 'W') return !inTime && !any && i == n;
            int r = (inTime ? "HMS" : "YMD").indexOf(unit);
            if (r < rank) return false; // unknown designator (-1) or out of order
            rank = r + 1;
            any = true;
            anyTime |= inTime;
        }
        return any && (!inTime || anyTime);
    }

    /**
     * RFC 5321 §4.1.2 Mailbox, loosely: a dot-atom or quoted local part, "@", and a hostname or an
     * address literal. ASCII only; internationalized addresses are format idn-email.
     */
    private static boolean email(String s) {
        int at = s.lastIndexOf('@');
        if (at < 1 || at > MAX_LOCAL_PART) return false;
        String domain = s.substring(at + 1);
        boolean domainOk = hostname(domain)
                || (domain.length() > 2 && domain.charAt(0) == '[' && domain.charAt(domain.length() - 1) == ']'
                        && literal(domain.substring(1, domain.length() - 1)));
        if (!domainOk) return false;
        if (at >= 2 && s.charAt(0) == '"' && s.charAt(at - 1) == '"') {
            for (int i = 1; i < at - 1; i++) if (s.charAt(i) < 0x20 || s.charAt(i) > 0x7E) return false;
            return true;
        }
        if (s.charAt(0) == '.' || s.charAt(at - 1) == '.') return false;
        for (int i = 0; i < at; i++) {
            char c = s.charAt(i);
            if (c == '.' ? s.charAt(i + 1) == '.' : !isAlnum(c) && "!#$%&'*+-/=?^_`{|}~".indexOf(c) < 0) return false;
        }
        return true;
    }

    private static boolean literal(String inner) {
        return ipv4(inner) || (inner.startsWith("IPv6:") && ipv6(inner.substring(5)));
    }

    /** RFC 1123 §2.1 hostname: dot-separated labels of letters, digits and inner hyphens; ASCII only (idn-hostname is separate). */
    private static boolean hostname(String s) {
        int n = s.length();
        if (n == 0 || n > MAX_HOSTNAME) return false;
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i < n && s.charAt(i) != '.') {
                char c = s.charAt(i);
                if (!isAlnum(c) && c != '-') return false;
                continue;
            }
            int len = i - start;
            if (len == 0 || len > MAX_LABEL || s.charAt(start) == '-' || s.charAt(i - 1) == '-') return false;
            start = i + 1;
        }
        return true;
    }

    /** RFC 2673 §3.2 dotted quad: four decimal octets 0-255, no leading zeros (they read as octal in some parsers). */
    private static boolean ipv4(String s) {
        int parts = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            int start = i;
            int v = 0;
            while (i < n && isDigit(s.charAt(i)) && i - start < 3) v = v * 10 + (s.charAt(i++) - '0');
            int len = i - start;
            if (len == 0 || v > 255 || (len > 1 && s.charAt(start) == '0')) return false;
            parts++;
            if (i == n) return parts == 4;
            if (s.charAt(i++) != '.' || parts == 4) return false;
        }
    }

    /** RFC 4291 §2.2 text forms: eight hex groups, one "::" for a run of zero groups, an IPv4 tail; no zone index. */
    private static boolean ipv6(String s) {
        if (s.length() < 2 || s.length() > MAX_IPV6) return false;
        int gap = s.indexOf("::");
        if (gap < 0) return groups(s, true) == 8;
        if (s.indexOf("::", gap + 1) >= 0) return false;
        int left = groups(s.substring(0, gap), false);
        int right = groups(s.substring(gap + 2), true);
        return left >= 0 && right >= 0 && left + right <= 7;
    }

    /** How many 16-bit groups {@code part} holds (an IPv4 tail is two), or -1 if malformed. */
    private static int groups(String part, boolean ipv4Tail) {
        if (part.isEmpty()) return 0;
        int count = 0;
        int start = 0;
        while (true) {
            int colon = part.indexOf(':', start);
            int end = colon < 0 ? part.length() : colon;
            if (colon < 0 && ipv4Tail && part.indexOf('.', start) >= 0) return ipv4(part.substring(start)) ? count + 2 : -1;
            if (end == start || end - start > 4) return -1;
            for (int i = start; i < end; i++) if (!hex(part.charAt(i))) return -1;
            count++;
            if (colon < 0) return count;
            start = colon + 1;
        }
    }

    /** RFC 4122 §3 textual form: 8-4-4-4-12 hex digits, either case. */
    private static boolean uuid(String s) {
        if (s.length() != 36) return false;
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : hex(c);
            if (!ok) return false;
        }
        return true;
    }

    /** The value of {@code len} ASCII digits at {@code at}, or -1. */
    private static int digits(String s, int at, int len) {
        int v = 0;
        for (int i = at; i < at + len; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    // ASCII only on purpose: Character.isDigit and Character.digit accept other scripts' digits,
    // which no RFC grammar here allows.
    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private static boolean hex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

    private static boolean isAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
}
