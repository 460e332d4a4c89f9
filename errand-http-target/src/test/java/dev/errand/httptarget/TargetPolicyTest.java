package dev.errand.httptarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetPolicyTest {
  @ParameterizedTest
  @CsvSource({
      "10.0.0.1, private", "172.16.5.4, private", "192.168.1.1, private", "127.0.0.1, loopback",
      "169.254.169.254, cloud metadata", "169.254.1.1, link-local", "100.64.0.1, carrier-grade NAT",
      "0.0.0.0, unspecified", "224.0.0.1, multicast", "255.255.255.255, reserved", "::1, loopback",
      "::, unspecified", "fd00:ec2::254, cloud metadata", "fc00::1, unique-local", "fe80::1, link-local",
      "ff02::1, multicast", "64:ff9b::a00:1, NAT64", "2002:a00:1::1, 6to4 of 10.0.0.1 is private"})
  void refusedRanges(String literal, String label) {
    assertThat(TargetPolicy.DEFAULT.literalRefusal(literal)).endsWith(" is " + label);
  }

  @Test
  void ipv4MappedLiteralsAreRefusedAsWritten() {
    assertThat(TargetPolicy.DEFAULT.literalRefusal("[::ffff:8.8.8.8]")).endsWith("is IPv4-mapped IPv6");
    assertThat(TargetPolicy.DEFAULT.literalRefusal("::ffff:7f00:1")).endsWith("is IPv4-mapped IPv6");
  }

  @Test
  void publicAddressesPass() throws Exception {
    assertThat(TargetPolicy.DEFAULT.literalRefusal("8.8.8.8")).isNull();
    assertThat(TargetPolicy.DEFAULT.literalRefusal("2606:4700::1111")).isNull();
    assertThat(TargetPolicy.DEFAULT.refusal(InetAddress.getByName("1.1.1.1"))).isNull();
    assertThat(TargetPolicy.DEFAULT.literalRefusal("example.com")).isNull(); // not a literal: the resolver decides
  }

  @Test
  void theAllowListOpensRangesAndNames() {
    TargetPolicy p = TargetPolicy.allowing(List.of("10.1.0.0/16", "::1", "api.internal", "*.svc.local"));
    assertThat(p.literalRefusal("10.1.2.3")).isNull();
    assertThat(p.literalRefusal("10.2.0.1")).endsWith("is private");
    assertThat(p.literalRefusal("::1")).isNull();
    assertThat(p.allowsHost("API.internal.")).isTrue();
    assertThat(p.allowsHost("a.svc.local")).isTrue();
    assertThat(p.allowsHost("svc.local")).isFalse();
    assertThat(p.allowsHost("api.internal.evil")).isFalse();
    assertThatThrownBy(() -> TargetPolicy.allowing(List.of("10.0.0.0/40"))).hasMessageContaining("10.0.0.0/40");
    assertThatThrownBy(() -> TargetPolicy.allowing(List.of("bad host!"))).hasMessageContaining("bad host!");
  }
}
