package dev.errand.httptarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A target's own reading of response statuses, over the default mapping: each list holds statuses
 * ({@code "409"}) or classes ({@code "4xx"}), and the first list that matches, in the order success, retry,
 * permanent, decides. A status no rule names takes the default (2xx success, 408/429/5xx retried, other
 * statuses permanent). Immutable.
 */
public record StatusRules(List<String> success, List<String> retry, List<String> permanent) {
  public static final StatusRules NONE = new StatusRules(List.of(), List.of(), List.of());
  private static final Pattern RULE = Pattern.compile("[1-5](\\d\\d|xx)");

  /** What a rule says about a status. */
  public enum Verdict { SUCCESS, RETRY, PERMANENT }

  public StatusRules {
    success = check("success", success);
    retry = check("retry", retry);
    permanent = check("permanent", permanent);
  }

  private static List<String> check(String name, List<String> rules) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String r = rules.get(i) == null ? null : rules.get(i).toLowerCase(java.util.Locale.ROOT);
      if (r == null || !RULE.matcher(r).matches()) {
        throw new IllegalArgumentException("expect." + name + "[" + i + "] must be a status 100..599 or a class like 4xx: "
            + rules.get(i));
      }
      out.add(r);
    }
    return List.copyOf(out);
  }

  public boolean isEmpty() {
    return success.isEmpty() && retry.isEmpty() && permanent.isEmpty();
  }

  /** The verdict of the first rule that names {@code status}, if any. */
  public Optional<Verdict> verdict(int status) {
    if (matches(success, status)) {
      return Optional.of(Verdict.SUCCESS);
    }
    if (matches(retry, status)) {
      return Optional.of(Verdict.RETRY);
    }
    if (matches(permanent, status)) {
      return Optional.of(Verdict.PERMANENT);
    }
    return Optional.empty();
  }

  private static boolean matches(List<String> rules, int status) {
    String code = Integer.toString(status);
    for (String r : rules) {
      if (r.equals(code) || r.endsWith("xx") && r.charAt(0) == code.charAt(0)) {
        return true;
      }
    }
    return false;
  }
}
