package dev.errand.server.cli;

import java.util.regex.Pattern;

/** Store URLs as they may appear in a log line: user info passwords and password parameters removed. */
final class StoreUrls {
  private static final Pattern USER_INFO = Pattern.compile("(://[^/:@]*):[^@/]*@");
  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&]*");

  private StoreUrls() {}

  static String redact(String url) {
    return PASSWORD_PARAM.matcher(USER_INFO.matcher(url).replaceAll("$1:***@")).replaceAll("$1***");
  }
}
