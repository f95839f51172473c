package io.volclone;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The planner's answer: the chosen strategy, the usable ones in order, and every rejection. */
public final class ClonePlan {
    /**
     * One operation of a candidate, the equivalent shell command, and the operation's arguments
     * as the plan's JSON gives them (strings, booleans, longs, maps).
     */
    public record Step(String op, String command, Map<String, Object> args) {
        /** A string argument, or empty. */
        public Optional<String> string(String name) {
            return Optional.ofNullable(args.get(name)).filter(String.class::isInstance).map(String.class::cast);
        }

        /** A boolean argument; false when absent. */
        public boolean flag(String name) {
            return Boolean.TRUE.equals(args.get(name));
        }
    }

    /** A usable strategy with the reason and what it runs. */
    public record Candidate(CloneStrategy strategy, int priority, boolean needsOpenDevices, String reason,
                            List<Step> steps, String warning) {}

    /** A strategy that is not used, and why. */
    public record Rejection(CloneStrategy strategy, String reason) {}

    private final Optional<CloneStrategy> chosen;
    private final List<Candidate> candidates;
    private final List<Rejection> rejected;
    private final String json;

    private ClonePlan(Optional<CloneStrategy> chosen, List<Candidate> candidates, List<Rejection> rejected, String json) {
        this.chosen = chosen;
        this.candidates = List.copyOf(candidates);
        this.rejected = List.copyOf(rejected);
        this.json = json;
    }

    static ClonePlan fromJson(String json) {
        Map<String, Object> m = Json.object(Json.parse(json));
        List<Candidate> cs = new ArrayList<>();
        for (Object o : Json.list(m.get("candidates"))) {
            Map<String, Object> c = Json.object(o);
            List<Step> steps = new ArrayList<>();
            for (Object so : Json.list(c.get("steps"))) {
                Map<String, Object> st = new java.util.LinkedHashMap<>(Json.object(so));
                String op = (String) st.remove("op");
                String command = (String) st.remove("command");
                steps.add(new Step(op, command, java.util.Collections.unmodifiableMap(st)));
            }
            cs.add(new Candidate(CloneStrategy.fromName((String) c.get("strategy")), ((Long) c.get("priority")).intValue(),
                (Boolean) c.get("needs_open_devices"), (String) c.get("reason"), List.copyOf(steps), (String) c.get("warning")));
        }
        List<Rejection> rs = new ArrayList<>();
        for (Object o : Json.list(m.get("rejected"))) {
            Map<String, Object> r = Json.object(o);
            rs.add(new Rejection(CloneStrategy.fromName((String) r.get("strategy")), (String) r.get("reason")));
        }
        Object chosen = m.get("chosen");
        return new ClonePlan(Optional.ofNullable(chosen).map(c -> CloneStrategy.fromName((String) c)), cs, rs, json);
    }

    /** The strategy to run, or empty when none can be used (see {@link #rejected()}). */
    public Optional<CloneStrategy> chosen() {
        return chosen;
    }

    /** Usable strategies, best first. */
    public List<Candidate> candidates() {
        return candidates;
    }

    /** Rejected strategies with their reasons. */
    public List<Rejection> rejected() {
        return rejected;
    }

    /** The reason a strategy was rejected, if it was. */
    public Optional<String> rejection(CloneStrategy s) {
        return rejected.stream().filter(r -> r.strategy() == s).map(Rejection::reason).findFirst();
    }

    /** The plan as JSON (the format of {@code volclone plan --json}). */
    public String json() {
        return json;
    }
}
