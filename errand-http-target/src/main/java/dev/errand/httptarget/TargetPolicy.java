package dev.errand.httptarget;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which addresses a target may reach. By default only public unicast addresses: loopback, private,
 * link-local (the cloud metadata address 169.254.169.254 among them), carrier-grade NAT 100.64/10,
 * benchmarking, reserved, multicast, unspecified, unique-local IPv6 fc00::/7 (fd00:ec2::254 among them),
 * site-local, IPv4-mapped and IPv4-compatible IPv6 and NAT64 addresses are refused, as is a 6to4 address
 * that embeds a refused IPv4 one. {@link #allowing} opens host names (exact, or {@code *.suffix}) and
 * ranges ({@code 10.1.0.0/16}, {@code 127.0.0.1}). Immutable and thread-safe.
 */
public final class TargetPolicy {
  /** Public addresses only. */
  public static final TargetPolicy DEFAULT = new TargetPolicy(Set.of(), List.of());

  private static final List<Cidr> REFUSED = List.of(
      Cidr.parse("0.0.0.0/8", "unspecified"), Cidr.parse("10.0.0.0/8", "private"),
      Cidr.parse("100.64.0.0/10", "carrier-grade NAT"), Cidr.parse("127.0.0.0/8", "loopback"),
      Cidr.parse("169.254.169.254/32", "cloud metadata"), Cidr.parse("169.254.0.0/16", "link-local"),
      Cidr.parse("172.16.0.0/12", "private"), Cidr.parse("192.0.0.0/24", "IETF protocol assignments"),
      Cidr.parse("192.168.0.0/16", "private"), Cidr.parse("198.18.0.0/15", "benchmarking"),
      Cidr.parse("224.0.0.0/4", "multicast"), Cidr.parse("240.0.0.0/4", "reserved"),
      Cidr.parse("::/128", "unspecified"), Cidr.parse("::1/128", "loopback"),
      Cidr.parse("::ffff:0:0/96", "IPv4-mapped IPv6"), Cidr.parse("::/96", "IPv4-compatible IPv6"),
      Cidr.parse("64:ff9b::/96", "NAT64"), Cidr.parse("64:ff9b:1::/48", "NAT64"),
      Cidr.parse("100::/64", "discard"), Cidr.parse("fd00:ec2::254/128", "cloud metadata"),
      Cidr.parse("fc00::/7", "unique-local"), Cidr.parse("fe80::/10", "link-local"),
      Cidr.parse("fec0::/10", "site-local"), Cidr.parse("ff00::/8", "multicast"));

  private final Set<String> hosts;
  private final List<Cidr> ranges;

  private TargetPolicy(Set<String> hosts, List<Cidr> ranges) {
    this.hosts = Set.copyOf(hosts);
    this.ranges = List.copyOf(ranges);
  }

  /**
   * The default policy, opened for {@code entries}: each a host name ({@code api.example.com}, or
   * {@code *.example.com} for its subdomains), an address ({@code 127.0.0.1}, {@code ::1}) or a range in
   * CIDR notation ({@code 10.0.0.0/8}).
   *
   * @throws IllegalArgumentException naming the entry that is none of these
   */
  public static TargetPolicy allowing(List<String> entries) {
    Set<String> hosts = new TreeSet<>();
    List<Cidr> ranges = new ArrayList<>();
    for (String raw : entries) {
      String e = raw.trim().toLowerCase(Locale.ROOT);
      if (e.isEmpty()) {
        continue;
      }
      if (e.contains("/") || e.contains(":") || e.matches("[0-9.]+")) {
        ranges.add(Cidr.parse(e.contains("/") ? e : e + (e.contains(":") ? "/128" : "/32"), "allowed"));
      } else if (e.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
        hosts.add(e);
      } else {
        throw new IllegalArgumentException("allowed target is not a host name, address or CIDR range: " + raw);
      }
    }
    return new TargetPolicy(hosts, ranges);
  }

  /** Whether {@code host} is opened by name: every address it resolves to may be reached. */
  public boolean allowsHost(String host) {
    if (hosts.isEmpty() || host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (hosts.contains(h)) {
      return true;
    }
    for (String allowed : hosts) {
      if (allowed.startsWith("*.") && h.endsWith(allowed.substring(1))) {
        return true;
      }
    }
    return false;
  }

  /** Why {@code address} may not be reached, such as {@code "127.0.0.1 is loopback"}, or null if it may. */
  public String refusal(InetAddress address) {
    byte[] bytes = address.getAddress();
    for (Cidr allowed : ranges) {
      if (allowed.contains(bytes)) {
        return null;
      }
    }
    for (Cidr refused : REFUSED) {
      if (refused.contains(bytes)) {
        return address.getHostAddress() + " is " + refused.label();
      }
    }
    if (address instanceof Inet6Address && (bytes[0] & 0xff) == 0x20 && (bytes[1] & 0xff) == 0x02) {
      try { // 6to4 (2002::/16): the IPv4 address it embeds is what is reached
        InetAddress embedded = InetAddress.getByAddress(new byte[] {bytes[2], bytes[3], bytes[4], bytes[5]});
        String inner = refusal(embedded);
        return inner == null ? null : address.getHostAddress() + " is 6to4 of " + inner;
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // four bytes are always an address
      }
    }
    return address instanceof Inet4Address || address instanceof Inet6Address ? null : address + " is not IP";
  }

  /** The entries this policy opens, for the log. */
  @Override
  public String toString() {
    List<String> all = new ArrayList<>(hosts);
    ranges.forEach(r -> all.add(r.text()));
    return all.isEmpty() ? "public addresses only" : "public addresses and " + all;
  }

  /** One address range. */
  record Cidr(String text, byte[] network, int prefix, String label) {
    static Cidr parse(String text, String label) {
      int slash = text.indexOf('/');
      String addr = text.substring(0, slash);
      int prefix;
      byte[] net;
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
        net = literal(addr);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a CIDR range: " + text);
      }
      if (net == null || prefix < 0 || prefix > net.length * 8) {
        throw new IllegalArgumentException("not a CIDR range: " + text);
      }
      return new Cidr(text, net, prefix, label);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  /**
   * The bytes of an address literal, 4 for IPv4 and 16 for IPv6 (an IPv4-mapped literal stays 16 bytes,
   * unlike {@link InetAddress#getByName}), or null if {@code text} is not a literal. Never looks up a name.
   */
  static byte[] literal(String text) {
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      String[] parts = t.split("\\.");
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          return null;
        }
        b[i] = (byte) v;
      }
      return b;
    }
    if (!t.contains(":") || !t.matches("[0-9a-fA-F:.]+")) {
      return null;
    }
    try {
      InetAddress a = InetAddress.getByName("[" + t + "]"); // a literal: no lookup
      byte[] b = a.getAddress();
      if (b.length == 4) { // Java folds ::ffff:a.b.c.d into IPv4: unfold it
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(b, 0, mapped, 12, 4);
        return mapped;
      }
      return b;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Why the address literal {@code host} may not be reached, or null if it may or is not a literal. */
  public String literalRefusal(String host) {
    byte[] bytes = literal(host);
    if (bytes == null) {
      return null;
    }
    try {
      // An IPv4-mapped literal is checked as the 16 bytes written, so it is refused however its IPv4 part reads.
      InetAddress a = bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, null) : InetAddress.getByAddress(bytes);
      return refusal(a);
    } catch (UnknownHostException e) {
      return host + " is not an address";
    }
  }
}
