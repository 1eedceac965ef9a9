package tollgate.schema;

import tollgate.json.Json;

/**
 * Where a violation is: a place in the checked value ({@code $.items[2].price}) or in the schema
 * ({@code #/properties/price}, RFC 6901 pointer). A parent-linked chain so that descending costs
 * one small object and the text is only built for a violation, which is rare next to steps.
 *
 * @param parent the enclosing place, null for a root
 * @param name   property name, or null for an array index; for a root, its whole text
 * @param index  array index when {@code name} is null
 */
record Loc(Loc parent, String name, int index) {

    static final Loc VALUE_ROOT = new Loc(null, "$", -1);
    static final Loc SCHEMA_ROOT = new Loc(null, "#", -1);

    /** A root named by a {@code $ref}, so that places inside a referenced schema read as such. */
    static Loc root(String text) { return new Loc(null, text, -1); }

    Loc key(String property) { return new Loc(this, property, -1); }

    Loc at(int i) { return new Loc(this, null, i); }

    /** {@code $.a[2]}, with {@code ["..."]} (JSON-quoted) for a name that is not a plain identifier. */
    String valuePath() {
        if (parent == null) return name;
        StringBuilder sb = new StringBuilder(parent.valuePath());
        if (name == null) sb.append('[').append(index).append(']');
        else if (identifier(name)) sb.append('.').append(name);
        else sb.append('[').append(Json.toString(name)).append(']');
        return sb.toString();
    }

    /** {@code #/properties/a~1b}: RFC 6901 escaping, {@code ~} as {@code ~0} and {@code /} as {@code ~1}. */
    String pointer() {
        if (parent == null) return name;
        String token = name == null ? Integer.toString(index) : name.replace("~", "~0").replace("/", "~1");
        return parent.pointer() + "/" + token;
    }

    private static boolean identifier(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
        }
        return true;
    }
}
