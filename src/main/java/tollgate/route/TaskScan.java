package tollgate.route;

import static tollgate.route.TaskKeywords.CODE_WORD;
import static tollgate.route.TaskKeywords.DESC;
import static tollgate.route.TaskKeywords.DESC_WORDS;
import static tollgate.route.TaskKeywords.D_EDIT;
import static tollgate.route.TaskKeywords.D_FILE;
import static tollgate.route.TaskKeywords.D_RUN;
import static tollgate.route.TaskKeywords.D_RUNNABLE;
import static tollgate.route.TaskKeywords.D_RUN_ALONE;
import static tollgate.route.TaskKeywords.LANG;
import static tollgate.route.TaskKeywords.PROSE;
import static tollgate.route.TaskKeywords.REASON;
import static tollgate.route.TaskKeywords.SYSTEM_CODE;
import static tollgate.route.TaskKeywords.SYSTEM_WORDS;
import static tollgate.route.TaskKeywords.TOKEN;
import static tollgate.route.TaskKeywords.USER_WORDS;
import static tollgate.route.TaskKeywords.WRITE_VERB;
import static tollgate.route.TaskKeywords.isDigit;
import static tollgate.route.TaskKeywords.matches;

import java.util.List;
import java.util.Map;
import tollgate.route.TaskKeywords.Kw;

/**
 * The scanner of {@link TaskInference}: the mutable state of one {@link TaskInference#infer}
 * call, filled by one pass over each text (the last user message, the system/developer messages,
 * each tool description) within the shared char budget, plus the punctuation and equation
 * detectors that need no keyword table.
 */
final class TaskScan {

    /** Which text is being scanned (each has its own keyword table and signals). */
    static final int USER = 0, SYSTEM = 1, DESCRIPTION = 2;

    int budget = TaskInference.MAX_SCANNED_CHARS;
    // last user message
    boolean userFence, equation;
    int codeTokens, codeWords;
    long codeWordBits;
    Kw lang, codeWord, reasoning, writeVerb, prose;
    // system/developer messages
    boolean systemFence;
    int systemWords;
    long systemBits;
    Kw systemFirst, systemSecond;
    // one tool description
    int descBits;

    boolean userDone() { return userFence || codeTokens >= TaskInference.CODE_TOKENS_NEEDED; }

    boolean systemDone() { return systemFence || systemWords >= 2; }

    boolean descriptionDone() {
        int b = descBits;
        return (b & (D_EDIT | D_FILE)) == (D_EDIT | D_FILE) || (b & (D_RUN | D_RUNNABLE)) == (D_RUN | D_RUNNABLE)
                || (b & D_RUN_ALONE) != 0;
    }

    boolean done(int mode) {
        return switch (mode) {
            case USER -> userDone();
            case SYSTEM -> systemDone();
            default -> descriptionDone();
        };
    }

    /** Scans a message content (a string, or a list of parts) within the budget. */
    void content(Object content, int mode) {
        if (content instanceof String s) {
            part(s, mode);
        } else if (content instanceof List<?> parts) {
            for (Object p : parts) {
                if (budget == 0 || done(mode)) return;
                if (p instanceof Map<?, ?> part && isTextPart(part.get("type")) && part.get("text") instanceof String s) {
                    part(s, mode);
                }
            }
        }
    }

    void part(String s, int mode) {
        int limit = Math.min(s.length(), budget);
        budget -= limit;
        scan(s, limit, mode);
    }

