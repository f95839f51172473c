package io.volclone;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The planner's answer: the chosen strategy, the usable ones in order, and every rejection. */
public final class ClonePlan {
    /**
     * One operation of a candidate: its name, the commands it amounts to ({@code argv}: each an
     * argument vector, several for a pipeline, for a runner that takes argvs such as LINSTOR's
     * {@code CloneDaemon}), the same shell-quoted for display, what volclone checks first
     * ({@code guard}, or null), and the operation's arguments as the plan's JSON gives them.
     */
    public record Step(String op, List<List<String>> argv, String command, String guard, Map<String, Object> args) {
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

    static ClonePlan fromJson(String json) throws VolcloneException {
        Map<String, Object> m = Json.object(Json.parse(json));
        List<Candidate> cs = new ArrayList<>();
        for (Object o : Json.list(m.get("candidates"))) {
            Map<String, Object> c = Json.object(o);
            List<Step> steps = new ArrayList<>();
            for (Object so : Json.list(c.get("steps"))) {
                Map<String, Object> st = new java.util.LinkedHashMap<>(Json.object(so));
                String op = (String) st.remove("op");
                String command = (String) st.remove("command");
                String guard = (String) st.remove("guard");
                List<List<String>> argv = new ArrayList<>();
                for (Object a : Json.list(st.remove("argv"))) {
                    argv.add(Json.list(a).stream().map(String.class::cast).toList());
                }
                steps.add(new Step(op, List.copyOf(argv), command, guard, java.util.Collections.unmodifiableMap(st)));
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
        return new ClonePlan(chosen == null ? Optional.empty() : Optional.of(CloneStrategy.fromName((String) chosen)), cs, rs, json);
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