    /** One pass over {@code s[0, limit)}. */
    private void scan(String s, int limit, int mode) {
        Kw[][] table = mode == USER ? USER_WORDS : mode == SYSTEM ? SYSTEM_WORDS : DESC_WORDS;
        boolean prevLetter = false;
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            int lc = c | 0x20;
            if (lc >= 'a' && lc <= 'z') {
                if (!prevLetter) {
                    int second = i + 1 < limit ? s.charAt(i + 1) | 0x20 : 0;
                    Kw[] bucket = table[(lc - 'a') * 27 + (second >= 'a' && second <= 'z' ? second - 'a' : 26)];
                    if (bucket != null) {
                        for (Kw k : bucket) {
                            if (matches(s, i, limit, k)) hit(k);
                        }
                        if (done(mode)) return;
                    }
                }
                prevLetter = true;
                continue;
            }
            prevLetter = c >= 0x80 && Character.isLetter(c);
            if (mode == DESCRIPTION) continue;
            if (c == '`') {
                if (i + 3 <= limit && s.startsWith("```", i)) {
                    if (mode == USER) userFence = true;
                    else systemFence = true;
                    return;
                }
            } else if (mode == USER) {
                if (c >= '0' && c <= '9') {
                    if (!equation && (i + 1 == limit || !isDigit(s.charAt(i + 1))) && equationAt(s, i, limit)) {
                        equation = true;
                    }
                } else {
                    int n = punctTokenAt(s, i, limit, c);
                    if (n > 0) {
                        if (++codeTokens >= TaskInference.CODE_TOKENS_NEEDED) return;
                        i += n - 1;
                    }
                }
            }
        }
    }

    private void hit(Kw k) {
        switch (k.kind()) {
            case TOKEN -> codeTokens++;
            case LANG -> { if (lang == null) lang = k; }
            case CODE_WORD -> {
                if ((codeWordBits & k.bit()) == 0) {
                    codeWordBits |= k.bit();
                    codeWords++;
                    if (codeWord == null) codeWord = k;
                }
            }
            case REASON -> { if (reasoning == null) reasoning = k; }
            case WRITE_VERB -> { if (writeVerb == null) writeVerb = k; }
            case PROSE -> { if (prose == null) prose = k; }
            case SYSTEM_CODE -> {
                if ((systemBits & k.bit()) == 0) {
                    systemBits |= k.bit();
                    if (++systemWords == 1) systemFirst = k;
                    else if (systemWords == 2) systemSecond = k;
                }
            }
            case DESC -> descBits |= (int) k.bit();
            default -> throw new IllegalStateException();
        }
    }

    private static boolean isTextPart(Object type) { return "text".equals(type) || "input_text".equals(type); }

    /** The length of the punctuation code token at {@code s[i]} (whose char is {@code c}), or 0. */
    private static int punctTokenAt(String s, int i, int limit, char c) {
        String t;
        switch (c) {
            case '=' -> {
                if (i + 2 > limit) return 0;
                char d = s.charAt(i + 1);
                return d == '>' || d == '=' ? 2 : 0;
            }
            case '(' -> t = "();";
            case ')' -> t = "){";
            case '}' -> t = "};";
            case '<' -> t = "</";
            case ':' -> t = "::";
            case '&' -> t = "&&";
            case '#' -> t = "#include";
            default -> { return 0; }
        }
        return i + t.length() <= limit && s.startsWith(t, i) ? t.length() : 0;
    }

    /**
     * True if {@code s[i]}, the last digit of a number, starts an equation-like run: up to two
     * spaces, an operator, up to two spaces, an optional {@code (} or sign, a digit. {@code -} and
     * {@code /} (and their Unicode forms) need a space on both sides; a doubled operator
     * ({@code **}, {@code ==}) is one. A number that is part of a time ({@code 3:00}) on either
     * side does not count.
     */
    private static boolean equationAt(String s, int i, int limit) {
        int j = i + 1;
        int before = 0;
        while (j < limit && s.charAt(j) == ' ' && before < 2) { j++; before++; }
        if (j >= limit) return false;
        char op = s.charAt(j);
        boolean spaced;
        switch (op) {
            case '+', '*', '^', '=', '\u00d7', '\u00f7' -> spaced = false;
            case '-', '/', '\u2212', '\u2215' -> spaced = true;
            default -> { return false; }
        }
        j++;
        if (j < limit && s.charAt(j) == op) j++;
        int after = 0;
        while (j < limit && s.charAt(j) == ' ' && after < 2) { j++; after++; }
        if (spaced && (before == 0 || after == 0)) return false;
        if (j < limit && (s.charAt(j) == '(' || s.charAt(j) == '-')) j++;
        if (j >= limit || !isDigit(s.charAt(j))) return false;
        // Not a time: "3:00 - 4:00".
        int k = i;
        while (k > 0 && i - k < 32 && isDigit(s.charAt(k - 1))) k--;
        if (k > 0 && s.charAt(k - 1) == ':') return false;
        while (j < limit && isDigit(s.charAt(j))) j++;
        return j >= limit || s.charAt(j) != ':';
    }
}
